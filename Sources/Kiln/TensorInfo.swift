// What the runtime knows about one model input or output.

/// Name, shape and arena placement of an input or output tensor.
public struct TensorInfo: Sendable, Equatable {
    /// The ONNX value name.
    public let name: String
    /// Static dimensions.
    public let shape: [Int]
    /// Element count (the product of `shape`).
    public let elementCount: Int
    /// Byte offset in the arena.
    let offset: Int
}
