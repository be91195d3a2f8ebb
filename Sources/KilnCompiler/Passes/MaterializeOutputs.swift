// Gives every graph output a buffer of its own in the arena, so callers can
// read outputs zero-copy even when the model returns a constant, an input,
// a reshape of a state input, or one value twice.

extension Graph {
    /// The display name of the copy nodes this pass inserts.
    static let copyOpName = "Copy"

    /// Inserts a copy for outputs that are constants, graph inputs, or repeats.
    public mutating func materializeOutputs() {
        // An output that is a view (reshape) of a state input would share its
        // bytes, which the call overwrites with the next state.
        var viewSource: [ValueID: ValueID] = [:]
        for node in nodes where node.core == .view {
            if let source = node.input(0) { viewSource[node.outputs[0]] = source }
        }
        func root(_ id: ValueID) -> ValueID { viewSource[id].map(root) ?? id }
        let stateInputs = Set(state.map { inputs[$0.input] })
        var seen = Set<ValueID>()
        for position in outputs.indices {
            let id = outputs[position]
            let needsCopy =
                self[id].constant != nil || inputs.contains(id) || seen.contains(id) || stateInputs.contains(root(id))
            seen.insert(id)
            guard needsCopy else { continue }
            var copy = self[id]
            copy.constant = nil
            copy.name = position == outputs.firstIndex(of: id) ? copy.name : "\(copy.name)#\(position)"
            let newID = addValue(copy)
            nodes.append(
                Node(
                    name: "output_\(position)_copy", opType: Graph.copyOpName, domain: "kiln", inputs: [id],
                    outputs: [newID], core: .elementwise(.copy)))
            outputs[position] = newID
        }
    }
}
