// Gives every graph output a buffer of its own in the arena, so callers can
// read outputs zero-copy even when the model returns a constant, an input,
// or one value twice.

extension Graph {
    /// The op name of the internal copy node this pass inserts.
    static let copyOp = "Kiln.Copy"

    /// Inserts a copy for outputs that are constants, graph inputs, or repeats.
    public mutating func materializeOutputs() {
        var seen = Set<ValueID>()
        for position in outputs.indices {
            let id = outputs[position]
            let needsCopy = self[id].constant != nil || inputs.contains(id) || seen.contains(id)
            seen.insert(id)
            guard needsCopy else { continue }
            var copy = self[id]
            copy.constant = nil
            copy.name = position == outputs.firstIndex(of: id) ? copy.name : "\(copy.name)#\(position)"
            let newID = addValue(copy)
            nodes.append(Node(name: "output_\(position)_copy", opType: Graph.copyOp, inputs: [id], outputs: [newID]))
            outputs[position] = newID
        }
    }
}
