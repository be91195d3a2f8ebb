// InstanceNormalization: each (image, channel) normalised over its spatial
// axes, then scaled and shifted per channel; decomposed into reductions and
// arithmetic.

struct InstanceNormalization: Operator {
    static let opType = "InstanceNormalization"
    let epsilon: Float
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        epsilon = try attributes.float("epsilon", default: 1e-5)
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input", in: float32Computed)
        guard x.rank >= 3 else { throw inputs.error(.shapeMismatch, "InstanceNormalization needs rank ≥ 3, got \(x.shape)") }
        for (position, what) in [(1, "scale"), (2, "B")] {
            let parameter = try inputs.type(position)
            guard parameter.shape == [x.shape[1]], parameter.dtype == x.dtype else {
                throw inputs.error(.shapeMismatch, "\(what) must be \(x.dtype)[\(x.shape[1])], got \(parameter)")
            }
        }
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let axes = Array(2..<x.rank)
        let channelShape = [x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
        let epsilon = TensorData(dtype: x.dtype, shape: [], converting: [Double(self.epsilon)])
        typealias Step = Decomposition.Step
        let steps: [Step] = [
            .reduce(ReduceMean.self, .input(0), axes: axes, opset: opset),  // 0: mean
            Step("Sub", [.input(0), .step(0)]),  // 1
            Step("Mul", [.step(1), .step(1)]),  // 2
            .reduce(ReduceMean.self, .step(2), axes: axes, opset: opset),  // 3: variance
            Step("Add", [.step(3), .constant(epsilon)]),  // 4
            Step("Sqrt", [.step(4)]),  // 5
            Step("Div", [.step(1), .step(5)]),  // 6: normalised
            Step("Reshape", [.input(1), .int64s(channelShape)]),  // 7: scale per channel
            Step("Reshape", [.input(2), .int64s(channelShape)]),  // 8: shift per channel
            Step("Mul", [.step(6), .step(7)]),  // 9
            Step("Add", [.step(9), .step(8)]),  // 10
        ]
        return .decompose(Decomposition(steps: steps, outputs: [.step(10)]))
    }
}
