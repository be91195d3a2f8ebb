// The compiler's graph IR: SSA values with static types, nodes in execution order.

/// Index of a value in its graph.
public struct ValueID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: ValueID, rhs: ValueID) -> Bool { lhs.index < rhs.index }
    public var description: String { "%\(index)" }
}

/// A tensor value: a graph input, a constant, or a node's result.
public struct Value: Sendable {
    /// The ONNX name (unique within the graph).
    public var name: String
    /// Known after shape inference; graph inputs and constants know it at import.
    public var type: TensorType?
    /// Set for initializers, Constant nodes and folded results.
    public var constant: TensorData?

    public init(name: String, type: TensorType? = nil, constant: TensorData? = nil) {
        self.name = name
        self.type = type ?? constant?.type
        self.constant = constant
    }
}

/// One operation. Inputs are optional because ONNX lets optional inputs be empty.
public struct Node: Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    public var attributes: [String: Attribute]
    /// An elementwise activation fused into this node's result.
    public var epilogue: Activation?

    public init(
        name: String, opType: String, domain: String = "", inputs: [ValueID?], outputs: [ValueID],
        attributes: [String: Attribute] = [:], epilogue: Activation? = nil
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.epilogue = epilogue
    }

    /// The input at `position`, or nil when absent or empty.
    public func input(_ position: Int) -> ValueID? {
        position < inputs.count ? inputs[position] : nil
    }
}

/// A model's computation: values, nodes in topological order, inputs, outputs.
public struct Graph: Sendable {
    /// The model file, for diagnostics.
    public var modelFile: String
    /// The opset imported for the default ONNX domain.
    public var opset: Int
    public var values: [Value] = []
    public var nodes: [Node] = []
    public var inputs: [ValueID] = []
    public var outputs: [ValueID] = []

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

    /// How many node inputs read each value (graph outputs not counted).
    public func useCounts() -> [ValueID: Int] {
        var counts: [ValueID: Int] = [:]
        for node in nodes {
            for case let input? in node.inputs { counts[input, default: 0] += 1 }
        }
        return counts
    }
}
