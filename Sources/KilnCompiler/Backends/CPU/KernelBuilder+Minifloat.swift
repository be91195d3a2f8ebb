// Kernel code for the 8- and 4-bit float types and the 4- and 2-bit
// integers, which live one per byte: a code decodes through a 256-entry
// table built by `MinifloatFormat.decode`, and a float32 encodes with the
// steps of `MinifloatFormat.encode` (round to nearest even, overflow to ∞ or
// NaN). Saturation and float8e8m0's rounding mode happen before the store,
// in `convert`.

import CLLVM

extension KernelBuilder {
    /// The float32 value of the code `raw` (i8) of `dtype`.
    func decodeMinifloat(_ raw: IRValue, _ dtype: DType) -> IRValue {
        let name = "kiln.decode.\(dtype)"
        let table: IRValue
        if let existing = LLVMGetNamedGlobal(module, name) {
            table = existing
        } else {
            var elements: [IRValue?] = MinifloatFormat.decodeTable(dtype).map { LLVMConstReal(f32, Double($0)) }
            let type = LLVMArrayType(f32, 256)!
            table = LLVMAddGlobal(module, type, name)
            LLVMSetInitializer(table, LLVMConstArray(f32, &elements, 256))
            LLVMSetGlobalConstant(table, 1)
            LLVMSetLinkage(table, LLVMPrivateLinkage)
        }
        var indices: [IRValue?] = [LLVMConstInt(i64, 0, 0), LLVMBuildZExt(builder, raw, i64, "")]
        let pointer = LLVMBuildInBoundsGEP2(builder, LLVMArrayType(f32, 256), table, &indices, 2, "")
        return LLVMBuildLoad2(builder, f32, pointer, "")
    }

