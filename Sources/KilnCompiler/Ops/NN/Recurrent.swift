// RNN, GRU and LSTM: forward, reverse or bidirectional, with biases,
// initial states, peepholes, clip, input_forget, linear_before_reset, both
// layouts, every activation ONNX names, and sequence_lens (a compile-time
// constant: steps past an entry's length leave its state and give zeros).
//
// Unrolled at compile time over the (static) sequence: the input projection
// of every step is one MatMul up front; each step adds its state's MatMul and
// the gate arithmetic. A reverse direction runs over the sequence reversed
// (per entry, up to its length) and reverses its outputs back.

/// What the three ops share.
struct RecurrentAttributes: Sendable {
    enum Direction: String, Sendable { case forward, reverse, bidirectional }
    let hiddenSize: Int?
    let direction: Direction
    let batchFirst: Bool
    let clip: Float?
    /// Per direction, the activations the op applies (f, g[, h]).
    let activations: [[RecurrentActivation]]
    let opset: Int

    var directions: Int { direction == .bidirectional ? 2 : 1 }

    init(_ attributes: AttributeReader, defaults: [String]) throws {
        hiddenSize = attributes.has("hidden_size") ? try attributes.int("hidden_size", default: 0) : nil
        let name = try attributes.string("direction", default: "forward")
        guard let direction = Direction(rawValue: name) else {
            throw attributes.error("direction must be forward, reverse or bidirectional, got '\(name)'")
        }
        self.direction = direction
        let layout = try attributes.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw attributes.error("layout must be 0 or 1, got \(layout)") }
        batchFirst = layout == 1
        clip = attributes.has("clip") ? try attributes.float("clip", default: 0) : nil
        let count = direction == .bidirectional ? 2 : 1
        var names = defaults + (count == 2 ? defaults : [])
        if case .strings(let given)? = attributes.raw("activations") {
            guard given.count == names.count else {
                throw attributes.error("activations must name \(names.count) functions, got \(given)")
            }
            names = given
        }
        var alphas: [Float] = []
        var betas: [Float] = []
        if case .floats(let values)? = attributes.raw("activation_alpha") { alphas = values }
        if case .floats(let values)? = attributes.raw("activation_beta") { betas = values }
        // The alpha and beta lists are consumed in order by the activations that take them.
        var parsed: [RecurrentActivation] = []
        for name in names {
            guard let activation = RecurrentActivation(name, alphas: &alphas, betas: &betas) else {
                throw CompileError(
                    .unsupportedFeature, at: attributes.location, "activation '\(name)' is not one ONNX defines for recurrent ops")
            }
            parsed.append(activation)
        }
        activations = (0..<count).map { Array(parsed[($0 * defaults.count)..<(($0 + 1) * defaults.count)]) }
        opset = attributes.opset
    }

    /// The sizes: (sequence, batch, input, hidden), checked against W and R.
    func sizes(_ inputs: OpInputs, gates: Int) throws -> (steps: Int, batch: Int, input: Int, hidden: Int) {
        let x = try inputs.require(0, "X", in: [.float32])
        let w = try inputs.require(1, "W", in: [.float32])
        let r = try inputs.require(2, "R", in: [.float32])
        guard x.rank == 3, w.rank == 3, r.rank == 3 else {
            throw inputs.error(.shapeMismatch, "X \(x.shape), W \(w.shape) and R \(r.shape) must be 3-D")
        }
        let (steps, batch) = batchFirst ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
        let hidden = hiddenSize ?? r.shape[2]
        guard hidden >= 1, w.shape == [directions, gates * hidden, x.shape[2]], r.shape == [directions, gates * hidden, hidden]
        else {
            throw inputs.error(
                .shapeMismatch,
                "W \(w.shape) and R \(r.shape) must be [\(directions), \(gates)·\(hidden), \(x.shape[2])] and [\(directions), \(gates)·\(hidden), \(hidden)]")
        }
        if inputs.has(3), try inputs.require(3, "B", in: [.float32]).shape != [directions, 2 * gates * hidden] {
            throw inputs.error(.shapeMismatch, "B must be [\(directions), \(2 * gates * hidden)]")
        }
        let state = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        for position in [5, 6] where position < inputs.count && inputs.has(position) {
            guard try inputs.require(position, "initial state", in: [.float32]).shape == state else {
                throw inputs.error(.shapeMismatch, "initial states must be \(state)")
            }
        }
        return (steps, batch, x.shape[2], hidden)
    }

    /// sequence_lens as constants, or nil when absent or all full length.
    func lengths(_ inputs: OpInputs, steps: Int, batch: Int) throws -> [Int]? {
        guard inputs.has(4) else { return nil }
        _ = try inputs.require(4, "sequence_lens", in: [.int32])
        let values = try inputs.requireConstant(4, "sequence_lens").int64s
        guard values.count == batch, values.allSatisfy({ $0 >= 0 && $0 <= Int64(steps) }) else {
            throw inputs.error(.shapeMismatch, "sequence_lens \(values) must hold one length in 0...\(steps) per batch entry")
        }
        return values.allSatisfy({ $0 == Int64(steps) }) ? nil : values.map { Int($0) }
    }

    /// The output types: Y, then one [directions, batch, hidden] state per extra output.
    func outputTypes(_ inputs: OpInputs, gates: Int) throws -> [TensorType] {
        let (steps, batch, _, hidden) = try sizes(inputs, gates: gates)
        _ = try lengths(inputs, steps: steps, batch: batch)
        let y = batchFirst ? [batch, steps, directions, hidden] : [steps, directions, batch, hidden]
        let state = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        return [TensorType(.float32, y)] + Array(repeating: TensorType(.float32, state), count: max(0, inputs.outputCount - 1))
    }
}

