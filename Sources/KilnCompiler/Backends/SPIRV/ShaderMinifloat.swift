// Encoding float32 into the 8- and 4-bit float types in shaders, step for
// step as the CPU kernels do (KernelBuilder+Minifloat: `prepareMinifloat`
// then `encodeMinifloat`, both following `MinifloatFormat.encode`): clamp
// when saturating, round to nearest even on the binade's quantum, rebias,
// then overflow and NaN codes. Decoding reads the CPU's 256-entry table
// (Cast, and the float32 copies WidenedShaders makes).
//
// Every step is exact in float32: the quantum and its reciprocal are powers
// of two built from their bits, so no division (2.5 ULP in Vulkan) is used.

extension ShaderMath {
    /// How the CPU's store encodes a float32 into these types (no clamping;
    /// float8e8m0 keeps the exponent field), which a conversion of its own
    /// (Cast's `saturate`, `round_mode`) precedes.
    static let storeConversion = FloatConversion(saturate: false, rounding: .down)

    /// The float32 value of `code` (a word whose low byte holds a code of
    /// `dtype`), from the CPU's 256-entry decode table read through the
    /// storage buffer: float8e8m0's code 0 is a float32 subnormal a texel
    /// fetch may flush.
    func decodeMinifloat(_ code: ShaderScalar, _ dtype: DType) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let b = builder
        guard case .bits(let words) = code else { throw context.unsupported("a \(dtype) code") }
        let table = context.constants(MinifloatFormat.decodeTable(dtype), key: "decode.\(dtype)", b)
        return b.reload(table, b.m.value(.bitwiseAnd, b.uint, [words[0], b.u(255)]))
    }

    /// `x` as the CPU holds it after storing it as `dtype` and loading it
    /// back: rounded to the type (float16, bfloat16, or one of the 8- and
    /// 4-bit floats), widened again exactly.
    func storedAndReloaded(_ x: SPIRVID, _ dtype: DType) throws(ShaderLowering.Unsupported) -> SPIRVID {
        guard dtype.isMinifloat else { return builder.rounded(x, to: dtype) }
        return try decodeMinifloat(.bits([encodeMinifloat(x, dtype, Self.storeConversion)]), dtype)
    }

    /// The code of `dtype` (in a word's low byte) for the float32 `value`,
    /// with Cast's `saturate` and (float8e8m0) `round_mode`.
    func encodeMinifloat(_ value: SPIRVID, _ dtype: DType, _ conversion: FloatConversion) -> SPIRVID {
        let b = builder
        func bits(_ x: SPIRVID) -> SPIRVID { b.m.value(.bitcast, b.uint, [x]) }
        func float(_ word: SPIRVID) -> SPIRVID { b.m.value(.bitcast, b.float, [word]) }
        func shiftRight(_ x: SPIRVID, _ n: Int) -> SPIRVID { b.m.value(.shiftRightLogical, b.uint, [x, b.u(n)]) }
        func shiftLeft(_ x: SPIRVID, _ n: Int) -> SPIRVID { b.m.value(.shiftLeftLogical, b.uint, [x, b.u(n)]) }
        func or(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { b.m.value(.bitwiseOr, b.uint, [x, y]) }
        func choose(_ condition: SPIRVID, _ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { b.m.value(.select, b.uint, [condition, x, y]) }

        guard let format = MinifloatFormat.of(dtype) else { return scaleExponent(value, conversion) }
        let maximum = b.f(format.maximum)
        var input = value
        if conversion.saturate {
            // Clamped to the finite range (∞ too); NaN stays NaN.
            let minimum = b.f(-format.maximum)
            input = b.select(b.m.value(.fOrdGreaterThan, b.bool, [input, maximum]), maximum, input)
            input = b.select(b.m.value(.fOrdLessThan, b.bool, [input, minimum]), minimum, input)
        }
        let sign = shiftRight(bits(input), 31)
        var magnitude = b.glsl(.fAbs, input)
        if format.specials == .none {
            magnitude = b.select(b.m.value(.fOrdGreaterThan, b.bool, [magnitude, maximum]), maximum, magnitude)
        }
        // Quantum of the binade, the smallest normal one's for subnormals.
        let minimumField = format.minimumExponent + 127
        let field = shiftRight(bits(magnitude), 23)
        let exponentField = b.m.glsl(.uMax, b.uint, [field, b.u(minimumField)])
        let quantumField = b.sub(exponentField, format.mantissaBits)
        let quantum = float(shiftLeft(quantumField, 23))
        // 1 / quantum; for ∞ (field 255) it underflows to 0 and the product is NaN, caught as overflow below.
        let inverse = float(shiftLeft(b.m.value(.iSub, b.uint, [b.u(254), quantumField]), 23))
        let rounded = b.fmul(b.glsl(.roundEven, b.fmul(magnitude, inverse)), quantum)
        let roundedBits = bits(rounded)
        let roundedField = shiftRight(roundedBits, 23)
        // Normal: rebiased exponent and the top mantissa bits; subnormal: multiples of the quantum.
        let normal = or(
            shiftLeft(b.sub(roundedField, 127 - format.bias), format.mantissaBits),
            b.m.value(.bitwiseAnd, b.uint, [shiftRight(roundedBits, 23 - format.mantissaBits), b.u((1 << format.mantissaBits) - 1)]))
        let subnormalScale = Float(sign: .plus, exponent: format.mantissaBits - format.minimumExponent, significand: 1)
        let subnormal = b.m.value(.convertFToU, b.uint, [b.fmul(rounded, b.f(subnormalScale))])
        var code = choose(b.m.value(.uGreaterThanEqual, b.bool, [roundedField, b.u(minimumField)]), normal, subnormal)
        let signBit = shiftLeft(sign, format.exponentBits + format.mantissaBits)
        let signedCode = or(code, signBit)
        // No −0 in the fnuz formats: zero keeps code 0 whatever its sign.
        code = format.specials == .negativeZeroIsNaN ? choose(b.m.value(.iEqual, b.bool, [code, b.u(0)]), code, signedCode) : signedCode
        let specialSign = format.signsSpecials ? signBit : b.u(0)
        let overflow = b.m.value(.logicalNot, b.bool, [b.m.value(.fOrdLessThanEqual, b.bool, [rounded, maximum])])
        code = choose(overflow, or(b.u(Int(format.overflowCode)), specialSign), code)
        code = choose(b.isNaN(value), or(b.u(Int(format.nanCode)), specialSign), code)
        return code
    }

    /// float8e8m0: the exponent field, rounded up, down or to nearest
    /// between powers of two (ScaleExponent); NaN and ∞ give 0xFF, and
    /// saturating keeps a finite value below it.
    private func scaleExponent(_ value: SPIRVID, _ conversion: FloatConversion) -> SPIRVID {
        let b = builder
        let bits = b.m.value(.bitcast, b.uint, [value])
        func masked(_ mask: Int) -> SPIRVID { b.m.value(.iNotEqual, b.bool, [b.m.value(.bitwiseAnd, b.uint, [bits, b.u(mask)]), b.u(0)]) }
        let field = b.m.value(.bitwiseAnd, b.uint, [b.m.value(.shiftRightLogical, b.uint, [bits, b.u(23)]), b.u(0xFF)])
        var roundsUp: SPIRVID
        switch conversion.rounding {
        case .down: roundsUp = b.m.constant(false)
        case .up: roundsUp = masked(0x7F_FFFF)
        case .nearest:
            // Above the halfway point, or at it for a normal value (a subnormal's halfway rounds down).
            let normal = b.m.value(.iNotEqual, b.bool, [field, b.u(0)])
            roundsUp = b.and(masked(0x40_0000), b.m.value(.logicalOr, b.bool, [masked(0x3F_FFFF), normal]))
        }
        roundsUp = b.and(roundsUp, b.m.value(.iNotEqual, b.bool, [field, b.u(0xFF)]))
        if conversion.saturate { roundsUp = b.and(roundsUp, b.m.value(.iNotEqual, b.bool, [field, b.u(0xFE)])) }
        return b.m.value(.iAdd, b.uint, [field, b.oneOrZero(roundsUp)])
    }
}
