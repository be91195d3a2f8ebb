// Element types the compiler understands, end to end: constants, kernels,
// the runtime ABI and the generated Swift API.

/// An element type. Raw values are the codes the runtime ABI stores (they
/// coincide with ONNX's `TensorProto.DataType` numbering, so no table is
/// needed between the two).
public enum DType: Int, Sendable, Equatable, Hashable, CaseIterable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float16 = 10
    case float64 = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .float16, .bfloat16, .uint16, .int16: 2
        case .float32, .int32, .uint32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Floating-point types (computed in their own precision or in float32).
    public var isFloatingPoint: Bool { [.float32, .float16, .bfloat16, .float64].contains(self) }

    /// Integer types, signed or not (bool is not one).
    public var isInteger: Bool { !isFloatingPoint && self != .bool }

    /// Signed integer types.
    public var isSignedInteger: Bool { [.int8, .int16, .int32, .int64].contains(self) }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .bool: "bool"
        case .float16: "float16"
        case .float64: "float64"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bfloat16: "bfloat16"
        }
    }
}