/// One of the activation functions ONNX lets recurrent ops use.
struct RecurrentActivation: Sendable {
    let name: String
    let alpha: Float
    let beta: Float

    init?(_ name: String, alphas: inout [Float], betas: inout [Float]) {
        let defaults: [String: (alpha: Float?, beta: Float?)] = [
            "Relu": (nil, nil), "Tanh": (nil, nil), "Sigmoid": (nil, nil), "Softsign": (nil, nil), "Softplus": (nil, nil),
            "LeakyRelu": (0.01, nil), "ThresholdedRelu": (1, nil), "Elu": (1, nil), "ScaledTanh": (1, 1),
            "HardSigmoid": (0.2, 0.5), "Affine": (1, 0),
        ]
        guard let (alpha, beta) = defaults[name] else { return nil }
        self.name = name
        self.alpha = alpha.map { alphas.isEmpty ? $0 : alphas.removeFirst() } ?? 0
        self.beta = beta.map { betas.isEmpty ? $0 : betas.removeFirst() } ?? 0
    }

    func apply(_ x: Decomposition.Operand, _ b: inout DecompositionBuilder) -> Decomposition.Operand {
        switch name {
        case "LeakyRelu", "ThresholdedRelu", "Elu": return b.add(name, [x], ["alpha": .float(alpha)])
        case "HardSigmoid": return b.add(name, [x], ["alpha": .float(alpha), "beta": .float(beta)])
        case "ScaledTanh":
            let inner = b.add("Tanh", [b.add("Mul", [x, DecompositionBuilder.scalar(beta)])])
            return b.add("Mul", [inner, DecompositionBuilder.scalar(alpha)])
        case "Affine":
            return b.add("Add", [b.add("Mul", [x, DecompositionBuilder.scalar(alpha)]), DecompositionBuilder.scalar(beta)])
        default: return b.add(name, [x])
        }
    }
}

/// The unrolled computation of one recurrent node.
struct RecurrentUnrolling {
    typealias Operand = Decomposition.Operand
    let attributes: RecurrentAttributes
    let gates: Int
    let steps: Int
    let batch: Int
    let hidden: Int
    let lengths: [Int]?
    var b: DecompositionBuilder

    init(_ attributes: RecurrentAttributes, gates: Int, _ inputs: OpInputs) throws {
        self.attributes = attributes
        self.gates = gates
        (steps, batch, _, hidden) = try attributes.sizes(inputs, gates: gates)
        lengths = try attributes.lengths(inputs, steps: steps, batch: batch)
        b = DecompositionBuilder(opset: attributes.opset)
    }

