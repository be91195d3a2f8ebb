// One operation of the graph IR. A node starts as a front-end op (its type
// name and raw attributes, as imported); resolution attaches the op's parsed
// definition, and lowering replaces that with a backend core operation.

/// One operation. Inputs are optional because models may leave optional inputs empty.
public struct Node: Sendable {
    public var name: String
    /// The front-end op type, e.g. `Conv`, for diagnostics and tools.
    public var opType: String
    public var domain: String
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    /// Attributes as imported; only the op's definition in Ops/ reads them.
    public var attributes: [String: Attribute]
    /// The parsed front-end op (set by operator resolution).
    public var op: (any Operator)?
    /// What backends compute (set by lowering to core operations).
    public var core: CoreOp?
    /// An elementwise activation fused into this node's result.
    public var epilogue: Activation?

    public init(
        name: String, opType: String, domain: String = "", inputs: [ValueID?], outputs: [ValueID],
        attributes: [String: Attribute] = [:], core: CoreOp? = nil, epilogue: Activation? = nil
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.core = core
        self.epilogue = epilogue
    }

    /// The input at `position`, or nil when absent or empty.
    public func input(_ position: Int) -> ValueID? {
        position < inputs.count ? inputs[position] : nil
    }
}
