// LinearAttention (opset 27): attention as a recurrence over a [d_k, d_v]
// state per KV head, updated token by token (linear, gated, delta or
// gated-delta rule) and read by each query: o_t = scale · q_tᵀ S_t. Query
// heads share KV heads in groups (GQA). Unrolled over the (static) sequence
// length into MatMuls and element arithmetic in float32, as the op's
// reference runs it; half-precision tensors are widened and rounded back.

struct LinearAttention: Operator {
    static let opType = "LinearAttention"
    let queryHeads: Int
    let keyValueHeads: Int
    let scale: Float
    let gating: Bool
    let deltaCorrection: Bool
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        queryHeads = try attributes.int("q_num_heads", default: 0)
        keyValueHeads = try attributes.int("kv_num_heads", default: 0)
        guard keyValueHeads > 0, queryHeads > 0, queryHeads % keyValueHeads == 0 else {
            throw attributes.error("q_num_heads (\(queryHeads)) must be a positive multiple of kv_num_heads (\(keyValueHeads))")
        }
        scale = try attributes.float("scale", default: 0)
        let rule = try attributes.string("update_rule", default: "gated_delta")
        guard ["linear", "gated", "delta", "gated_delta"].contains(rule) else {
            throw attributes.error("update_rule must be linear, gated, delta or gated_delta, got '\(rule)'")
        }
        gating = rule.hasPrefix("gated")
        deltaCorrection = rule.hasSuffix("delta")
        attributes.ignore("chunk_size")  // a tuning hint: the result does not depend on it
        opset = attributes.opset
    }

    struct Layout {
        var batch: Int, length: Int, keyWidth: Int, valueWidth: Int
        var decayWidth: Int?, betaWidth: Int?
    }

    func layout(_ inputs: OpInputs) throws -> Layout {
        let q = try inputs.require(0, "query", in: float32Computed)
        let k = try inputs.type(1)
        let v = try inputs.type(2)
        guard q.rank == 3, k.rank == 3, v.rank == 3, q.shape[2] % queryHeads == 0, v.shape[2] % keyValueHeads == 0,
            k.shape == [q.shape[0], q.shape[1], q.shape[2] / queryHeads * keyValueHeads], v.shape[0...1] == q.shape[0...1],
            k.dtype == q.dtype, v.dtype == q.dtype
        else {
            throw inputs.error(
                .shapeMismatch,
                "query \(q), key \(k) and value \(v) must be [B, T, heads·D] for \(queryHeads) query and \(keyValueHeads) KV heads")
        }
        var layout = Layout(
            batch: q.shape[0], length: q.shape[1], keyWidth: q.shape[2] / queryHeads,
            valueWidth: v.shape[2] / keyValueHeads)
        for (position, name, needed) in [(4, "decay", gating), (5, "beta", deltaCorrection)] where inputs.has(position) != needed {
            throw inputs.error(.invalidAttribute, "this update_rule \(needed ? "needs" : "takes no") \(name) input")
        }
        if inputs.has(3) {
            let state = try inputs.type(3)
            let expected = [layout.batch, keyValueHeads, layout.keyWidth, layout.valueWidth]
            guard state.shape == expected, float32Computed.contains(state.dtype) else {
                throw inputs.error(.shapeMismatch, "past_state \(state) must be a float [\(expected)]")
            }
        }
        if inputs.has(4) {
            let decay = try inputs.type(4)
            guard decay.rank == 3, decay.shape[0...1] == q.shape[0...1],
                [keyValueHeads, keyValueHeads * layout.keyWidth].contains(decay.shape[2])
            else {
                throw inputs.error(.shapeMismatch, "decay \(decay.shape) must be [B, T, kv_num_heads or kv_num_heads·d_k]")
            }
            layout.decayWidth = decay.shape[2] / keyValueHeads
        }
        if inputs.has(5) {
            let beta = try inputs.type(5)
            guard beta.rank == 3, beta.shape[0...1] == q.shape[0...1], [keyValueHeads, 1].contains(beta.shape[2]) else {
                throw inputs.error(.shapeMismatch, "beta \(beta.shape) must be [B, T, kv_num_heads or 1]")
            }
            layout.betaWidth = beta.shape[2]
        }
        return layout
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let l = try layout(inputs)
        let dtype = try inputs.type(0).dtype
        let stateType = inputs.has(3) ? try inputs.type(3).dtype : dtype
        return [
            TensorType(dtype, [l.batch, l.length, queryHeads * l.valueWidth]),
            TensorType(stateType, [l.batch, keyValueHeads, l.keyWidth, l.valueWidth]),
        ]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let l = try layout(inputs)
        let types = try inferTypes(inputs)
        let (batch, kvHeads, group) = (l.batch, keyValueHeads, queryHeads / keyValueHeads)
        var b = DecompositionBuilder(opset: max(opset, 13))
        /// Input `position` as float32 [B, heads, T, width] (from [B, T, heads·width]).
        func heads(_ position: Int, _ count: Int, _ width: Int) throws -> Decomposition.Operand {
            let wide = b.cast(.input(position), from: try inputs.type(position).dtype, to: .float32)
            return b.add("Transpose", [b.reshape(wide, [batch, l.length, count, width])], ["perm": .ints([0, 2, 1, 3])])
        }
        func step(_ operand: Decomposition.Operand, _ t: Int) -> Decomposition.Operand {
            b.add("Slice", [operand, .int64s([t]), .int64s([t + 1]), .int64s([2])])
        }
        let q = try heads(0, queryHeads, l.keyWidth)
        let k = try heads(1, kvHeads, l.keyWidth)
        let v = try heads(2, kvHeads, l.valueWidth)
        let decay = try l.decayWidth.map { try heads(4, kvHeads, $0) }
        let beta = try l.betaWidth.map { try heads(5, $0, 1) }
        let stateShape = [batch, kvHeads, l.keyWidth, l.valueWidth]
        var state: Decomposition.Operand =
            inputs.has(3)
            ? b.cast(.input(3), from: try inputs.type(3).dtype, to: .float32)
            : .constant(TensorData.zeros(shape: stateShape))
        let factor = scale == 0 ? 1 / Float(l.keyWidth).squareRoot() : scale
        var outputs: [Decomposition.Operand] = []
        for t in 0..<l.length {
            let (kt, vt) = (step(k, t), step(v, t))
            if let decay, let width = l.decayWidth {
                // exp(g) per KV head (or per key feature), over the value axis.
                let gate = b.reshape(b.add("Exp", [step(decay, t)]), [batch, kvHeads, width, 1])
                state = b.add("Mul", [state, gate])
            }
            var update = vt
            if let beta {
                let retrieved = b.add("MatMul", [kt, state])
                update = b.add("Mul", [step(beta, t), b.add("Sub", [vt, retrieved])])
            }
            let column = b.reshape(kt, [batch, kvHeads, l.keyWidth, 1])
            state = b.add("Add", [state, b.add("MatMul", [column, update])])
            var read = state
            if group > 1 {
                let shared = b.add(
                    "Expand", [b.reshape(state, [batch, kvHeads, 1, l.keyWidth, l.valueWidth]),
                               .int64s([batch, kvHeads, group, l.keyWidth, l.valueWidth])])
                read = b.reshape(shared, [batch, queryHeads, l.keyWidth, l.valueWidth])
            }
            outputs.append(b.add("MatMul", [step(q, t), read]))
        }
        let gathered = outputs.count == 1 ? outputs[0] : b.add("Concat", outputs, ["axis": .int(2)])
        let scaled = b.add("Mul", [gathered, DecompositionBuilder.scalar(factor)])
        let merged = b.reshape(
            b.add("Transpose", [scaled], ["perm": .ints([0, 2, 1, 3])]), [batch, l.length, queryHeads * l.valueWidth])
        let output = b.cast(merged, from: .float32, to: types[0].dtype)
        let present = b.cast(state, from: .float32, to: types[1].dtype)
        return .decompose(b.finish([output, present]))
    }
}
