// SSA values of the graph IR: graph inputs, constants and node results.

/// Index of a value in its graph.
public struct ValueID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: ValueID, rhs: ValueID) -> Bool { lhs.index < rhs.index }
    public var description: String { "%\(index)" }
}

/// A tensor value: a graph input, a constant, or a node's result.
public struct Value: Sendable {
    /// The source model's name for it (unique within the graph).
    public var name: String
    /// Known after shape inference; graph inputs and constants know it at import.
    public var type: TensorType?
    /// Set for initializers, constant nodes and folded results.
    public var constant: TensorData?

    public init(name: String, type: TensorType? = nil, constant: TensorData? = nil) {
        self.name = name
        self.type = type ?? constant?.type
        self.constant = constant
    }
}