    /// Elements [start, end) of the last axis (`axis`) of `x`.
    mutating func columns(_ x: Operand, _ start: Int, _ end: Int, axis: Int) -> Operand {
        b.add("Gather", [x, .constant(TensorData(shape: [end - start], int64s: (start..<end).map { Int64($0) }))], ["axis": .int(axis)])
    }

    /// Entry `index` of axis 0 of `x`, the axis dropped.
    mutating func entry(_ x: Operand, _ index: Int) -> Operand {
        b.add("Gather", [x, .constant(TensorData(shape: [], int64s: [Int64(index)]))], ["axis": .int(0)])
    }

    /// `x` limited to ±clip, if the op clips.
    mutating func clipped(_ x: Operand) -> Operand {
        guard let clip = attributes.clip else { return x }
        let low = b.add("Max", [x, DecompositionBuilder.scalar(-clip)])
        return b.add("Min", [low, DecompositionBuilder.scalar(clip)])
    }

    /// The sequence as [steps, batch, features], reversed per entry for a reverse pass.
    mutating func sequence(_ x: Operand, reversed: Bool) -> Operand {
        guard reversed else { return x }
        if let lengths {
            return b.add(
                "ReverseSequence", [x, .constant(TensorData(dtype: .int64, shape: [batch], converting: lengths.map { Int64($0) }))],
                ["batch_axis": .int(1), "time_axis": .int(0)])
        }
        return b.add("Gather", [x, .int64s(Array((0..<steps).reversed()))], ["axis": .int(0)])
    }

    /// Keeps `previous` where step `t` is past an entry's length.
    mutating func masked(_ new: Operand, previous: Operand, step t: Int) -> Operand {
        guard let lengths else { return new }
        let valid = TensorData(shape: [batch, 1], bools: lengths.map { t < $0 })
        return b.add("Where", [.constant(valid), new, previous])
    }

    /// Initial state `position` ([directions, batch, hidden], or batch first) for `direction`, else zeros.
    mutating func initialState(_ inputs: OpInputs, _ position: Int, direction: Int) -> Operand {
        guard position < inputs.count, inputs.has(position) else {
            return .constant(TensorData.zeros(shape: [batch, hidden]))
        }
        if attributes.batchFirst {
            return b.add("Gather", [.input(position), .constant(TensorData(shape: [], int64s: [Int64(direction)]))], ["axis": .int(1)])
        }
        return entry(.input(position), direction)
    }

    /// Runs every direction with `step(direction, projected input, state…) → new state…`
    /// (state 0 is H) and assembles Y and the final states.
    mutating func run(
        _ inputs: OpInputs, stateCount: Int,
        step: (inout RecurrentUnrolling, Int, Operand, [Operand]) -> [Operand]
    ) -> Decomposition {
        var x = Operand.input(0)
        if attributes.batchFirst { x = b.add("Transpose", [x], ["perm": .ints([1, 0, 2])]) }
        var ys: [Operand] = []
        var finals: [[Operand]] = []
        for direction in 0..<attributes.directions {
            let reversed = attributes.direction == .reverse || direction == 1
            // Every step's input projection at once: [steps, batch, gates·hidden], with W's bias.
            let weights = b.add("Transpose", [entry(.input(1), direction)], ["perm": .ints([1, 0])])
            var projected = b.add("MatMul", [sequence(x, reversed: reversed), weights])
            if inputs.has(3) {
                projected = b.add("Add", [projected, columns(entry(.input(3), direction), 0, gates * hidden, axis: 0)])
            }
            var states = [initialState(inputs, 5, direction: direction)]
            if stateCount > 1 { states.append(initialState(inputs, 6, direction: direction)) }
            var outputs: [Operand] = []
            for t in 0..<steps {
                let new = step(&self, direction, entry(projected, t), states)
                outputs.append(lengths == nil ? new[0] : masked(new[0], previous: DecompositionBuilder.scalar(0), step: t))
                states = zip(new, states).map { masked($0, previous: $1, step: t) }
            }
            let stacked = outputs.map { b.reshape($0, [1, batch, hidden]) }
            var y = stacked.count == 1 ? stacked[0] : b.add("Concat", stacked, ["axis": .int(0)])
            y = sequence(y, reversed: reversed)
            ys.append(b.reshape(y, [steps, 1, batch, hidden]))
            finals.append(states)
        }
        var y = ys.count == 1 ? ys[0] : b.add("Concat", ys, ["axis": .int(1)])
        if attributes.batchFirst { y = b.add("Transpose", [y], ["perm": .ints([2, 0, 1, 3])]) }
        var results = [y]
        for state in 0..<stateCount {
            let parts = finals.map { b.reshape($0[state], [1, batch, hidden]) }
            var joined = parts.count == 1 ? parts[0] : b.add("Concat", parts, ["axis": .int(0)])
            if attributes.batchFirst { joined = b.add("Transpose", [joined], ["perm": .ints([1, 0, 2])]) }
            results.append(joined)
        }
        return b.finish(Array(results.prefix(inputs.outputCount)))
    }
}

