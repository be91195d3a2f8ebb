// Problems are recorded on the graph while checking goes on and thrown
// together once checking is done: one build shows a user every problem in
// the model, in the order of the file, instead of one per attempt.

extension Graph {
    /// Records `error` (once, however often a pass runs); `values` cannot be
    /// typed because of it.
    mutating func record(_ error: CompileError, unavailable values: [ValueID]) {
        if !problems.contains(where: { $0.description == error.description }) { problems.append(error) }
        unavailable.formUnion(values)
    }

    /// Throws the recorded problems, if any: problems about the file first,
    /// then by node in graph order. One problem is thrown as itself, several
    /// as ``CompileErrors``.
    public func throwProblems() throws {
        guard !problems.isEmpty else { return }
        var order: [String: Int] = [:]
        for (index, node) in nodes.enumerated() where order[node.name] == nil { order[node.name] = index }
        let sorted = problems.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location.node.map { order[$0] ?? Int.max } ?? -1
            let right = rhs.element.location.node.map { order[$0] ?? Int.max } ?? -1
            return (left, lhs.offset) < (right, rhs.offset)
        }.map(\.element)
        if sorted.count == 1 { throw sorted[0] }
        throw CompileErrors(sorted)
    }
}
