// Types every value in node order, evaluating what is known at compile time
// and dropping the nodes that produced it (shape subgraphs vanish).

extension Graph {
    /// Infers every value's type; nodes whose results are compile-time
    /// constants are evaluated and removed.
    public mutating func inferShapesAndFold() throws {
        var kept: [Node] = []
        for node in nodes where try !inferAndFold(node) { kept.append(node) }
        nodes = kept
        for output in outputs where self[output].type == nil {
            throw CompileError(.malformedModel, at: fileLocation, "graph output '\(self[output].name)' has no type")
        }
    }

    /// Types `node`'s outputs, or sets them to constants when the node can be
    /// evaluated now. Returns true when it was folded (the node is no longer needed).
    mutating func inferAndFold(_ node: Node) throws -> Bool {
        let op = try definition(of: node)
        let location = location(of: node)
        for case let input? in node.inputs where self[input].type == nil {
            throw CompileError(.malformedModel, at: location, "input '\(self[input].name)' is used before it has a type")
        }
        let inputs = opInputs(of: node)
        let types = try op.inferTypes(inputs)
        guard types.count == node.outputs.count else {
            throw CompileError(
                .malformedModel, at: location,
                "the node declares \(node.outputs.count) outputs; \(node.opType) produces \(types.count) here")
        }
        for type in types where Shape.checkedElementCount(type.shape) == nil {
            throw CompileError(.shapeMismatch, at: location, "the result shape \(type.shape) is too large or invalid")
        }
        if let results = try op.evaluate(inputs) {
            for (result, type) in zip(results, types) where result.type != type {
                throw CompileError(
                    .backend, at: location,
                    "internal error: folding produced \(result.type) where the type rule says \(type)")
            }
            for (id, data) in zip(node.outputs, results) {
                self[id].constant = data
                self[id].type = data.type
            }
            return true
        }
        for (id, type) in zip(node.outputs, types) { self[id].type = type }
        return false
    }
}
