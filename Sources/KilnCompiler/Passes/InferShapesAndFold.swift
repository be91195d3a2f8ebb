// Types every value in node order, evaluating what is known at compile time
// and dropping the nodes that produced it (shape subgraphs vanish).

extension Graph {
    /// Infers every value's type; nodes whose results are compile-time
    /// constants are evaluated and removed. Throws every problem at once.
    public mutating func inferShapesAndFold() throws {
        recordShapeProblems()
        try throwProblems()
    }

    /// Types and folds every node it can, in order. A node whose op did not
    /// resolve or that reads an unavailable value is skipped (its problem is
    /// already recorded); one whose types cannot be inferred is recorded. The
    /// outputs of both become unavailable, and checking goes on.
    mutating func recordShapeProblems() {
        foldBudget = ConstantBudget.total(weightBytes: values.reduce(0) { $0 + ($1.constant?.bytes.count ?? 0) })
        var kept: [Node] = []
        for node in nodes {
            guard node.op != nil, !node.inputs.contains(where: { $0.map(unavailable.contains) ?? false }) else {
                unavailable.formUnion(node.outputs)
                kept.append(node)
                continue
            }
            do {
                if try !inferAndFold(node) { kept.append(node) }
            } catch let error as CompileError {
                record(error, unavailable: node.outputs)
                kept.append(node)
            } catch {
                record(CompileError(.backend, at: location(of: node), "internal error: \(error)"), unavailable: node.outputs)
                kept.append(node)
            }
        }
        nodes = kept
        for output in outputs where !unavailable.contains(output) {
            guard let type = self[output].type else {
                record(
                    CompileError(.malformedModel, at: fileLocation, "graph output '\(self[output].name)' has no type"),
                    unavailable: [])
                continue
            }
            if let mismatch = declaredOutputTypes[output]?.disagreement(with: type) {
                record(
                    CompileError(
                        .shapeMismatch, at: fileLocation,
                        "graph output '\(self[output].name)' \(mismatch); fix the output's declaration in the model "
                            + "(or report a Kiln bug if the model is right)"),
                    unavailable: [])
            }
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
        // The inputs view holds the graph's storage (its error closure reads
        // the graph): it must be gone before this node's results are
        // stored, or each store copies every value (quadratic in the nodes).
        let types: [TensorType]
        let folded: [TensorData]?
        let bytes: Int
        do {
            let inputs = opInputs(of: node)
            types = try op.inferTypes(inputs)
            guard types.count == node.outputs.count else {
                throw CompileError(
                    .malformedModel, at: location,
                    "the node declares \(node.outputs.count) outputs; \(node.opType) produces \(types.count) here")
            }
            for type in types where Shape.checkedElementCount(type.shape) == nil {
                throw CompileError(.shapeMismatch, at: location, "the result shape \(type.shape) is too large or invalid")
            }
            // Charge what folding would create before the op allocates any of it.
            bytes = types.reduce(0) { $0 + $1.byteCount }
            let allConstant = node.inputs.allSatisfy { $0.map { self[$0].constant != nil } ?? true }
            if allConstant || Swift.type(of: op).readsOnlyShapes {
                try ConstantBudget.check(bytes: bytes, folded: foldedBytes, budget: foldBudget, at: location)
            }
            folded = try op.evaluate(inputs)
        }
        if !boundedDims.isEmpty { trackBoundDependence(node, reads: Swift.type(of: op).readsOnlyShapes, folded: folded != nil) }
        if let results = folded {
            foldedBytes += bytes
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

extension Graph {
    /// Follows which values a bounded dim reaches: a computed value that
    /// reads one depends on the extent; a constant folded from its size
    /// (Shape, Size, arithmetic on them) holds the bound, so kernels must
    /// not read it (``analyzeBoundedDims()`` checks).
    mutating func trackBoundDependence(_ node: Node, reads shapesOnly: Bool, folded: Bool) {
        let inputs = node.inputs.compactMap { $0 }
        let dependent = inputs.contains { boundedInputAxes[$0] != nil || boundDependent.contains($0) }
        if folded {
            if (shapesOnly && dependent) || inputs.contains(where: boundDerived.contains) {
                boundDerived.formUnion(node.outputs)
            }
        } else if dependent {
            boundDependent.formUnion(node.outputs)
        }
    }
}
