// LRN: local response normalisation across channels,
// y = x / (bias + α/size · Σ x² over the `size` channels around c)^β,
// decomposed: square, zero-pad the channel axis, sum `size` shifted slices.

struct LRN: Operator {
    static let opType = "LRN"
    let size: Int
    let alpha: Float
    let beta: Float
    let bias: Float

    init(_ attributes: AttributeReader) throws {
        size = try attributes.int("size", default: 0)
        guard (1...1024).contains(size) else { throw attributes.error("size must be in 1...1024, got \(size)") }
        alpha = try attributes.float("alpha", default: 1e-4)
        beta = try attributes.float("beta", default: 0.75)
        bias = try attributes.float("bias", default: 1)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input", in: float32Computed)
        guard x.rank >= 3 else { throw inputs.error(.shapeMismatch, "LRN needs rank ≥ 3, got \(x.shape)") }
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let channels = x.shape[1]
        let before = (size - 1) / 2
        let after = size - 1 - before
        typealias Step = Decomposition.Step
        func zeros(_ count: Int) -> Decomposition.Operand {
            var shape = x.shape
            shape[1] = count
            return .constant(TensorData.zeros(x.dtype, shape: shape))
        }
        func scalar(_ value: Float) -> Decomposition.Operand {
            .constant(TensorData(dtype: x.dtype, shape: [], converting: [Double(value)]))
        }
        var steps: [Step] = [Step("Mul", [.input(0), .input(0)])]  // 0: x²
        var padded = Decomposition.Operand.step(0)
        if before + after > 0 {
            let parts = (before > 0 ? [zeros(before)] : []) + [.step(0)] + (after > 0 ? [zeros(after)] : [])
            steps.append(Step("Concat", parts, attributes: ["axis": .int(1)]))
            padded = .step(steps.count - 1)
        }
        var sum: Decomposition.Operand?
        for offset in 0..<size {
            steps.append(Step("Slice", [padded, .int64s([offset]), .int64s([offset + channels]), .int64s([1])]))
            let window = Decomposition.Operand.step(steps.count - 1)
            if let total = sum {
                steps.append(Step("Add", [total, window]))
                sum = .step(steps.count - 1)
            } else {
                sum = window
            }
        }
        steps += [
            Step("Mul", [sum ?? .step(0), scalar(alpha / Float(size))]),
            Step("Add", [.step(steps.count), scalar(bias)]),
            Step("Pow", [.step(steps.count + 1), scalar(beta)]),
            Step("Div", [.input(0), .step(steps.count + 2)]),
        ]
        return .decompose(Decomposition(steps: steps, outputs: [.step(steps.count - 1)]))
    }
}
