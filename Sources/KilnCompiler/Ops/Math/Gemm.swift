// Gemm: Y = alpha · op(A) · op(B) + beta · C, with C broadcast to [M, N].

struct Gemm: Operator {
    static let opType = "Gemm"
    let parameters: GemmParameters

    init(_ attributes: AttributeReader) throws {
        parameters = GemmParameters(
            transposeA: try attributes.flag("transA"), transposeB: try attributes.flag("transB"),
            alpha: try attributes.float("alpha", default: 1), beta: try attributes.float("beta", default: 1))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "A", rank: 2)
        let b = try inputs.require(1, "B", rank: 2)
        for position in 0...2 where inputs.has(position) {
            _ = try inputs.require(position, "input \(position)", in: [.float32])
        }
        let (transA, transB) = (parameters.transposeA, parameters.transposeB)
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else {
            throw inputs.error(
                .shapeMismatch,
                "inner dimensions differ: A is \(a.shape)\(transA ? "ᵀ" : ""), B is \(b.shape)\(transB ? "ᵀ" : "")")
        }
        if inputs.has(2), let c = inputs.types[2], Shape.broadcast([c.shape, [m, n]]) != [m, n] {
            throw inputs.error(.shapeMismatch, "C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
        }
        return [TensorType(.float32, [m, n])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.gemm(parameters)) }
}
