// MatMul: NumPy matmul, batched with broadcast batch dimensions; rank-1
// operands are promoted to matrices and the added axis dropped again.
// float16 and bfloat16 products accumulate in float32.

struct MatMul: Operator {
    static let opType = "MatMul"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "input A", in: float32Computed)
        let b = try inputs.require(1, "input B", in: [a.dtype])
        let shape = try Self.productShape(a.shape, b.shape, inputs)
        return [TensorType(a.dtype, shape)]
    }

    /// The shape of the (batched, broadcast) product of `a` and `b`.
    static func productShape(_ a: [Int], _ b: [Int], _ inputs: OpInputs) throws -> [Int] {
        guard a.count >= 1, b.count >= 1 else {
            throw inputs.error(.shapeMismatch, "MatMul needs inputs of rank ≥ 1")
        }
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw inputs.error(.shapeMismatch, "inner dimensions differ: \(a) × \(b)")
        }
        guard let batch = Shape.broadcast([Array(a2.dropLast(2)), Array(b2.dropLast(2))]) else {
            throw inputs.error(.shapeMismatch, "batch dimensions of \(a) and \(b) do not broadcast")
        }
        var shape = batch + [a2[a2.count - 2], b2[b2.count - 1]]
        if a.count == 1 { shape.remove(at: shape.count - 2) }
        if b.count == 1 { shape.removeLast() }
        return shape
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let dtype = try inputs.type(0).dtype
        guard dtype == .float32 else {
            return .decompose(.inFloat32(Self.opType, inputs, converting: [0, 1], resultType: dtype))
        }
        return .core(.matMul)
    }
}
