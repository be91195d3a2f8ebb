// What the runtime knows about one model input or output.

/// Name, element type, shape and arena placement of an input or output tensor.
public struct TensorInfo: Sendable, Equatable {
    /// The source model's value name.
    public let name: String
    /// The element type; nil when the model uses a code this runtime does not know.
    public let dtype: KilnDType?
    /// Dimensions (the bound, for symbolic ones).
    public let shape: [Int]
    /// Element count (the product of `shape`).
    public let elementCount: Int
    /// Byte offset in the arena.
    let offset: Int
}