struct RNN: Operator {
    static let opType = "RNN"
    let attributes: RecurrentAttributes

    init(_ reader: AttributeReader) throws { attributes = try RecurrentAttributes(reader, defaults: ["Tanh"]) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { try attributes.outputTypes(inputs, gates: 1) }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var unrolling = try RecurrentUnrolling(attributes, gates: 1, inputs)
        let hidden = unrolling.hidden
        let hasBias = inputs.has(3)
        return .decompose(
            unrolling.run(inputs, stateCount: 1) { u, direction, x, states in
                let recurrent = u.b.add("Transpose", [u.entry(.input(2), direction)], ["perm": .ints([1, 0])])
                var sum = u.b.add("Add", [x, u.b.add("MatMul", [states[0], recurrent])])
                if hasBias { sum = u.b.add("Add", [sum, u.columns(u.entry(.input(3), direction), hidden, 2 * hidden, axis: 0)]) }
                return [u.attributes.activations[direction][0].apply(u.clipped(sum), &u.b)]
            })
    }
}

struct GRU: Operator {
    static let opType = "GRU"
    let attributes: RecurrentAttributes
    let linearBeforeReset: Bool

    init(_ reader: AttributeReader) throws {
        attributes = try RecurrentAttributes(reader, defaults: ["Sigmoid", "Tanh"])
        linearBeforeReset = try reader.flag("linear_before_reset")
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { try attributes.outputTypes(inputs, gates: 3) }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var unrolling = try RecurrentUnrolling(attributes, gates: 3, inputs)
        let h = unrolling.hidden
        let hasBias = inputs.has(3)
        let linearBeforeReset = self.linearBeforeReset
        return .decompose(
            unrolling.run(inputs, stateCount: 1) { u, direction, x, states in
                let previous = states[0]
                let (f, g) = (u.attributes.activations[direction][0], u.attributes.activations[direction][1])
                let recurrent = u.b.add("Transpose", [u.entry(.input(2), direction)], ["perm": .ints([1, 0])])  // [h, 3h]
                let recurrentBias = hasBias ? u.columns(u.entry(.input(3), direction), 3 * h, 6 * h, axis: 0) : nil
                // z and r: x + H·Rᵀ + Rb.
                var zr = u.b.add("Add", [u.columns(x, 0, 2 * h, axis: 1), u.b.add("MatMul", [previous, u.columns(recurrent, 0, 2 * h, axis: 1)])])
                if let recurrentBias { zr = u.b.add("Add", [zr, u.columns(recurrentBias, 0, 2 * h, axis: 0)]) }
                let z = f.apply(u.clipped(u.columns(zr, 0, h, axis: 1)), &u.b)
                let r = f.apply(u.clipped(u.columns(zr, h, 2 * h, axis: 1)), &u.b)
                let candidateWeights = u.columns(recurrent, 2 * h, 3 * h, axis: 1)
                let candidateBias = recurrentBias.map { u.columns($0, 2 * h, 3 * h, axis: 0) }
                var hidden: Decomposition.Operand
                if linearBeforeReset {
                    var inner = u.b.add("MatMul", [previous, candidateWeights])
                    if let candidateBias { inner = u.b.add("Add", [inner, candidateBias]) }
                    hidden = u.b.add("Mul", [r, inner])
                } else {
                    hidden = u.b.add("MatMul", [u.b.add("Mul", [r, previous]), candidateWeights])
                    if let candidateBias { hidden = u.b.add("Add", [hidden, candidateBias]) }
                }
                let candidate = g.apply(u.clipped(u.b.add("Add", [u.columns(x, 2 * h, 3 * h, axis: 1), hidden])), &u.b)
                // (1 − z)·candidate + z·H = candidate + z·(H − candidate).
                let update = u.b.add("Mul", [z, u.b.add("Sub", [previous, candidate])])
                return [u.b.add("Add", [candidate, update])]
            })
    }
}

