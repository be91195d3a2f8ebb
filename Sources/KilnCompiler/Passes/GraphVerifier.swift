// Checks the invariants every backend relies on, after the passes ran: a
// failure here is a compiler bug, reported instead of producing wrong numbers.

extension Graph {
    /// Every node input is a constant, a graph input or an earlier node's
    /// output; every value read at run time has a type; every node has a
    /// core operation for the backends.
    public func verify() throws {
        var available = Set(inputs)
        for (index, value) in values.enumerated() where value.constant != nil { available.insert(ValueID(index)) }
        for node in nodes {
            guard node.core != nil else {
                throw CompileError(.backend, at: location(of: node), "internal error: node was not lowered")
            }
            for case let input? in node.inputs where !available.contains(input) {
                throw CompileError(
                    .backend, at: location(of: node),
                    "internal error: input '\(self[input].name)' is read before any node produces it")
            }
            for output in node.outputs {
                guard self[output].type != nil else {
                    throw CompileError(.backend, at: location(of: node), "internal error: output has no type")
                }
                available.insert(output)
            }
        }
        for output in outputs where !available.contains(output) {
            throw CompileError(
                .backend, at: fileLocation, "internal error: graph output '\(self[output].name)' is never produced")
        }
    }
}
