// LayerNormalization (opset 17): normalise over the axes from `axis` on,
// then scale and shift; optionally also return the mean and 1/σ. A float32
// one with per-element scale and bias and no statistics outputs is one core
// operation (one pass per row, in cache); the rest decompose into
// reductions and arithmetic.

struct LayerNormalization: Operator {
    static let opType = "LayerNormalization"
    let attributes: NormalizationAttributes

    init(_ attributes: AttributeReader) throws { self.attributes = try NormalizationAttributes(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: float32Computed)
        let axes = try attributes.axes(inputs)
        let normalized = Array(x.shape[axes[0]...])
        for position in 1...2 where inputs.has(position) {
            let parameter = try inputs.type(position)
            guard parameter.dtype == x.dtype, Shape.broadcast([parameter.shape, normalized]) == normalized else {
                throw inputs.error(
                    .shapeMismatch,
                    "\(position == 1 ? "Scale" : "B") of \(parameter) does not broadcast to the normalised shape \(normalized)")
            }
        }
        if inputs.outputCount > 1 && x.dtype != .float32 {
            throw inputs.error(.unsupportedFeature, "the Mean and InvStdDev outputs are supported for float32 input only")
        }
        var statistics = x.shape
        for axis in axes { statistics[axis] = 1 }
        return [x] + Array(repeating: TensorType(.float32, statistics), count: max(0, min(inputs.outputCount, 3) - 1))
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let axes = try attributes.axes(inputs)
        let length = x.shape[axes[0]...].reduce(1, *)
        let perElement = try (1...2).allSatisfy { position in
            try !inputs.has(position) || inputs.type(position).elementCount == length
        }
        if x.dtype == .float32, inputs.outputCount == 1, perElement, attributes.epsilon.isFinite {
            return .core(.layerNormalization(axis: axes[0], epsilon: attributes.epsilon))
        }
        typealias Step = Decomposition.Step
        func mean(_ operand: Decomposition.Operand) -> Step {
            .reduce(ReduceMean.self, operand, axes: axes, opset: attributes.opset)
        }
        let epsilon = TensorData(dtype: x.dtype, shape: [], converting: [Double(attributes.epsilon)])
        var steps: [Step] = [
            mean(.input(0)),  // 0: mean
            Step("Sub", [.input(0), .step(0)]),  // 1: x − mean
            Step("Mul", [.step(1), .step(1)]),  // 2: squared deviations
        ]
        steps.append(mean(.step(2)))  // 3: variance
        steps += [
            Step("Add", [.step(3), .constant(epsilon)]),  // 4
            Step("Sqrt", [.step(4)]),  // 5: σ
            Step("Reciprocal", [.step(5)]),  // 6: 1/σ
            Step("Mul", [.step(1), .step(6)]),  // 7: normalised
            Step("Mul", [.step(7), .input(1)]),  // 8: scaled
        ]
        if inputs.has(2) { steps.append(Step("Add", [.step(8), .input(2)])) }
        let outputs: [Decomposition.Operand] = [.step(steps.count - 1), .step(0), .step(6)]
        return .decompose(Decomposition(steps: steps, outputs: Array(outputs.prefix(inputs.outputCount))))
    }
}
