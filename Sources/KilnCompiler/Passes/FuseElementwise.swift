// Fuses chains and trees of float32 elementwise nodes into one node that
// computes them in order, so the intermediate results never leave registers
// and the backend emits one kernel instead of one per node (a 10,000-node
// chain is otherwise 10,000 functions through LLVM's optimiser).

extension Graph {
    /// The most distinct inputs one fused node reads: each is one more
    /// stream of loads in the loop, and pointer registers run out.
    public static let maxFusedOperands = 8
    /// The most nodes fused into one: keeps each kernel's body, and LLVM's
    /// work on it, small.
    public static let maxFusedSteps = 64

    /// Merges each float32 elementwise node whose result only another such
    /// node of the same shape reads (and is not a graph output) into its
    /// reader.
    public mutating func fuseElementwise() {
        let uses = useCounts()
        let graphOutputs = Set(outputs)
        /// The fused form of each elementwise node kept so far, by its result.
        var fused: [ValueID: (index: Int, formula: FusedFormula)] = [:]
        var removed = Set<Int>()
        for index in nodes.indices {
            guard var formula = FusedFormula(nodes[index], in: self) else { continue }
            let shape = type(of: nodes[index].outputs[0]).shape
            for input in formula.operands {
                guard let (source, inner) = fused[input], !graphOutputs.contains(input),
                    uses[input] == formula.reads[input], type(of: input).shape == shape,
                    let merged = formula.substituting(input, with: inner)
                else { continue }
                formula = merged
                removed.insert(source)
            }
            if formula.opTypes.count > 1 { nodes[index].apply(formula) }
            fused[nodes[index].outputs[0]] = (index, formula)
        }
        removeNodes(at: removed)
    }
}

/// A float32 elementwise node as steps over its distinct inputs (see
/// ``ElementwiseFunction/fused(steps:)`` for how steps refer to operands).
struct FusedFormula {
    var operands: [ValueID]
    var steps: [Expression]
    /// How many times the fused nodes read each operand, as the graph counts uses.
    var reads: [ValueID: Int]
    /// The front-end ops fused so far, in order.
    var opTypes: [String]

    init?(_ node: Node, in graph: Graph) {
        guard case .elementwise(let function)? = node.core, node.epilogue == nil, node.outputs.count == 1,
            graph.type(of: node.outputs[0]).dtype == .float32
        else { return nil }
        let inputs = node.inputs.compactMap { $0 }
        guard inputs.count == node.inputs.count, inputs.allSatisfy({ graph.type(of: $0).dtype == .float32 })
        else { return nil }
        let expression: Expression
        switch function {
        case .binary(let op) where inputs.count == 2: expression = .binary(op, .operand(0), .operand(1))
        case .activation(let activation) where inputs.count == 1: expression = activation.expression
        case .expression(let formula): expression = formula
        default: return nil
        }
        // Distinct operands, so a value read twice is loaded once.
        var operands: [ValueID] = []
        var position: [Int] = []
        var reads: [ValueID: Int] = [:]
        for input in inputs {
            reads[input, default: 0] += 1
            if let first = operands.firstIndex(of: input) {
                position.append(first)
            } else {
                position.append(operands.count)
                operands.append(input)
            }
        }
        guard operands.count <= Graph.maxFusedOperands else { return nil }
        self.operands = operands
        self.steps = [expression.renumbered { position[$0] }]
        self.reads = reads
        self.opTypes = [node.opType]
    }

    /// This formula with `value` computed by `inner`'s steps first, or nil
    /// when the result would exceed the fusion bounds.
    func substituting(_ value: ValueID, with inner: FusedFormula) -> FusedFormula? {
        guard let slot = operands.firstIndex(of: value) else { return nil }
        var merged = operands
        merged.remove(at: slot)
        for operand in inner.operands where !merged.contains(operand) { merged.append(operand) }
        let stepCount = inner.steps.count + steps.count
        guard merged.count <= Graph.maxFusedOperands, stepCount <= Graph.maxFusedSteps else { return nil }
        // References in the merged numbering: operands first, then inner's
        // steps, then this formula's.
        let innerStep = { (step: Int) in merged.count + step }
        let innerMap: (Int) -> Int = { reference in
            reference < inner.operands.count
                ? merged.firstIndex(of: inner.operands[reference]) ?? reference
                : innerStep(reference - inner.operands.count)
        }
        let outerMap: (Int) -> Int = { reference in
            if reference == slot { return innerStep(inner.steps.count - 1) }
            if reference < operands.count { return merged.firstIndex(of: operands[reference]) ?? reference }
            return innerStep(inner.steps.count + reference - operands.count)
        }
        var result = self
        result.operands = merged
        result.steps = inner.steps.map { $0.renumbered(innerMap) } + steps.map { $0.renumbered(outerMap) }
        result.reads[value] = nil
        result.reads.merge(inner.reads, uniquingKeysWith: +)
        result.opTypes = inner.opTypes + opTypes
        return result
    }
}

extension Node {
    /// Becomes the fused formula's node: same name and outputs, the
    /// formula's inputs, and an op type listing what it fused.
    fileprivate mutating func apply(_ formula: FusedFormula) {
        core = .elementwise(.fused(steps: formula.steps))
        inputs = formula.operands
        let types = formula.opTypes
        opType =
            types.count <= 4
            ? types.joined(separator: "+") : types.prefix(3).joined(separator: "+") + "+…(\(types.count) ops)"
    }
}

extension Expression {
    /// The formula with each operand reference mapped through `map`.
    func renumbered(_ map: (Int) -> Int) -> Expression {
        switch self {
        case .operand(let index): .operand(map(index))
        case .constant: self
        case .unary(let f, let x): .unary(f, x.renumbered(map))
        case .binary(let op, let a, let b): .binary(op, a.renumbered(map), b.renumbered(map))
        case .compare(let op, let a, let b): .compare(op, a.renumbered(map), b.renumbered(map))
        case .select(let c, let a, let b): .select(c.renumbered(map), a.renumbered(map), b.renumbered(map))
        }
    }
}
