// Drops the nodes no graph output depends on: after a config keeps only some
// of a model's outputs, what fed only the others is not computed.

extension Graph {
    /// Removes every node none of whose outputs a graph output needs,
    /// directly or through other nodes (whatever order the file lists them in).
    public mutating func removeNodesNoOutputNeeds() {
        let producer = producerIndices()
        var kept = Set<Int>()
        var pending = outputs.compactMap { producer[$0] }
        while let index = pending.popLast() {
            guard kept.insert(index).inserted else { continue }
            pending += nodes[index].inputs.compactMap { $0.flatMap { producer[$0] } }
        }
        removeNodes(at: Set(nodes.indices).subtracting(kept))
    }
}
