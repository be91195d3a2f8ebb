// Replaces each front-end op with the backend core operation it computes;
// ops that compute nothing (Identity, inference Dropout) vanish and their
// users read the input (or the constant) directly.

extension Graph {
    /// Gives every node its core operation, removing pass-through nodes.
    public mutating func lowerToCore() throws {
        var removed = Set<Int>()
        for index in nodes.indices {
            // Read the node afresh: removing an earlier one may have rewired its inputs.
            let node = nodes[index]
            switch try definition(of: node).lower(opInputs(of: node)) {
            case .core(let core):
                nodes[index].core = core
            case .replace(let replacements):
                for (output, replacement) in zip(node.outputs, replacements) {
                    switch replacement {
                    case .input(let position):
                        guard let source = node.input(position) else {
                            throw CompileError(.malformedModel, at: location(of: node), "missing input \(position)")
                        }
                        replaceUses(of: output, with: source)
                    case .constant(let data):
                        self[output].constant = data
                    }
                }
                removed.insert(index)
            }
        }
        nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
