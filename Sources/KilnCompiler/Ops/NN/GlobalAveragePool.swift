// GlobalAveragePool: the mean of each (image, channel) over every spatial
// axis; GlobalMaxPool and GlobalLpPool: its largest value and Lp norm, as
// keepdims reductions over those axes.

struct GlobalAveragePool: Operator {
    static let opType = "GlobalAveragePool"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: [.float32])
        guard x.rank >= 3 else {
            throw inputs.error(.shapeMismatch, "GlobalAveragePool needs rank ≥ 3, got \(x.shape)")
        }
        return [TensorType(.float32, Array(x.shape[..<2]) + Array(repeating: 1, count: x.rank - 2))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.globalAveragePool) }
}

/// The spatial axes of an [N, C, spatial…] input, checked.
private func spatialAxes(_ inputs: OpInputs, _ what: String) throws -> [Int] {
    let x = try inputs.require(0, "input X", in: float32Computed)
    guard x.rank >= 3 else { throw inputs.error(.shapeMismatch, "\(what) needs rank ≥ 3, got \(x.shape)") }
    return Array(2..<x.rank)
}

struct GlobalMaxPool: Operator {
    static let opType = "GlobalMaxPool"
    let opset: Int
    init(_ attributes: AttributeReader) throws { opset = attributes.opset }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let axes = try spatialAxes(inputs, Self.opType)
        let x = try inputs.type(0)
        return [TensorType(x.dtype, Array(x.shape[..<2]) + axes.map { _ in 1 })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var b = DecompositionBuilder(opset: opset)
        let result = b.reduce(ReduceMax.self, .input(0), axes: try spatialAxes(inputs, Self.opType))
        return .decompose(b.finish([result]))
    }
}

/// GlobalLpPool: (Σ|x|ᵖ)^(1/p) over the spatial axes (p = 2 by default).
struct GlobalLpPool: Operator {
    static let opType = "GlobalLpPool"
    let p: Float
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        p = try attributes.float("p", default: 2)
        guard p > 0 else { throw attributes.error("p must be positive, got \(p)") }
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let axes = try spatialAxes(inputs, Self.opType)
        let x = try inputs.type(0)
        return [TensorType(x.dtype, Array(x.shape[..<2]) + axes.map { _ in 1 })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let axes = try spatialAxes(inputs, Self.opType)
        let dtype = try inputs.type(0).dtype
        var b = DecompositionBuilder(opset: opset)
        let x = b.cast(.input(0), from: dtype, to: .float32)
        let powered = b.add("Pow", [b.add("Abs", [x]), DecompositionBuilder.scalar(p)])
        let sum = b.reduce(ReduceSum.self, powered, axes: axes)
        let norm = b.add("Pow", [sum, DecompositionBuilder.scalar(1 / p)])
        let result = b.cast(norm, from: .float32, to: dtype)
        return .decompose(b.finish([result]))
    }
}
