// The 8- and 4-bit floating-point formats (float8 e4m3/e5m2 and their
// "fnuz" variants, float4e2m1, the power-of-two scale float8e8m0): how a
// code decodes to a real number and how a float32 rounds to a code. Kernels
// decode through a table built from ``MinifloatFormat/decode(_:)`` and encode
// with the same steps as ``MinifloatFormat/encode(_:saturate:)``.

/// A sign–exponent–mantissa format narrower than float16.
public struct MinifloatFormat: Sendable, Equatable {
    /// How the format spells non-finite values.
    public enum Specials: Sendable, Equatable {
        /// IEEE style: the all-ones exponent holds ±∞ (mantissa 0) and NaN (e5m2).
        case infinityAndNaN
        /// No infinity; only the all-ones code (either sign) is NaN (e4m3fn).
        case nanOnly
        /// No infinity and no −0: the negative-zero code 0x80 is the one NaN (fnuz).
        case negativeZeroIsNaN
        /// Every code is finite (float4e2m1): NaN becomes 0, overflow saturates.
        case none
    }

    public let exponentBits: Int
    public let mantissaBits: Int
    public let bias: Int
    public let specials: Specials

    /// The format of `dtype`, nil for other types (float8e8m0 has no mantissa or sign: see ``ScaleExponent``).
    public static func of(_ dtype: DType) -> MinifloatFormat? {
        switch dtype {
        case .float8e4m3fn: MinifloatFormat(exponentBits: 4, mantissaBits: 3, bias: 7, specials: .nanOnly)
        case .float8e4m3fnuz: MinifloatFormat(exponentBits: 4, mantissaBits: 3, bias: 8, specials: .negativeZeroIsNaN)
        case .float8e5m2: MinifloatFormat(exponentBits: 5, mantissaBits: 2, bias: 15, specials: .infinityAndNaN)
        case .float8e5m2fnuz: MinifloatFormat(exponentBits: 5, mantissaBits: 2, bias: 16, specials: .negativeZeroIsNaN)
        case .float4e2m1: MinifloatFormat(exponentBits: 2, mantissaBits: 1, bias: 1, specials: .none)
        default: nil
        }
    }

    /// The float32 value of each of the 256 codes of `dtype` (an 8- or 4-bit
    /// float type, float8e8m0 included): the table kernels decode through.
    public static func decodeTable(_ dtype: DType) -> [Float] {
        let format = of(dtype)
        return (0...255).map { format?.decode(UInt8($0)) ?? ScaleExponent.decode(UInt8($0)) }
    }

    /// The sign bit of a code.
    public var signBit: UInt32 { 1 << UInt32(exponentBits + mantissaBits) }
    /// The exponent of the smallest normal number (subnormals share it).
    public var minimumExponent: Int { 1 - bias }

    /// The largest finite magnitude.
    public var maximum: Float { decode(UInt8(maximumCode)) }

    /// The magnitude code that overflow produces when not saturating: ∞, or NaN without one.
    var overflowCode: UInt32 {
        switch specials {
        case .infinityAndNaN: UInt32((1 << exponentBits) - 1) << UInt32(mantissaBits)
        case .nanOnly: signBit - 1
        case .negativeZeroIsNaN: signBit
        case .none: maximumCode
        }
    }

    /// The code of NaN (before the sign is added, for formats that keep it).
    var nanCode: UInt32 {
        switch specials {
        case .infinityAndNaN: (UInt32((1 << exponentBits) - 1) << UInt32(mantissaBits)) | UInt32(1 << (mantissaBits - 1))
        case .nanOnly: signBit - 1
        case .negativeZeroIsNaN: signBit
        case .none: 0
        }
    }

    /// Whether the sign bit is added to NaN and overflow codes.
    var signsSpecials: Bool { specials == .infinityAndNaN || specials == .nanOnly }

    private var maximumCode: UInt32 {
        switch specials {
        case .infinityAndNaN: (UInt32((1 << exponentBits) - 1) << UInt32(mantissaBits)) - 1
        case .nanOnly: signBit - 2
        case .negativeZeroIsNaN, .none: signBit - 1
        }
    }

