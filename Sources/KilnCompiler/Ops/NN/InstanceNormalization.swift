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
        var b = DecompositionBuilder(opset: opset)
        let (centered, variance) = b.centeredAndVariance(.input(0), axes: axes)
        let normalized = b.add("Div", [centered, b.add("Sqrt", [b.add("Add", [variance, .constant(epsilon)])])])
        let scale = b.reshape(.input(1), channelShape)
        let shift = b.reshape(.input(2), channelShape)
        let result = b.add("Add", [b.add("Mul", [normalized, scale]), shift])
        return .decompose(b.finish([result]))
    }
}
