// Element types the compiler understands, end to end: constants, kernels,
// the runtime ABI and the generated Swift API.

/// An element type. Raw values are the codes the runtime ABI stores (they
/// coincide with ONNX's `TensorProto.DataType` numbering, so no table is
/// needed between the two).
///
/// The 8-, 4- and 2-bit types (float8, float4e2m1, int4, uint4, int2,
/// uint2) take one byte per element in memory: the arena, the weights and
/// the Swift API hold them unpacked, and only ONNX files pack the 4- and
/// 2-bit ones (see ``packedBits``). That costs memory for 4-bit weights but
/// keeps every kernel's addressing byte-granular.
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
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    /// A power of two, 2^(code − 127), as microscaling formats use for scales.
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26

    /// Bytes per element in memory.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: 1
        case .uint4, .int4, .uint2, .int2: 1
        case .float16, .bfloat16, .uint16, .int16: 2
        case .float32, .int32, .uint32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Bits per element where ONNX files pack several elements into a byte
    /// (low bits first); nil for types stored a whole number of bytes each.
    public var packedBits: Int? {
        switch self {
        case .uint4, .int4, .float4e2m1: 4
        case .uint2, .int2: 2
        default: nil
        }
    }

    /// Bits of an integer type narrower than its byte (int4, uint2, …).
    var narrowIntegerBits: Int? { isInteger ? packedBits : nil }

    /// Floating-point types (computed in their own precision or in float32).
    public var isFloatingPoint: Bool {
        [.float32, .float16, .bfloat16, .float64].contains(self) || isMinifloat
    }

    /// The 8- and 4-bit floating-point types: stored as codes, computed in float32.
    public var isMinifloat: Bool { MinifloatFormat.of(self) != nil || self == .float8e8m0 }

    /// Integer types, signed or not (bool is not one).
    public var isInteger: Bool { !isFloatingPoint && self != .bool }

    /// Signed integer types.
    public var isSignedInteger: Bool { [.int8, .int16, .int32, .int64, .int4, .int2].contains(self) }

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
        case .float8e4m3fn: "float8e4m3fn"
        case .float8e4m3fnuz: "float8e4m3fnuz"
        case .float8e5m2: "float8e5m2"
        case .float8e5m2fnuz: "float8e5m2fnuz"
        case .uint4: "uint4"
        case .int4: "int4"
        case .float4e2m1: "float4e2m1"
        case .float8e8m0: "float8e8m0"
        case .uint2: "uint2"
        case .int2: "int2"
        }
    }
}