    /// The real value of `code` (its bits above the format's width are ignored).
    public func decode(_ code: UInt8) -> Float {
        let code = UInt32(code) & (signBit << 1 &- 1)
        let magnitude = code & (signBit - 1)
        let negative = code & signBit != 0
        let exponentField = Int(magnitude >> UInt32(mantissaBits))
        let mantissa = Int(magnitude) & ((1 << mantissaBits) - 1)
        switch specials {
        case .infinityAndNaN where exponentField == (1 << exponentBits) - 1:
            return mantissa == 0 ? (negative ? -.infinity : .infinity) : .nan
        case .nanOnly where magnitude == signBit - 1: return .nan
        case .negativeZeroIsNaN where code == signBit: return .nan
        default: break
        }
        let value =
            exponentField == 0
            ? Float(sign: .plus, exponent: minimumExponent - mantissaBits, significand: Float(mantissa))
            : Float(sign: .plus, exponent: exponentField - bias - mantissaBits, significand: Float((1 << mantissaBits) + mantissa))
        return negative ? -value : value
    }

    /// The code nearest `value` (ties to even). Overflow saturates to the
    /// largest finite value when `saturate` (∞ too), else becomes ∞ where the
    /// format has it and NaN where it has not; float4e2m1 always saturates.
    public func encode(_ value: Float, saturate: Bool) -> UInt8 {
        let sign: UInt32 = value.sign == .minus ? signBit : 0
        if value.isNaN { return UInt8(nanCode | (signsSpecials ? sign : 0)) }
        var magnitude = value.magnitude
        if saturate || specials == .none { magnitude = Swift.min(magnitude, maximum) }
        guard magnitude.isFinite else { return UInt8(overflowCode | (signsSpecials ? sign : 0)) }
        // Quantum of the binade (subnormals share the smallest normal one's).
        let exponent = magnitude == 0 ? minimumExponent : Swift.max(Int(magnitude.exponent), minimumExponent)
        let quantum = Float(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
        let rounded = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
        if rounded > maximum { return UInt8(overflowCode | (signsSpecials ? sign : 0)) }
        let code: UInt32
        if rounded == 0 {
            code = 0
        } else if Int(rounded.exponent) >= minimumExponent {
            let field = UInt32(Int(rounded.exponent) + bias) << UInt32(mantissaBits)
            code = field | (rounded.significandBitPattern >> UInt32(Float.significandBitCount - mantissaBits))
        } else {
            code = UInt32(rounded / Float(sign: .plus, exponent: minimumExponent - mantissaBits, significand: 1))
        }
        if code == 0 && specials == .negativeZeroIsNaN { return 0 }
        return UInt8(code | sign)
    }
}

/// float8e8m0: an unsigned power of two, 2^(code − 127); code 0xFF is NaN.
public enum ScaleExponent {
    /// How a value between two powers of two rounds (ONNX Cast's `round_mode`).
    public enum Rounding: String, Sendable, Equatable, Hashable {
        case up, down, nearest
    }

    public static func decode(_ code: UInt8) -> Float {
        code == 0xff ? .nan : Float(sign: .plus, exponent: Int(code) - 127, significand: 1)
    }

    /// The code of `value` (its sign ignored): NaN and ∞ are 0xFF; rounding
    /// past 2^127 gives 0xFF too unless `saturate`.
    public static func encode(_ value: Float, saturate: Bool, rounding: Rounding) -> UInt8 {
        let bits = value.bitPattern
        let exponent = (bits >> 23) & 0xff
        if exponent == 0xff { return 0xff }
        let roundsUp: Bool
        switch rounding {
        case .down: roundsUp = false
        case .up: roundsUp = bits & 0x7f_ffff != 0
        case .nearest:
            // ONNX's rule: guard bit set and (round or sticky bit, or a normal input).
            let guardBit = bits & 0x40_0000 != 0
            roundsUp = guardBit && (bits & 0x3f_ffff != 0 || exponent > 0)
        }
        if roundsUp && !(saturate && exponent == 0xfe) { return UInt8(exponent + 1) }
        return UInt8(exponent)
    }
}

/// How a conversion into an 8- or 4-bit float type treats values beyond its
/// range and, for float8e8m0, values between two powers of two: ONNX Cast's
/// `saturate` and `round_mode`. Other conversions ignore it.
public struct FloatConversion: Sendable, Equatable, Hashable {
    public var saturate: Bool
    public var rounding: ScaleExponent.Rounding

    public init(saturate: Bool = true, rounding: ScaleExponent.Rounding = .up) {
        self.saturate = saturate
        self.rounding = rounding
    }
}
