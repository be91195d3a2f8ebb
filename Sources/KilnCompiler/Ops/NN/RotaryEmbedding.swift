// RotaryEmbedding (opset 23): rotary positional embeddings. Each head's
// first `rotary_embedding_dim` features, paired as halves or interleaved,
// are rotated by the angle whose cosine and sine the caches hold for the
// token's position (looked up through position_ids when given). Decomposed
// into slices, element arithmetic and concatenation over a [B, S, H, D]
// view of the input (transposed from [B, H, S, D], or split into `num_heads`
// from [B, S, hidden]).

struct RotaryEmbedding: Operator {
    static let opType = "RotaryEmbedding"
    let interleaved: Bool
    let rotaryDimension: Int
    let heads: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        interleaved = try attributes.flag("interleaved")
        rotaryDimension = try attributes.int("rotary_embedding_dim", default: 0)
        heads = try attributes.int("num_heads", default: 0)
        guard rotaryDimension >= 0, heads >= 0 else {
            throw attributes.error("rotary_embedding_dim and num_heads must not be negative")
        }
        opset = attributes.opset
    }

    /// The [B, S, H, D] view of X and the rotated width.
    func layout(_ inputs: OpInputs) throws -> (view: [Int], rotated: Int) {
        let x = try inputs.require(0, "X", in: float32Computed)
        let view: [Int]
        switch x.rank {
        case 4: view = [x.shape[0], x.shape[2], x.shape[1], x.shape[3]]
        case 3:
            guard heads > 0, x.shape[2] % heads == 0 else {
                throw inputs.error(.invalidAttribute, "a 3-D X \(x.shape) needs num_heads dividing its hidden size")
            }
            view = [x.shape[0], x.shape[1], heads, x.shape[2] / heads]
        default: throw inputs.error(.shapeMismatch, "X must be [B, H, S, D] or [B, S, hidden], got \(x.shape)")
        }
        let rotated = rotaryDimension == 0 ? view[3] : rotaryDimension
        guard rotated <= view[3], rotated % 2 == 0 else {
            throw inputs.error(.invalidAttribute, "rotary_embedding_dim \(rotated) must be even and at most the head size \(view[3])")
        }
        let expected = inputs.has(3) ? nil : [view[0], view[1], rotated / 2]
        for (position, name) in [(1, "cos_cache"), (2, "sin_cache")] {
            let cache = try inputs.type(position)
            guard cache.dtype == x.dtype, cache.shape.last == rotated / 2,
                expected.map({ cache.shape == $0 }) ?? (cache.rank == 2)
            else {
                throw inputs.error(
                    .shapeMismatch, "\(name) \(cache) must be \(x.dtype)[\(expected.map { "\($0)" } ?? "positions, \(rotated / 2)")]")
            }
        }
        if inputs.has(3) {
            let positions = try inputs.require(3, "position_ids", in: [.int64])
            guard positions.shape == [view[0], view[1]] else {
                throw inputs.error(.shapeMismatch, "position_ids \(positions.shape) must be [\(view[0]), \(view[1])]")
            }
        }
        return (view, rotated)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try layout(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let (view, rotated) = try layout(inputs)
        let half = rotated / 2
        var b = DecompositionBuilder(opset: max(opset, 13))
        let heads =
            x.rank == 4 ? b.add("Transpose", [.input(0)], ["perm": .ints([0, 2, 1, 3])]) : b.reshape(.input(0), view)
        func slice(_ operand: Decomposition.Operand, _ start: Int, _ end: Int, step: Int = 1) -> Decomposition.Operand {
            b.add("Slice", [operand, .int64s([start]), .int64s([end]), .int64s([3]), .int64s([step])])
        }
        func angle(_ position: Int) -> Decomposition.Operand {
            let table = inputs.has(3) ? b.add("Gather", [.input(position), .input(3)], ["axis": .int(0)]) : .input(position)
            return b.reshape(table, [view[0], view[1], 1, half])
        }
        let (cos, sin) = (angle(1), angle(2))
        let (first, second) =
            interleaved ? (slice(heads, 0, rotated, step: 2), slice(heads, 1, rotated, step: 2))
            : (slice(heads, 0, half), slice(heads, half, rotated))
        let real = b.add("Sub", [b.add("Mul", [cos, first]), b.add("Mul", [sin, second])])
        let imaginary = b.add("Add", [b.add("Mul", [sin, first]), b.add("Mul", [cos, second])])
        var result: Decomposition.Operand
        if interleaved {
            let pairs = [b.reshape(real, Array(view.dropLast()) + [half, 1]), b.reshape(imaginary, Array(view.dropLast()) + [half, 1])]
            result = b.reshape(b.add("Concat", pairs, ["axis": .int(-1)]), Array(view.dropLast()) + [rotated])
        } else {
            result = b.add("Concat", [real, imaginary], ["axis": .int(3)])
        }
        if rotated < view[3] { result = b.add("Concat", [result, slice(heads, rotated, view[3])], ["axis": .int(3)]) }
        let output = x.rank == 4 ? b.add("Transpose", [result], ["perm": .ints([0, 2, 1, 3])]) : b.reshape(result, x.shape)
        return .decompose(b.finish([output]))
    }
}
