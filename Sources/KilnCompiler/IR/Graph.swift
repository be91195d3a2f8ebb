// The compiler's graph IR: SSA values with static types, nodes in execution order.
// Values and nodes are in Value.swift and Node.swift.

/// A model's computation: values, nodes in topological order, inputs, outputs.
public struct Graph: Sendable {
    /// The model file, for diagnostics.
    public var modelFile: String
    /// The version of the front end's op set the model was written for.
    public var opset: Int
    public var values: [Value] = []
    public var nodes: [Node] = []
    public var inputs: [ValueID] = []
    public var outputs: [ValueID] = []
    /// The graph outputs' types as the model file declares them, checked
    /// against inference (``DeclaredType``).
    public var declaredOutputTypes: [ValueID: DeclaredType] = [:]
    /// Inputs carried from outputs between calls (the config's `state`).
    public var state: [StatePair] = []
    /// Symbolic dimensions the config bounds (`{"max": n}`): the graph is
    /// typed at the bound, and each call chooses the extent (BoundedDim.swift).
    public var boundedDims: [BoundedDim] = []
    /// The axis of each graph input that a bounded dimension sizes.
    public var boundedInputAxes: [ValueID: Int] = [:]
    /// Constants folded from the size of a bounded dimension (Shape, Size and
    /// what is computed from them): they hold the bound, not the extent, so
    /// no kernel may read them as data.
    public var boundDerived: Set<ValueID> = []
    /// Computed values that read an input a bounded dim sizes.
    var boundDependent: Set<ValueID> = []
    /// Values computed from inputs a bounded dimension sizes, and how their
    /// items lie (filled by ``analyzeBoundedDims()``).
    public var itemLayouts: [ValueID: ItemLayout] = [:]
    /// Problems that stop compilation but let the rest of the model still be
    /// checked (an unsupported op, a bad attribute, a dtype Kiln lacks):
    /// import and the checking passes record them and go on, so one build
    /// shows every problem in the model.
    public var problems: [CompileError] = []
    /// Values that cannot be typed because of a recorded problem upstream;
    /// nodes that read them are skipped rather than reported again.
    public var unavailable: Set<ValueID> = []
    /// Bytes of constants that folding has created so far, and the most it
    /// may create (set by type inference from the model's own weights).
    public var foldedBytes = 0
    public var foldBudget = Int.max

    public init(modelFile: String, opset: Int) {
        self.modelFile = modelFile
        self.opset = opset
    }

    public subscript(id: ValueID) -> Value {
        get { values[id.index] }
        set { values[id.index] = newValue }
    }

    /// Adds a value and returns its id.
    public mutating func addValue(_ value: Value) -> ValueID {
        values.append(value)
        return ValueID(values.count - 1)
    }

    /// The type of a value that shape inference has already typed.
    public func type(of id: ValueID) -> TensorType {
        guard let type = values[id.index].type else {
            preconditionFailure("value '\(values[id.index].name)' used before its type was inferred")
        }
        return type
    }

    /// Where a node sits, for error messages.
    public func location(of node: Node) -> SourceLocation {
        SourceLocation(file: modelFile, node: node.name, opType: node.opType, opset: opset)
    }

    /// A location naming only the model file.
    public var fileLocation: SourceLocation { SourceLocation(file: modelFile) }

    /// Makes every use of `old` (node inputs and graph outputs) refer to `new`.
    public mutating func replaceUses(of old: ValueID, with new: ValueID) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
        }
        outputs = outputs.map { $0 == old ? new : $0 }
    }

    /// Drops the nodes at `indices` (a pass's fused-away nodes), keeping the order of the rest.
    public mutating func removeNodes(at indices: Set<Int>) {
        guard !indices.isEmpty else { return }
        nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
    }

    /// The index of the node producing each value a node produces.
    public func producerIndices() -> [ValueID: Int] {
        var producer: [ValueID: Int] = [:]
        for (index, node) in nodes.enumerated() { for output in node.outputs { producer[output] = index } }
        return producer
    }

    /// How many node inputs read each value (graph outputs not counted).
    public func useCounts() -> [ValueID: Int] {
        var counts: [ValueID: Int] = [:]
        for node in nodes {
            for case let input? in node.inputs { counts[input, default: 0] += 1 }
        }
        return counts
    }
}
