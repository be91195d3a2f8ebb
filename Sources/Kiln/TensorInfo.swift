// What the runtime knows about one model input or output.

/// Name, element type, shape and arena placement of an input or output tensor.
public struct TensorInfo: Sendable, Equatable {
    /// The source model's value name.
    public let name: String
    /// The element type; nil when the model uses a code this runtime does not know.
    public let dtype: KilnDType?
    /// Dimensions (the bound, for symbolic ones).
    public let shape: [Int]
    /// Element count (the product of `shape`), at the bound.
    public let elementCount: Int
    /// The axis a bounded dim sizes (``KilnModel/boundedDims``), whose
    /// current extent ``KilnModel/inputShape(_:)`` and
    /// ``KilnModel/outputShape(_:)`` give; nil when every axis is fixed.
    public let boundedAxis: Int?
    /// Byte offset in the arena.
    let offset: Int
}

/// A dim of a compiled model whose extent each call chooses (config
/// `{"dims": {"batch": {"max": 32}}}`): the model was compiled once for
/// `bound`, and kernels stop after the current extent's items.
public struct KilnBoundedDim: Sendable, Equatable {
    /// The ONNX `dim_param` name.
    public let name: String
    /// The largest extent.
    public let bound: Int
}
