// MatMul: NumPy matmul, batched with broadcast batch dimensions; rank-1
// operands are promoted to matrices and the added axis dropped again.
// float16 and bfloat16 products accumulate in float32.

struct MatMul: Operator {
    static let opType = "MatMul"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "input A", in: float32Computed)
        let b = try inputs.require(1, "input B", in: [a.dtype])
        guard a.rank >= 1, b.rank >= 1 else {
            throw inputs.error(.shapeMismatch, "MatMul needs inputs of rank ≥ 1")
        }
        let a2 = a.rank == 1 ? [1] + a.shape : a.shape
        let b2 = b.rank == 1 ? b.shape + [1] : b.shape
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw inputs.error(.shapeMismatch, "inner dimensions differ: \(a.shape) × \(b.shape)")
        }
        guard let batch = Shape.broadcast([Array(a2.dropLast(2)), Array(b2.dropLast(2))]) else {
            throw inputs.error(.shapeMismatch, "batch dimensions of \(a.shape) and \(b.shape) do not broadcast")
        }
        var shape = batch + [a2[a2.count - 2], b2[b2.count - 1]]
        if a.rank == 1 { shape.remove(at: shape.count - 2) }
        if b.rank == 1 { shape.removeLast() }
        return [TensorType(a.dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let dtype = try inputs.type(0).dtype
        guard dtype == .float32 else {
            return .decompose(.inFloat32(Self.opType, inputs, converting: [0, 1], resultType: dtype))
        }
        return .core(.matMul)
    }
}
