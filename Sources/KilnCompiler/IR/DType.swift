// Element types the compiler understands, numbered as ONNX numbers them.

/// An element type. Raw values are ONNX `TensorProto.DataType` codes, which
/// are also what the runtime ABI stores.
public enum DType: Int, Sendable, Equatable, CustomStringConvertible {
    case float32 = 1
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float64 = 11

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool: 1
        case .float32, .int32: 4
        case .int64, .float64: 8
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .int32: "int32"
        case .int64: "int64"
        case .bool: "bool"
        case .float64: "float64"
        }
    }
}
