// Trilu: the upper (default) or lower triangle of the last two axes,
// diagonal offset by a constant k; the rest zero. The mask depends only on
// the static shape, so this is Where(constant mask, x, 0).

struct Trilu: Operator {
    static let opType = "Trilu"
    let upper: Bool

    init(_ attributes: AttributeReader) throws { upper = try attributes.flag("upper", default: true) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        guard x.rank >= 2 else { throw inputs.error(.shapeMismatch, "Trilu needs rank ≥ 2, got \(x.shape)") }
        _ = try diagonal(inputs)
        return [x]
    }

    func diagonal(_ inputs: OpInputs) throws -> Int {
        guard inputs.has(1) else { return 0 }
        let k = try inputs.requireConstant(1, "k")
        guard k.elementCount == 1 else { throw inputs.error(.shapeMismatch, "k must be a scalar") }
        return Int(clamping: k.int64s[0])
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let k = try diagonal(inputs)
        let (rows, columns) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        // Kept where column − row ≥ k (upper) or ≤ k (lower); broadcast over the leading axes.
        let mask = (0..<rows * columns).map { index -> Bool in
            let offset = index % columns - index / columns
            return upper ? offset >= k : offset <= k
        }
        let zero = TensorData(dtype: x.dtype, shape: [], converting: [0.0])
        return .decompose(
            Decomposition(
                steps: [
                    Decomposition.Step(
                        "Where", [.constant(TensorData(shape: [rows, columns], bools: mask)), .input(0), .constant(zero)])
                ], outputs: [.step(0)]))
    }
}
