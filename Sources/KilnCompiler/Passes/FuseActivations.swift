// Fuses a lone activation into the node that produces its input, so the
// activation runs while the result is still in registers or cache.

extension Graph {
    /// Moves each activation whose input has no other reader into its
    /// producer's epilogue, when the producer's core operation accepts one.
    public mutating func fuseActivations() {
        let uses = useCounts()
        let producer = producerIndices()
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() {
            guard case .elementwise(.activation(let activation))? = node.core, let x = node.input(0),
                let source = producer[x], uses[x] == 1, !outputs.contains(x), !removed.contains(source),
                nodes[source].core?.acceptsEpilogue == true, nodes[source].epilogue == nil
            else { continue }
            nodes[source].epilogue = activation
            nodes[source].outputs = [node.outputs[0]]
            removed.insert(index)
        }
        removeNodes(at: removed)
    }
}
