// float64 in shaders, computed as the CPU computes it (KernelBuilder+Types,
// KernelBuilder+Float64Math): arithmetic, comparisons, rounding and square
// roots as single instructions, exp and log by the CPU's own reductions and
// polynomials (GLSL.std.450's transcendental functions take float32 only),
// conversions rounding once. A shader using float64 declares the Float64
// capability, and the executor runs it only on a device with the optional
// shaderFloat64 feature (kiln_abi.h's KILN_VULKAN_NEEDS_FLOAT64); the other
// transcendental functions have no float64 lowering, so a model using them
// runs on the CPU.

extension ShaderMath {
    private var b: ShaderBuilder { builder }

    /// The float64 an element holds.
    func double(_ value: ShaderScalar) throws(ShaderLowering.Unsupported) -> SPIRVID {
        guard case .double(let x) = value else { throw context.unsupported("a float64 formula reads a value that is not float64") }
        return x
    }

    /// The transcendental functions in float64 (``inFloat64``): exp and log.
    func unaryInFloat64(_ function: UnaryFunction, _ x: SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID {
        switch function {
        case .exp: return exp64(x)
        case .log: return log64(x)
        default: throw context.unsupported("\(function) of float64 has no SPIR-V lowering (GLSL computes it in float32 only)")
        }
    }

    /// x rounded to the nearest integer, ties to even, from Floor: the
    /// fraction x − ⌊x⌋ is exact, and so is every step. lavapipe's float64
    /// RoundEven left 123456789.123 as it was and turned −0 into +0.
    func roundToEvenInFloat64(_ x: SPIRVID) -> SPIRVID {
        let math = inFloat64
        let below = math.glsl(.floor, x)
        let fraction = math.sub(x, below)
        let above = math.add(below, math.c(1))
        let half = math.mul(below, math.c(0.5))
        let belowIsEven = b.m.value(.fOrdEqual, b.bool, [half, math.glsl(.floor, half)])
        let tie = math.select(belowIsEven, below, above)
        var rounded = math.select(b.m.value(.fOrdLessThan, b.bool, [fraction, math.c(0.5)]), below, tie)
        rounded = math.select(b.m.value(.fOrdGreaterThan, b.bool, [fraction, math.c(0.5)]), above, rounded)
        // Integers (every float64 from 2⁵² on), infinities, NaN and the sign of zero stay as they are.
        let whole = b.m.value(.logicalOr, b.bool, [b.m.value(.fOrdEqual, b.bool, [fraction, math.c(0)]), b.isNaN(fraction)])
        return copySignInFloat64(math.select(whole, x, rounded), x)
    }

    // MARK: - Bits

    /// 2ⁿ for a signed word n in [−1022, 1023], from its exponent field.
    private func powerOfTwo(_ n: SPIRVID) -> SPIRVID {
        let field = b.m.value(.shiftLeftLogical, b.uint, [b.add(n, 1023), b.u(20)])
        return b.double(low: b.u(0), high: field)
    }

    /// ⌊log₂ v⌋ of a finite float64 v > 0 as a signed word, subnormals included.
    func exponentInFloat64(_ v: SPIRVID) -> SPIRVID {
        let words = b.words(ofDouble: v)
        let field = b.m.value(.bitFieldUExtract, b.uint, [words[1], b.u(20), b.u(11)])
        let upper = b.m.value(.bitwiseAnd, b.uint, [words[1], b.u(0xF_FFFF)])
        // A subnormal's leading bit: in the high word's 20 mantissa bits, else the low word's.
        let inUpper = b.m.value(.iNotEqual, b.bool, [upper, b.u(0)])
        let leading = b.m.value(
            .select, b.uint,
            [inUpper, b.add(b.m.glsl(.findUMsb, b.uint, [upper]), 32), b.m.glsl(.findUMsb, b.uint, [words[0]])])
        return b.m.value(
            .select, b.uint, [b.m.value(.iEqual, b.bool, [field, b.u(0)]), b.sub(leading, 1074), b.sub(field, 1023)])
    }

    /// |magnitude| with the sign bit of `sign` (float64).
    func copySignInFloat64(_ magnitude: SPIRVID, _ sign: SPIRVID) -> SPIRVID {
        let (kept, signed) = (b.words(ofDouble: magnitude), b.words(ofDouble: sign))
        let high = b.m.value(
            .bitwiseOr, b.uint,
            [
                b.m.value(.bitwiseAnd, b.uint, [kept[1], b.m.constant(UInt32(0x7FFF_FFFF))]),
                b.m.value(.bitwiseAnd, b.uint, [signed[1], b.m.constant(UInt32(0x8000_0000))]),
            ])
        return b.double(low: kept[0], high: high)
    }

    // MARK: - exp and log

    /// eˣ as KernelBuilder.exp64: x = n·ln 2 + r with |r| ≤ ½ ln 2 (ln 2 in
    /// two parts), a degree-13 Taylor polynomial for eʳ, and 2ⁿ applied in
    /// two halves so results down to the subnormals come out; past ±709.8
    /// gives ∞ or 0, NaN stays NaN.
    func exp64(_ x: SPIRVID) -> SPIRVID {
        let math = inFloat64
        // (GLSL leaves FMin and FMax of NaN undefined; NaN takes x at the end.)
        let clamped = b.m.glsl(.fMin, math.real, [b.m.glsl(.fMax, math.real, [x, math.c(-746)]), math.c(710)])
        let n = roundToEvenInFloat64(math.mul(clamped, math.c(1.4426950408889634)))
        var r = math.fma(math.negate(n), math.c(0.6931471803691238), clamped)
        r = math.fma(math.negate(n), math.c(1.9082149292705877e-10), r)
        var factorial = 1.0
        var coefficients: [Double] = []
        for k in 1...13 {
            factorial *= Double(k)
            coefficients.append(1 / factorial)
        }
        var p = math.c(coefficients.last ?? 0)
        for coefficient in coefficients.dropLast().reversed() { p = math.fma(p, r, math.c(coefficient)) }
        let value = math.fma(p, r, math.c(1))
        let half = math.glsl(.floor, math.mul(n, math.c(0.5)))
        let (whole, first) = (b.m.value(.convertFToS, b.uint, [n]), b.m.value(.convertFToS, b.uint, [half]))
        let second = b.m.value(.iSub, b.uint, [whole, first])
        let scaled = math.mul(math.mul(value, powerOfTwo(first)), powerOfTwo(second))
        let overflow = b.m.value(.fOrdGreaterThan, b.bool, [x, math.c(709.782712893384)])
        let underflow = b.m.value(.fOrdLessThan, b.bool, [x, math.c(-745.2)])
        let bounded = math.select(underflow, math.c(0), math.select(overflow, math.c(.infinity), scaled))
        return math.select(b.isNaN(x), x, bounded)
    }

    /// ln x as KernelBuilder.log64: x = m·2ᵉ with m in [√½, √2), ln m =
    /// 2·atanh((m − 1)/(m + 1)) by its odd series to s²³; ln 0 = −∞,
    /// negatives and NaN give NaN, ln ∞ = ∞.
    func log64(_ input: SPIRVID) -> SPIRVID {
        let math = inFloat64
        // Subnormals scaled by 2⁵⁴ so the exponent field is meaningful.
        let subnormal = b.m.value(.fOrdLessThan, b.bool, [input, math.c(2.2250738585072014e-308)])
        let x = math.select(subnormal, math.mul(input, math.c(18014398509481984)), input)
        let words = b.words(ofDouble: x)
        let field = b.m.value(.bitFieldUExtract, b.uint, [words[1], b.u(20), b.u(11)])
        var e = b.m.value(.convertSToF, math.real, [b.sub(field, 1023)])
        e = math.select(subnormal, math.sub(e, math.c(54)), e)
        // The mantissa in [1, 2), then moved to [√½, √2).
        let high = b.m.value(.bitwiseOr, b.uint, [b.m.value(.bitwiseAnd, b.uint, [words[1], b.u(0xF_FFFF)]), b.u(0x3FF0_0000)])
        var m = b.double(low: words[0], high: high)
        let large = b.m.value(.fOrdGreaterThan, b.bool, [m, math.c(1.4142135623730951)])
        m = math.select(large, math.mul(m, math.c(0.5)), m)
        e = math.select(large, math.add(e, math.c(1)), e)
        let s = math.div(math.sub(m, math.c(1)), math.add(m, math.c(1)))
        let s2 = math.mul(s, s)
        var p = math.c(1.0 / 23)
        for k in stride(from: 21, through: 3, by: -2) { p = math.fma(p, s2, math.c(1 / Double(k))) }
        let logM = math.mul(math.c(2), math.fma(math.mul(s, s2), p, s))
        var result = math.fma(e, math.c(0.6931471803691238), math.fma(e, math.c(1.9082149292705877e-10), logM))
        result = math.select(b.m.value(.fOrdEqual, b.bool, [input, math.c(.infinity)]), math.c(.infinity), result)
        result = math.select(b.m.value(.fOrdEqual, b.bool, [input, math.c(0)]), math.c(-.infinity), result)
        let invalid = b.m.value(.logicalOr, b.bool, [b.isNaN(input), b.m.value(.fOrdLessThan, b.bool, [input, math.c(0)])])
        return math.select(invalid, math.c(.nan), result)
    }

    // MARK: - Conversions

    /// A float64 rounded once to float32, to nearest even (as fptrunc), as
    /// float32 bits built without relying on the device's rounding mode or
    /// its float32 subnormals: a result below 2⁻¹²⁶ is x·2¹⁴⁹ rounded to an
    /// integer (its bits); a normal one is x rounded to 24 bits in float64,
    /// which then converts exactly. NaN stays NaN, made quiet.
    func doubleToFloat(_ x: SPIRVID) -> SPIRVID {
        let math = inFloat64
        let magnitude = math.glsl(.fAbs, x)
        let subnormal = b.m.value(.convertFToU, b.uint, [roundToEvenInFloat64(math.mul(magnitude, math.c(0x1p149)))])
        let exponent = exponentInFloat64(magnitude)
        let scale = b.m.value(.iSub, b.uint, [b.u(23), exponent])
        let significand = roundToEvenInFloat64(b.m.glsl(.ldexp, math.real, [magnitude, scale]))
        let rounded = b.m.glsl(.ldexp, math.real, [significand, b.m.value(.sNegate, b.uint, [scale])])
        let normal = b.m.value(.bitcast, b.uint, [b.m.value(.fConvert, b.float, [rounded])])
        let tiny = b.m.value(.fOrdLessThan, b.bool, [magnitude, math.c(0x1p-126)])
        var bits = b.m.value(.select, b.uint, [tiny, subnormal, normal])
        // ∞ and what rounds past the largest float32.
        bits = b.m.value(.select, b.uint, [b.m.value(.fOrdGreaterThanEqual, b.bool, [rounded, math.c(0x1p128)]), b.u(0x7F80_0000), bits])
        let words = b.words(ofDouble: x)
        let payload = b.m.value(
            .bitwiseOr, b.uint,
            [
                b.m.value(.shiftLeftLogical, b.uint, [b.m.value(.bitwiseAnd, b.uint, [words[1], b.u(0xF_FFFF)]), b.u(3)]),
                b.m.value(.shiftRightLogical, b.uint, [words[0], b.u(29)]),
            ])
        bits = b.m.value(.select, b.uint, [b.isNaN(x), b.m.value(.bitwiseOr, b.uint, [b.u(0x7FC0_0000), payload]), bits])
        let sign = b.m.value(.bitwiseAnd, b.uint, [words[1], b.m.constant(UInt32(0x8000_0000))])
        return b.m.value(.bitcast, b.float, [b.m.value(.bitwiseOr, b.uint, [bits, sign])])
    }

    /// An int64 or uint64 (low, high) rounded once to float64: the high
    /// word times 2³² is exact, and so is the low word, so their one
    /// addition is the one rounding.
    func longToDouble(_ low: SPIRVID, _ high: SPIRVID, signed: Bool) -> SPIRVID {
        let math = inFloat64
        let top = b.m.value(signed ? .convertSToF : .convertUToF, math.real, [high])
        return math.fma(top, math.c(0x1p32), b.m.value(.convertUToF, math.real, [low]))
    }
}