    /// The i8 code of `dtype` nearest the float32 `value`.
    func encodeMinifloat(_ value: IRValue, _ dtype: DType) -> IRValue {
        let i8 = LLVMInt8TypeInContext(context)!
        func int(_ value: UInt32) -> IRValue { LLVMConstInt(i32, UInt64(value), 0) }
        let bits = LLVMBuildBitCast(builder, value, i32, "")!
        guard let format = MinifloatFormat.of(dtype) else {
            // float8e8m0: the exponent field (a value between powers of two rounds down).
            return LLVMBuildTrunc(builder, LLVMBuildLShr(builder, bits, int(23), ""), i8, "")
        }
        let sign = LLVMBuildLShr(builder, bits, int(31), "")!
        var magnitude = intrinsic("llvm.fabs.f32", [value])
        let maximum = constant(format.maximum)
        if format.specials == .none { magnitude = fmin(magnitude, maximum) }
        // Quantum of the binade, the smallest normal one's for subnormals.
        let field = LLVMBuildLShr(builder, LLVMBuildBitCast(builder, magnitude, i32, ""), int(23), "")!
        let minimumField = int(UInt32(format.minimumExponent + 127))
        let exponentField = select(LLVMBuildICmp(builder, LLVMIntUGT, field, minimumField, ""), field, minimumField)
        let quantum = LLVMBuildBitCast(
            builder,
            LLVMBuildShl(builder, LLVMBuildSub(builder, exponentField, int(UInt32(format.mantissaBits)), ""), int(23), ""),
            f32, "")!
        let rounded = fmul(intrinsic("llvm.roundeven.f32", [fdiv(magnitude, quantum)]), quantum)
        let roundedBits = LLVMBuildBitCast(builder, rounded, i32, "")!
        let roundedField = LLVMBuildLShr(builder, roundedBits, int(23), "")!
        // Normal: rebiased exponent and the top mantissa bits; subnormal: multiples of the quantum.
        let normal = LLVMBuildOr(
            builder,
            LLVMBuildShl(
                builder, LLVMBuildSub(builder, roundedField, int(UInt32(127 - format.bias)), ""),
                int(UInt32(format.mantissaBits)), ""),
            LLVMBuildAnd(
                builder, LLVMBuildLShr(builder, roundedBits, int(UInt32(23 - format.mantissaBits)), ""),
                int(UInt32(1 << format.mantissaBits - 1)), ""), "")!
        let subnormalScale = Float(sign: .plus, exponent: format.mantissaBits - format.minimumExponent, significand: 1)
        let subnormal = LLVMBuildFPToUI(builder, fmul(rounded, constant(subnormalScale)), i32, "")!
        var code = select(LLVMBuildICmp(builder, LLVMIntUGE, roundedField, minimumField, ""), normal, subnormal)
        let signBit = LLVMBuildShl(builder, sign, int(UInt32(format.exponentBits + format.mantissaBits)), "")!
        let signedCode = LLVMBuildOr(builder, code, signBit, "")!
        if format.specials == .negativeZeroIsNaN {
            // No −0: zero keeps code 0 whatever its sign.
            code = select(LLVMBuildICmp(builder, LLVMIntEQ, code, int(0), ""), code, signedCode)
        } else {
            code = signedCode
        }
        let specialSign = format.signsSpecials ? signBit : int(0)
        let overflow = LLVMBuildFCmp(builder, LLVMRealOGT, rounded, maximum, "")!
        code = select(overflow, LLVMBuildOr(builder, int(format.overflowCode), specialSign, ""), code)
        let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, value, value, "")!
        code = select(isNaN, LLVMBuildOr(builder, int(format.nanCode), specialSign, ""), code)
        return LLVMBuildTrunc(builder, code, i8, "")
    }

    /// A float32 `value` made ready to store as `dtype`: clamped to the
    /// finite range when saturating; for float8e8m0, rounded to a power of
    /// two as `conversion.rounding` says (∞ for NaN, ∞ and overflow).
    func prepareMinifloat(_ value: IRValue, _ dtype: DType, _ conversion: FloatConversion) -> IRValue {
        func int(_ value: UInt32) -> IRValue { LLVMConstInt(i32, UInt64(value), 0) }
        guard dtype == .float8e8m0 else {
            guard conversion.saturate, let format = MinifloatFormat.of(dtype) else { return value }
            return fmin(fmax(value, constant(-format.maximum)), constant(format.maximum))  // NaN stays NaN
        }
        let bits = LLVMBuildBitCast(builder, value, i32, "")!
        let field = LLVMBuildAnd(builder, LLVMBuildLShr(builder, bits, int(23), ""), int(0xff), "")!
        let finite = LLVMBuildICmp(builder, LLVMIntNE, field, int(0xff), "")!
        var roundsUp: IRValue
        switch conversion.rounding {
        case .down: roundsUp = LLVMConstInt(i1, 0, 0)
        case .up: roundsUp = LLVMBuildICmp(builder, LLVMIntNE, LLVMBuildAnd(builder, bits, int(0x7f_ffff), ""), int(0), "")
        case .nearest:
            let guardBit = LLVMBuildICmp(builder, LLVMIntNE, LLVMBuildAnd(builder, bits, int(0x40_0000), ""), int(0), "")!
            let rest = LLVMBuildICmp(builder, LLVMIntNE, LLVMBuildAnd(builder, bits, int(0x3f_ffff), ""), int(0), "")!
            let normal = LLVMBuildICmp(builder, LLVMIntNE, field, int(0), "")!
            roundsUp = and(guardBit, LLVMBuildOr(builder, rest, normal, ""))
        }
        roundsUp = and(roundsUp, finite)
        if conversion.saturate {
            roundsUp = and(roundsUp, LLVMBuildICmp(builder, LLVMIntNE, field, int(0xfe), ""))
        }
        let rounded = LLVMBuildAdd(builder, field, LLVMBuildZExt(builder, roundsUp, i32, ""), "")!
        return LLVMBuildBitCast(builder, LLVMBuildShl(builder, rounded, int(23), ""), f32, "")
    }

    /// An i8 holding a 4- or 2-bit integer reduced to its bits: sign-extended
    /// through the byte when signed, zero-extended when not (so integers wrap).
    func wrapNarrowInteger(_ value: IRValue, _ dtype: DType) -> IRValue {
        guard let bits = dtype.narrowIntegerBits else { return value }
        let type = LLVMTypeOf(value)!
        let unused = LLVMConstInt(type, UInt64(8 - bits), 0)
        if dtype.isSignedInteger {
            return LLVMBuildAShr(builder, LLVMBuildShl(builder, value, unused, ""), unused, "")
        }
        return LLVMBuildAnd(builder, value, LLVMConstInt(type, UInt64(1 << bits - 1), 0), "")
    }
}
