// Attention (opset 23+): scaled dot-product attention over Q, K, V as 4-D
// [batch, heads, sequence, head size] or 3-D [batch, sequence, heads × head
// size] tensors, with grouped-query heads, a past key/value cache (returned
// with the new keys and values as present_key/value), a boolean or additive
// mask, bottom-right-aligned causal masking, sliding windows, per-batch
// valid key counts (nonpad_kv_seqlen), softcap, and the optional
// qk_matmul_output in any of its four modes. A fully masked query row gives
// zeros, not NaN. Half-precision inputs are computed in float32 and each
// output rounded once. Decomposed into MatMul, a masked softmax and
// elementwise steps.

import Foundation

struct Attention: Operator {
    static let opType = "Attention"
    let isCausal: Bool
    let queryHeads: Int?
    let keyValueHeads: Int?
    let qkOutputMode: Int
    let scale: Float?
    let softcap: Float
    /// Keys attended before and after a query's own position (-1: unbounded).
    let leftWindow: Int
    let rightWindow: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        isCausal = try attributes.flag("is_causal")
        queryHeads = attributes.has("q_num_heads") ? try attributes.int("q_num_heads", default: 0) : nil
        keyValueHeads = attributes.has("kv_num_heads") ? try attributes.int("kv_num_heads", default: 0) : nil
        qkOutputMode = try attributes.int("qk_matmul_output_mode", default: 0)
        guard (0...3).contains(qkOutputMode) else {
            throw attributes.error("qk_matmul_output_mode must be 0, 1, 2 or 3, got \(qkOutputMode)")
        }
        scale = attributes.has("scale") ? try attributes.float("scale", default: 1) : nil
        softcap = try attributes.float("softcap", default: 0)
        if attributes.has("softmax_precision") {
            // The softmax runs in float32 whatever is asked, which is at least as precise
            // as any half type; float64 would be less precise than asked, so it is refused.
            let precision = try attributes.int("softmax_precision", default: 1)
            guard [DType.float32, .float16, .bfloat16].map(\.rawValue).contains(precision) else {
                throw CompileError(
                    .unsupportedFeature, at: attributes.location,
                    "softmax_precision \(precision) is not supported (Kiln's softmax runs in float32)")
            }
        }
        leftWindow = try attributes.int("left_window_size", default: -1)
        rightWindow = try attributes.int("right_window_size", default: -1)
        guard leftWindow >= -1, rightWindow >= -1 else {
            throw attributes.error("window sizes must be -1 or non-negative, got \(leftWindow) and \(rightWindow)")
        }
        opset = attributes.opset
    }

    /// The sizes the inputs agree on.
    struct Geometry {
        var dtype: DType
        var batch: Int
        var queryHeads: Int
        var keyValueHeads: Int
        var queryLength: Int
        /// Keys and values passed in this call.
        var newLength: Int
        /// Keys and values from the cache (0 without one).
        var pastLength: Int
        var headSize: Int
        var valueHeadSize: Int
        var isRank3: Bool
        var totalLength: Int { pastLength + newLength }
    }

    func geometry(_ inputs: OpInputs) throws -> Geometry {
        let q = try inputs.require(0, "Q", in: float32Computed)
        let k = try inputs.require(1, "K", in: [q.dtype])
        let v = try inputs.require(2, "V", in: [q.dtype])
        guard q.rank == k.rank, k.rank == v.rank, q.rank == 3 || q.rank == 4 else {
            throw inputs.error(.shapeMismatch, "Q, K and V must all be 3-D or all 4-D, got \(q.shape), \(k.shape), \(v.shape)")
        }
        var g: Geometry
        if q.rank == 3 {
            guard let queryHeads, let keyValueHeads, queryHeads > 0, keyValueHeads > 0,
                q.shape[2] % queryHeads == 0, k.shape[2] % keyValueHeads == 0, v.shape[2] % keyValueHeads == 0
            else {
                throw inputs.error(
                    .invalidAttribute,
                    "3-D inputs need q_num_heads and kv_num_heads dividing the hidden sizes of Q \(q.shape), K \(k.shape), V \(v.shape)")
            }
            g = Geometry(
                dtype: q.dtype, batch: q.shape[0], queryHeads: queryHeads, keyValueHeads: keyValueHeads,
                queryLength: q.shape[1], newLength: k.shape[1], pastLength: 0, headSize: q.shape[2] / queryHeads,
                valueHeadSize: v.shape[2] / keyValueHeads, isRank3: true)
            guard k.shape[2] / keyValueHeads == g.headSize, v.shape[1] == k.shape[1] else {
                throw inputs.error(.shapeMismatch, "K \(k.shape) and V \(v.shape) do not match Q \(q.shape)'s heads")
            }
        } else {
            g = Geometry(
                dtype: q.dtype, batch: q.shape[0], queryHeads: q.shape[1], keyValueHeads: k.shape[1],
                queryLength: q.shape[2], newLength: k.shape[2], pastLength: 0, headSize: q.shape[3],
                valueHeadSize: v.shape[3], isRank3: false)
            guard k.shape[3] == g.headSize, v.shape[1] == k.shape[1], v.shape[2] == k.shape[2] else {
                throw inputs.error(.shapeMismatch, "K \(k.shape) and V \(v.shape) do not match Q \(q.shape)")
            }
        }
        guard k.shape[0] == g.batch, v.shape[0] == g.batch, g.queryHeads % g.keyValueHeads == 0 else {
            throw inputs.error(
                .shapeMismatch, "Q \(q.shape), K \(k.shape), V \(v.shape): batches must agree and K/V heads divide Q heads")
        }
        guard inputs.has(4) == inputs.has(5) else {
            throw inputs.error(.malformedModel, "past_key and past_value come together")
        }
        if inputs.has(4) {
            let pastKey = try inputs.require(4, "past_key", in: [g.dtype])
            let pastValue = try inputs.require(5, "past_value", in: [g.dtype])
            let heads = [g.batch, g.keyValueHeads]
            guard pastKey.rank == 4, pastValue.rank == 4, Array(pastKey.shape.prefix(2)) == heads,
                Array(pastValue.shape.prefix(2)) == heads, pastKey.shape[2] == pastValue.shape[2],
                pastKey.shape[3] == g.headSize, pastValue.shape[3] == g.valueHeadSize
            else {
                throw inputs.error(
                    .shapeMismatch, "past_key \(pastKey.shape) and past_value \(pastValue.shape) do not match K and V")
            }
            g.pastLength = pastKey.shape[2]
        }
        if inputs.has(6) {
            let lengths = try inputs.require(6, "nonpad_kv_seqlen", in: [.int64])
            guard lengths.shape == [g.batch], !inputs.has(4) else {
                throw inputs.error(
                    .shapeMismatch, "nonpad_kv_seqlen must be [\(g.batch)] and cannot come with a past cache")
            }
        }
        if inputs.has(3) {
            let mask = try inputs.require(3, "attn_mask", in: [.bool, g.dtype])
            let full = [g.batch, g.queryHeads, g.queryLength, g.totalLength]
            guard mask.rank >= 1, mask.rank <= 4, let last = mask.shape.last, last <= g.totalLength,
                Shape.broadcast([Array(mask.shape.dropLast()) + [g.totalLength], full]) == full
            else {
                throw inputs.error(.shapeMismatch, "attn_mask \(mask.shape) does not broadcast to \(full)")
            }
        }
        return g
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let g = try geometry(inputs)
        let y =
            g.isRank3
            ? [g.batch, g.queryLength, g.queryHeads * g.valueHeadSize]
            : [g.batch, g.queryHeads, g.queryLength, g.valueHeadSize]
        let types = [
            y, [g.batch, g.keyValueHeads, g.totalLength, g.headSize],
            [g.batch, g.keyValueHeads, g.totalLength, g.valueHeadSize],
            [g.batch, g.queryHeads, g.queryLength, g.totalLength],
        ].map { TensorType(g.dtype, $0) }
        return Array(types.prefix(inputs.outputCount))
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let g = try geometry(inputs)
        var b = DecompositionBuilder(opset: opset)
        typealias Operand = Decomposition.Operand
        let zero = DecompositionBuilder.scalar(0)
        let minusInfinity = DecompositionBuilder.scalar(-.infinity)

        // Q, K, V as float32 [batch, heads, sequence, head size]; the cache in front.
        func heads(_ position: Int, _ count: Int, _ length: Int, _ size: Int) -> Operand {
            var x = b.cast(.input(position), from: g.dtype, to: .float32)
            if g.isRank3 {
                x = b.reshape(x, [g.batch, length, count, size])
                x = b.add("Transpose", [x], ["perm": .ints([0, 2, 1, 3])])
            }
            return x
        }
        let q = heads(0, g.queryHeads, g.queryLength, g.headSize)
        var k = heads(1, g.keyValueHeads, g.newLength, g.headSize)
        var v = heads(2, g.keyValueHeads, g.newLength, g.valueHeadSize)
        if inputs.has(4) {
            k = b.add("Concat", [b.cast(.input(4), from: g.dtype, to: .float32), k], ["axis": .int(2)])
            v = b.add("Concat", [b.cast(.input(5), from: g.dtype, to: .float32), v], ["axis": .int(2)])
        }
        let (presentKey, presentValue) = (k, v)

        // Q and K each scaled by √scale (ONNX's order, against overflow).
        let scale = Double(self.scale ?? Float(1 / Double(g.headSize).squareRoot()))
        let rootScale = DecompositionBuilder.scalar(Float(scale.squareRoot()))
        let scaledQ = b.add("Mul", [q, rootScale])
        var scaledK = b.add("Mul", [k, rootScale])
        let total = g.totalLength
        if g.queryHeads != g.keyValueHeads {
            // Grouped-query attention: each K/V head serves `group` consecutive query heads.
            let group = g.queryHeads / g.keyValueHeads
            func repeated(_ x: Operand, _ size: Int) -> Operand {
                let single = b.reshape(x, [g.batch, g.keyValueHeads, 1, total, size])
                let copies = b.add("Expand", [single, .int64s([g.batch, g.keyValueHeads, group, total, size])])
                return b.reshape(copies, [g.batch, g.queryHeads, total, size])
            }
            scaledK = repeated(scaledK, g.headSize)
            v = repeated(v, g.valueHeadSize)
        }
        var scores = b.add("MatMul", [scaledQ, b.add("Transpose", [scaledK], ["perm": .ints([0, 1, 3, 2])])])
        if softcap > 0 {
            let cap = DecompositionBuilder.scalar(softcap)
            scores = b.add("Mul", [b.add("Tanh", [b.add("Div", [scores, cap])]), cap])
        }
        let capped = scores

        // The additive bias: mask, causal frontier, window and key padding, each 0 or −∞.
        var bias: Operand? = nil
        var biasRank = 0
        func addBias(_ term: Operand, rank: Int) {
            bias = bias.map { b.add("Add", [$0, term]) } ?? term
            biasRank = max(biasRank, rank)
        }
        func allowedToBias(_ allowed: Operand) -> Operand { b.add("Where", [allowed, zero, minusInfinity]) }
        if inputs.has(3) {
            let type = try inputs.type(3)
            var m: Operand = b.cast(.input(3), from: type.dtype, to: type.dtype == .bool ? .bool : .float32)
            if let last = type.shape.last, last < total {
                // A mask shorter than the keys: the missing keys are masked out.
                let fill = Array(type.shape.dropLast()) + [total - last]
                let filler =
                    type.dtype == .bool
                    ? TensorData(shape: fill, bools: Array(repeating: false, count: fill.reduce(1, *)))
                    : TensorData(shape: fill, floats: Array(repeating: -.infinity, count: fill.reduce(1, *)))
                m = b.add("Concat", [m, .constant(filler)], ["axis": .int(type.rank - 1)])
            }
            addBias(type.dtype == .bool ? allowedToBias(m) : m, rank: type.rank)
        }
        // Where the causal frontier and the window sit: after the cache, or per
        // batch at nonpad_kv_seqlen − query length for an external cache.
        let perBatchOffset: Operand? =
            inputs.has(6) && !inputs.has(4)
            ? b.reshape(
                b.add("Sub", [.input(6), .constant(TensorData(shape: [], int64s: [Int64(g.queryLength)]))]),
                [g.batch, 1, 1]) : nil
        let queryIndex = TensorData(shape: [g.queryLength, 1], int64s: (0..<g.queryLength).map { Int64($0) })
        let keyIndex = TensorData(shape: [1, total], int64s: (0..<total).map { Int64($0) })
        /// A 0/−∞ term from `allowed(i + offset − j)`, for the fixed offset or per batch.
        func frontierBias(_ allowed: @escaping (Int) -> Bool, _ perBatch: (Operand) -> Operand) -> (Operand, Int) {
            if let perBatchOffset {
                let reach = b.add("Add", [.constant(queryIndex), perBatchOffset])  // [batch, q, 1]
                let difference = b.add("Sub", [reach, .constant(keyIndex)])  // [batch, q, keys]
                return (b.reshape(allowedToBias(perBatch(difference)), [g.batch, 1, g.queryLength, total]), 4)
            }
            var values: [Float] = []
            for i in 0..<g.queryLength {
                for j in 0..<total { values.append(allowed(i + g.pastLength - j) ? 0 : -.infinity) }
            }
            return (.constant(TensorData(shape: [g.queryLength, total], floats: values)), 2)
        }
        if isCausal {
            let (term, rank) = frontierBias({ $0 >= 0 }) { difference in
                b.add("GreaterOrEqual", [difference, .int64s([0])])
            }
            addBias(term, rank: rank)
        }
        if leftWindow >= 0 || rightWindow >= 0 {
            let (left, right) = (leftWindow, rightWindow)
            let (term, rank) = frontierBias({ (left < 0 || $0 <= left) && (right < 0 || -$0 <= right) }) { difference in
                var allowed: Operand? = nil
                if left >= 0 { allowed = b.add("LessOrEqual", [difference, .int64s([left])]) }
                if right >= 0 {
                    let within = b.add("GreaterOrEqual", [difference, .int64s([-right])])
                    allowed = allowed.map { b.add("And", [$0, within]) } ?? within
                }
                return allowed!
            }
            addBias(term, rank: rank)
        }
        if inputs.has(6) {
            let lengths = b.reshape(.input(6), [g.batch, 1])
            let valid = b.add("Less", [.constant(keyIndex), lengths])  // [batch, keys]
            addBias(b.reshape(allowedToBias(valid), [g.batch, 1, 1, total]), rank: 4)
        }
        let biased = bias.map { b.add("Add", [scores, $0]) } ?? scores

        // Softmax over the keys that gives 0 (not NaN) on a row of −∞.
        let rowMaximum = b.reduce(ReduceMax.self, biased, axes: [3])
        let noKey = b.add("Equal", [rowMaximum, minusInfinity])
        let shift = b.add("Where", [noKey, zero, rowMaximum])
        let exponentials = b.add("Exp", [b.add("Sub", [biased, shift])])
        let sum = b.reduce(ReduceSum.self, exponentials, axes: [3])
        let divisor = b.add("Where", [b.add("Equal", [sum, zero]), DecompositionBuilder.scalar(1), sum])
        var probabilities = b.add("Div", [exponentials, divisor])
        if let bias {
            // Rows whose bias masks every key give zeros whatever the scores are.
            let fullyMasked = b.add("Equal", [b.reduce(ReduceMax.self, bias, axes: [biasRank - 1]), minusInfinity])
            probabilities = b.add("Where", [fullyMasked, zero, probabilities])
        }

        var y = b.add("MatMul", [probabilities, v])
        if g.isRank3 {
            y = b.add("Transpose", [y], ["perm": .ints([0, 2, 1, 3])])
            y = b.reshape(y, [g.batch, g.queryLength, g.queryHeads * g.valueHeadSize])
        }
        let qkOutput = [capped, capped, biased, probabilities][qkOutputMode]
        let outputs = [y, presentKey, presentValue, qkOutput].prefix(inputs.outputCount).map {
            b.cast($0, from: .float32, to: g.dtype)
        }
        return .decompose(b.finish(outputs))
    }
}
