// The first pass after import: finds each node's op definition and parses
// its attributes once. Every unsupported op and bad attribute in the model
// is recorded, so a user sees the whole list in one build.

extension Graph {
    /// Attaches the parsed op definition to every node; throws every
    /// unsupported op and bad attribute at once.
    public mutating func resolveOperators() throws {
        recordOperatorProblems()
        try throwProblems()
    }

    /// Attaches the parsed op definition to every node it can, recording a
    /// problem for each node it cannot (that node's outputs become unavailable).
    mutating func recordOperatorProblems() {
        for index in nodes.indices {
            do {
                try checkArity(nodes[index])
                nodes[index].op = try resolve(nodes[index])
            } catch let error as CompileError {
                record(error, unavailable: nodes[index].outputs)
            } catch {
                record(
                    CompileError(.backend, at: location(of: nodes[index]), "internal error: \(error)"),
                    unavailable: nodes[index].outputs)
            }
        }
    }

    /// Refuses an imported node whose input or output count its op's ONNX
    /// version does not allow, or whose op is newer than the model's opset.
    func checkArity(_ node: Node) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else { return }
        func count(_ allowed: ClosedRange<Int>, _ noun: String) -> String {
            if allowed.lowerBound == allowed.upperBound {
                return "\(allowed.lowerBound) \(noun)\(allowed.lowerBound == 1 ? "" : "s")"
            }
            if allowed.upperBound == .max { return "at least \(allowed.lowerBound) \(noun)s" }
            return "\(allowed.lowerBound) to \(allowed.upperBound) \(noun)s"
        }
        switch ONNXSchemas.arity(of: node.opType, opset: opset) {
        case .unknownOp:
            return
        case .tooOld(let first):
            throw CompileError(
                .malformedModel, at: location(of: node),
                "\(node.opType) does not exist at opset \(opset): ONNX added it in opset \(first) "
                    + "(re-export the model for opset \(first) or newer)")
        case .version(let arity):
            for (given, allowed, noun) in [
                (node.inputs.count, arity.inputs, "input"), (node.outputs.count, arity.outputs, "output"),
            ] where !allowed.contains(given) {
                throw CompileError(
                    .malformedModel, at: location(of: node),
                    "\(node.opType) (version \(arity.since)) takes \(count(allowed, noun)), the node has \(given)")
            }
        }
    }

    /// `node`'s op definition with its attributes parsed: the one way a node
    /// gets its op, for imported nodes and for the steps of decompositions.
    func resolve(_ node: Node) throws -> any Operator {
        let location = location(of: node)
        guard let definition = OperatorRegistry.definition(opType: node.opType, domain: node.domain) else {
            let message =
                node.domain.isEmpty || node.domain == "ai.onnx"
                ? "op '\(node.opType)' is not supported"
                : "op '\(node.domain).\(node.opType)' is from a custom domain, which Kiln does not support"
            throw CompileError(
                .unsupportedOp, at: location, message,
                note: "Kiln supports these ops: " + OperatorRegistry.opTypes.joined(separator: ", "))
        }
        let reader = AttributeReader(attributes: node.attributes, opset: opset, location: location)
        let op = try definition.init(reader)
        guard reader.unconsumed.isEmpty else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "unknown attribute(s) \(reader.unconsumed.map { "'\($0)'" }.joined(separator: ", ")) "
                    + "for \(node.opType) at opset \(opset); ignoring them could change what the model computes")
        }
        return op
    }

    /// What `node`'s op sees of its inputs now.
    func opInputs(of node: Node) -> OpInputs {
        OpInputs(
            types: node.inputs.map { $0.flatMap { self[$0].type } },
            constants: node.inputs.map { $0.flatMap { self[$0].constant } },
            outputCount: node.outputs.count, location: location(of: node),
            graphInputSources: { [self] position in
                guard position < node.inputs.count, let start = node.inputs[position] else { return ([], false) }
                if inputs.contains(start) { return ([self[start].name], true) }
                return (upstreamGraphInputs(of: start), false)
            })
    }

    /// The graph inputs (not constants) whose values `value` is computed
    /// from, in graph order (ops that read only shapes do not count).
    func upstreamGraphInputs(of value: ValueID) -> [String] {
        var producer: [ValueID: Node] = [:]
        for node in nodes where !(node.op.map { Swift.type(of: $0).readsOnlyShapes } ?? false) {
            for output in node.outputs { producer[output] = node }
        }
        var seen: Set<ValueID> = [value]
        var pending = [value]
        while let next = pending.popLast() {
            for input in producer[next]?.inputs ?? [] {
                if let input, seen.insert(input).inserted { pending.append(input) }
            }
        }
        return inputs.filter { seen.contains($0) }.map { self[$0].name }
    }

    /// The node's parsed op; resolution runs before every pass that asks.
    func definition(of node: Node) throws -> any Operator {
        guard let op = node.op else {
            throw CompileError(.backend, at: location(of: node), "internal error: op was not resolved")
        }
        return op
    }
}
