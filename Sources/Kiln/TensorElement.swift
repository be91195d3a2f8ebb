// The Swift element types a model's tensors can be viewed as, each tied to
// the ABI dtype code it stands for.

/// Element types of the runtime ABI (codes of `KILN_DTYPE_*`).
public enum KilnDType: UInt32, Sendable, Equatable, CustomStringConvertible {
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
    /// bfloat16, viewed as its raw `UInt16` bits.
    case bfloat16 = 16
    // The 8- and 4-bit float types, one code per byte, viewed as `UInt8`.
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    /// 4-bit unsigned integers, one per byte (0…15), viewed as `UInt8`.
    case uint4 = 21
    /// 4-bit signed integers, one per byte (−8…7), viewed as `Int8`.
    case int4 = 22
    case float4e2m1 = 23
    /// A power of two, 2^(code − 127), viewed as its `UInt8` code.
    case float8e8m0 = 24
    /// 2-bit unsigned integers, one per byte (0…3), viewed as `UInt8`.
    case uint2 = 25
    /// 2-bit signed integers, one per byte (−2…1), viewed as `Int8`.
    case int2 = 26

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

/// A Swift type a tensor's elements can be read and written as.
public protocol KilnElement: BitwiseCopyable, Sendable {
    /// The dtypes whose bytes this type views exactly.
    static var kilnDTypes: Set<KilnDType> { get }
}

extension Float: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.float32] } }
extension Double: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.float64] } }
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    extension Float16: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.float16] } }
#endif
extension Int8: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.int8, .int4, .int2] } }
extension UInt8: KilnElement {
    public static var kilnDTypes: Set<KilnDType> {
        [.uint8, .uint4, .uint2, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float4e2m1, .float8e8m0]
    }
}
extension Int16: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.int16] } }
extension UInt16: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.uint16, .bfloat16] } }
extension Int32: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.int32] } }
extension UInt32: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.uint32] } }
extension Int64: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.int64] } }
extension UInt64: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.uint64] } }
/// Bool tensors hold one byte per element, 0 or 1: Swift's `Bool` layout.
extension Bool: KilnElement { public static var kilnDTypes: Set<KilnDType> { [.bool] } }
