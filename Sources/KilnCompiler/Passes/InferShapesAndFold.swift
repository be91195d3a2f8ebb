// The first pass after import: types every value, evaluating what is known at
// compile time and dropping the nodes that produced it.

extension Graph {
    /// Infers every value's type in node order; nodes whose results are
    /// compile-time constants are evaluated and removed.
    public mutating func inferShapesAndFold() throws {
        var kept: [Node] = []
        for node in nodes {
            if let results = try ConstantFolder(graph: self).fold(node), results.count == node.outputs.count {
                for result in results where Shape.checkedElementCount(result.shape) == nil {
                    throw CompileError(
                        .shapeMismatch, at: location(of: node),
                        "the result shape \(result.shape) is too large or invalid")
                }
                for (id, data) in zip(node.outputs, results) {
                    self[id].constant = data
                    self[id].type = data.type
                }
                continue
            }
            let types = try ShapeInference.infer(node, in: self)
            for type in types where Shape.checkedElementCount(type.shape) == nil {
                throw CompileError(
                    .shapeMismatch, at: location(of: node), "the result shape \(type.shape) is too large or invalid")
            }
            for (id, type) in zip(node.outputs, types) { self[id].type = type }
            kept.append(node)
        }
        nodes = kept
        for output in outputs where self[output].type == nil {
            throw CompileError(.malformedModel, at: fileLocation, "graph output '\(self[output].name)' has no type")
        }
    }
}