struct LSTM: Operator {
    static let opType = "LSTM"
    let attributes: RecurrentAttributes
    let inputForget: Bool

    init(_ reader: AttributeReader) throws {
        attributes = try RecurrentAttributes(reader, defaults: ["Sigmoid", "Tanh", "Tanh"])
        inputForget = try reader.flag("input_forget")
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let types = try attributes.outputTypes(inputs, gates: 4)
        if inputs.has(7) {
            guard try inputs.require(7, "P", in: [.float32]).shape == [attributes.directions, 3 * (types[0].shape.last ?? 0)] else {
                throw inputs.error(.shapeMismatch, "P must be [\(attributes.directions), 3·hidden]")
            }
        }
        return types
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var unrolling = try RecurrentUnrolling(attributes, gates: 4, inputs)
        let h = unrolling.hidden
        let hasBias = inputs.has(3)
        let hasPeepholes = inputs.has(7)
        let inputForget = self.inputForget
        return .decompose(
            unrolling.run(inputs, stateCount: 2) { u, direction, x, states in
                let (previous, cell) = (states[0], states[1])
                let activations = u.attributes.activations[direction]
                let recurrent = u.b.add("Transpose", [u.entry(.input(2), direction)], ["perm": .ints([1, 0])])
                var sum = u.b.add("Add", [x, u.b.add("MatMul", [previous, recurrent])])
                if hasBias { sum = u.b.add("Add", [sum, u.columns(u.entry(.input(3), direction), 4 * h, 8 * h, axis: 0)]) }
                // Gates in ONNX's order: input, output, forget, cell; peepholes i, o, f.
                var (gi, go, gf) = (u.columns(sum, 0, h, axis: 1), u.columns(sum, h, 2 * h, axis: 1), u.columns(sum, 2 * h, 3 * h, axis: 1))
                let gc = u.columns(sum, 3 * h, 4 * h, axis: 1)
                let peepholes = hasPeepholes ? u.entry(.input(7), direction) : nil
                if let peepholes {
                    gi = u.b.add("Add", [gi, u.b.add("Mul", [u.columns(peepholes, 0, h, axis: 0), cell])])
                    gf = u.b.add("Add", [gf, u.b.add("Mul", [u.columns(peepholes, 2 * h, 3 * h, axis: 0), cell])])
                }
                let i = activations[0].apply(u.clipped(gi), &u.b)
                let f =
                    inputForget
                    ? u.b.add("Sub", [DecompositionBuilder.scalar(1), i]) : activations[0].apply(u.clipped(gf), &u.b)
                let candidate = activations[1].apply(u.clipped(gc), &u.b)
                let newCell = u.b.add("Add", [u.b.add("Mul", [f, cell]), u.b.add("Mul", [i, candidate])])
                if let peepholes {
                    go = u.b.add("Add", [go, u.b.add("Mul", [u.columns(peepholes, h, 2 * h, axis: 0), newCell])])
                }
                let o = activations[0].apply(u.clipped(go), &u.b)
                return [u.b.add("Mul", [o, activations[2].apply(newCell, &u.b)]), newCell]
            })
    }
}
