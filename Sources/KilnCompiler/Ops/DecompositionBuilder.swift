// Writing a long decomposition step by step: each added step returns the
// operand that reads its output, so a rewrite reads like the formula it is.

/// Accumulates the steps of a `Decomposition`.
struct DecompositionBuilder {
    typealias Operand = Decomposition.Operand
    private(set) var steps: [Decomposition.Step] = []
    /// The model's opset: how reductions added here take their axes.
    let opset: Int

    init(opset: Int) { self.opset = opset }

    /// Adds `opType` on `inputs`; its first output.
    mutating func add(_ opType: String, _ inputs: [Operand], _ attributes: [String: Attribute] = [:]) -> Operand {
        steps.append(Decomposition.Step(opType, inputs, attributes: attributes))
        return .step(steps.count - 1)
    }

    /// A keepdims reduction of `operand` over `axes`.
    mutating func reduce(_ type: any ReductionOp.Type, _ operand: Operand, axes: [Int]) -> Operand {
        steps.append(.reduce(type, operand, axes: axes, opset: opset))
        return .step(steps.count - 1)
    }

    /// `operand` minus its mean over `axes`, and its variance there (both
    /// keepdims): what every normalisation computes first.
    mutating func centeredAndVariance(_ operand: Operand, axes: [Int]) -> (centered: Operand, variance: Operand) {
        let centered = add("Sub", [operand, reduce(ReduceMean.self, operand, axes: axes)])
        let variance = reduce(ReduceMean.self, add("Mul", [centered, centered]), axes: axes)
        return (centered, variance)
    }

    /// `operand` converted to `dtype` (no step when it already is).
    mutating func cast(_ operand: Operand, from source: DType, to dtype: DType) -> Operand {
        source == dtype ? operand : add("Cast", [operand], ["to": .int(dtype.rawValue)])
    }

    /// `operand` under another (static) shape.
    mutating func reshape(_ operand: Operand, _ shape: [Int]) -> Operand {
        add("Reshape", [operand, .int64s(shape)])
    }

    /// The decomposition with the node's outputs taken from `outputs`. Add
    /// the steps first: in `b.finish([b.add(…)])` Swift reads `b` before
    /// the argument adds its step.
    func finish(_ outputs: [Operand]) -> Decomposition { Decomposition(steps: steps, outputs: outputs) }

    /// A float32 scalar constant.
    static func scalar(_ value: Float) -> Operand { .constant(TensorData(shape: [], floats: [value])) }
}
