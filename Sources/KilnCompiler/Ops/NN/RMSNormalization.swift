// RMSNormalization (opset 23): X / √(mean(X²) + ε) over the axes from `axis`
// on, times Scale. As `stash_type` 1 asks, half-precision inputs are
// normalised in float32 and rounded back once. A decomposition into
// reductions and arithmetic, like LayerNormalization.

struct RMSNormalization: Operator {
    static let opType = "RMSNormalization"
    let attributes: NormalizationAttributes

    init(_ attributes: AttributeReader) throws { self.attributes = try NormalizationAttributes(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: float32Computed)
        let scale = try inputs.require(1, "Scale", in: [x.dtype])
        guard Shape.broadcast([scale.shape, x.shape]) == x.shape else {
            throw inputs.error(.shapeMismatch, "Scale of \(scale) does not broadcast to X's shape \(x.shape)")
        }
        _ = try attributes.axes(inputs)
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let dtype = try inputs.type(0).dtype
        let axes = try attributes.axes(inputs)
        typealias Step = Decomposition.Step
        var steps: [Step] = []
        var x = Decomposition.Operand.input(0)
        if dtype != .float32 {
            steps.append(Step("Cast", [x], attributes: ["to": .int(DType.float32.rawValue)]))
            x = .step(steps.count - 1)
        }
        let epsilon = TensorData(shape: [], floats: [attributes.epsilon])
        let first = steps.count
        steps += [
            Step("Mul", [x, x]),  // X²
            .reduce(ReduceMean.self, .step(first), axes: axes, opset: attributes.opset),
            Step("Add", [.step(first + 1), .constant(epsilon)]),
            Step("Sqrt", [.step(first + 2)]),  // RMS
            Step("Div", [x, .step(first + 3)]),
        ]
        if dtype != .float32 {
            steps.append(Step("Cast", [.step(steps.count - 1)], attributes: ["to": .int(dtype.rawValue)]))
        }
        steps.append(Step("Mul", [.step(steps.count - 1), .input(1)]))
        return .decompose(Decomposition(steps: steps, outputs: [.step(steps.count - 1)]))
    }
}
