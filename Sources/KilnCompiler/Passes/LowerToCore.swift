// Replaces each front-end op with the backend core operation it computes.
// Ops that compute nothing (Identity, inference Dropout) vanish and their
// users read the input (or the constant) directly; ops defined in terms of
// other ops are rewritten into them, and those are lowered in turn.

extension Graph {
    /// Gives every node its core operation.
    public mutating func lowerToCore() throws {
        var lowered: [Node] = []
        // Read each node afresh: lowering an earlier one may have rewired its inputs.
        for index in nodes.indices { lowered += try lower(nodes[index], depth: 0) }
        nodes = lowered
    }

    /// The core nodes that compute `node`.
    private mutating func lower(_ node: Node, depth: Int) throws -> [Node] {
        let location = location(of: node)
        switch try definition(of: node).lower(opInputs(of: node)) {
        case .core(let core):
            var node = node
            node.core = core
            return [node]
        case .replace(let replacements):
            for (output, replacement) in zip(node.outputs, replacements) {
                switch replacement {
                case .input(let position):
                    guard let source = node.input(position) else {
                        throw CompileError(.malformedModel, at: location, "missing input \(position)")
                    }
                    replaceUses(of: output, with: source)
                case .constant(let data):
                    self[output].constant = data
                }
            }
            return []
        case .decompose(let decomposition):
            // A decomposition that leads back to itself would never end.
            guard depth < 16 else {
                throw CompileError(.backend, at: location, "internal error: decomposition does not terminate")
            }
            return try expand(node, decomposition, depth: depth)
        }
    }

    /// Adds `decomposition`'s steps as nodes named after `node`, resolves,
    /// types, folds and lowers them; the node's outputs keep their values.
    private mutating func expand(_ node: Node, _ decomposition: Decomposition, depth: Int) throws -> [Node] {
        // Steps whose result is a node output write that value directly.
        var stepOutputs: [[ValueID?]] = decomposition.steps.map { Array(repeating: nil, count: $0.outputCount) }
        var forwarded: [(ValueID, Decomposition.Operand)] = []
        for (output, source) in zip(node.outputs, decomposition.outputs) {
            if case .step(let index, let position) = source, index < stepOutputs.count,
                position < stepOutputs[index].count, stepOutputs[index][position] == nil
            {
                stepOutputs[index][position] = output
            } else {
                forwarded.append((output, source))
            }
        }
        var result: [Node] = []
        for (index, step) in decomposition.steps.enumerated() {
            let name = "\(node.name)/\(step.opType)_\(index)"
            let inputs: [ValueID?] = try step.inputs.map { operand in
                switch operand {
                case .input(let position): return node.input(position)
                case .step(let earlier, let position):
                    guard earlier < index, position < stepOutputs[earlier].count else {
                        throw CompileError(.backend, at: location(of: node), "internal error: bad decomposition")
                    }
                    return stepOutputs[earlier][position]
                case .constant(let data): return addValue(Value(name: "\(name):constant", constant: data))
                }
            }
            let outputs = (0..<step.outputCount).map { position in
                stepOutputs[index][position] ?? addValue(Value(name: "\(name):\(position)"))
            }
            stepOutputs[index] = outputs
            var part = Node(
                name: name, opType: step.opType, inputs: inputs, outputs: outputs,
                attributes: step.attributes)
            part.op = try resolve(part)
            if try inferAndFold(part) { continue }
            result += try lower(part, depth: depth + 1)
        }
        for (output, source) in forwarded {
            switch source {
            case .input(let position):
                if let input = node.input(position) { replaceUses(of: output, with: input) }
            case .step(let index, let position):
                guard index < stepOutputs.count, position < stepOutputs[index].count,
                    let produced = stepOutputs[index][position]
                else { throw CompileError(.backend, at: location(of: node), "internal error: bad decomposition") }
                replaceUses(of: output, with: produced)
            case .constant(let data):
                self[output].constant = data
            }
        }
        return result
    }
}
