// exp and log in float64 precision, inline like their float32 versions: a
// float64 model's transcendental functions keep float64's accuracy instead
// of passing through float32.

import CLLVM

extension KernelBuilder {
    /// Whether `x` is a float64 value or vector.
    func isDouble(_ x: IRValue) -> Bool {
        let type = LLVMTypeOf(x)!
        let element = LLVMGetTypeKind(type) == LLVMVectorTypeKind ? LLVMGetElementType(type)! : type
        return LLVMGetTypeKind(element) == LLVMDoubleTypeKind
    }

    /// An i64 constant (or vector of them) with the lane count of `x`.
    private func integer64(_ value: Int64, like x: IRValue) -> IRValue {
        let scalar = LLVMConstInt(LLVMInt64TypeInContext(context), UInt64(bitPattern: value), 1)!
        let type = LLVMTypeOf(x)!
        guard LLVMGetTypeKind(type) == LLVMVectorTypeKind else { return scalar }
        return splatConstant(scalar, lanes: Int(LLVMGetVectorSize(type)))
    }

    private func integer64Type(like x: IRValue) -> LLVMTypeRef {
        let type = LLVMTypeOf(x)!
        let i64 = LLVMInt64TypeInContext(context)!
        return LLVMGetTypeKind(type) == LLVMVectorTypeKind ? LLVMVectorType(i64, LLVMGetVectorSize(type)) : i64
    }

    /// 2ⁿ for an integer-valued float64 `n` in [−1022, 1023].
    private func powerOfTwo(_ n: IRValue) -> IRValue {
        let bits = LLVMBuildShl(
            builder, LLVMBuildAdd(builder, LLVMBuildFPToSI(builder, n, integer64Type(like: n), ""), integer64(1023, like: n), ""),
            integer64(52, like: n), "")!
        return LLVMBuildBitCast(builder, bits, LLVMTypeOf(n), "")
    }

    /// eˣ (float64): x = n·ln 2 + r with |r| ≤ ½ ln 2 (ln 2 in two parts), a
    /// degree-13 Taylor polynomial for eʳ, and 2ⁿ applied in two halves so
    /// results down to the subnormals come out; past ±709.8 gives ∞ or 0.
    func exp64(_ x: IRValue) -> IRValue {
        let type = LLVMTypeOf(x)!
        func c(_ value: Double) -> IRValue { realConstant(value, type) }
        let clamped = intrinsic("llvm.minnum.f32", [intrinsic("llvm.maxnum.f32", [x, c(-746)]), c(710)])
        let n = intrinsic("llvm.roundeven.f32", [fmul(clamped, c(1.4426950408889634))])
        var r = intrinsic("llvm.fma.f32", [LLVMBuildFNeg(builder, n, "")!, c(0.6931471803691238), clamped])
        r = intrinsic("llvm.fma.f32", [LLVMBuildFNeg(builder, n, "")!, c(1.9082149292705877e-10), r])
        var factorial = 1.0
        var coefficients: [Double] = []
        for k in 1...13 {
            factorial *= Double(k)
            coefficients.append(1 / factorial)
        }
        var p = c(coefficients.last ?? 0)
        for coefficient in coefficients.dropLast().reversed() { p = intrinsic("llvm.fma.f32", [p, r, c(coefficient)]) }
        let value = intrinsic("llvm.fma.f32", [p, r, c(1)])
        let half = intrinsic("llvm.floor.f32", [fmul(n, c(0.5))])
        let scaled = fmul(fmul(value, powerOfTwo(half)), powerOfTwo(fsub(n, half)))
        let overflow = LLVMBuildFCmp(builder, LLVMRealOGT, x, c(709.782712893384), "")!
        let underflow = LLVMBuildFCmp(builder, LLVMRealOLT, x, c(-745.2), "")!
        let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, x, x, "")!
        let bounded = LLVMBuildSelect(builder, underflow, c(0), LLVMBuildSelect(builder, overflow, c(.infinity), scaled, ""), "")!
        return LLVMBuildSelect(builder, isNaN, x, bounded, "")
    }

    /// ln x (float64): x = m·2ᵉ with m in [√½, √2), ln m = 2·atanh((m − 1)/(m + 1))
    /// by its odd series to s²³; ln 0 = −∞, negatives and NaN give NaN, ln ∞ = ∞.
    func log64(_ input: IRValue) -> IRValue {
        let type = LLVMTypeOf(input)!
        func c(_ value: Double) -> IRValue { realConstant(value, type) }
        let integers = integer64Type(like: input)
        // Subnormals scaled by 2⁵⁴ so the exponent field is meaningful.
        let subnormal = LLVMBuildFCmp(builder, LLVMRealOLT, input, c(2.2250738585072014e-308), "")!
        let x = LLVMBuildSelect(builder, subnormal, fmul(input, c(18014398509481984)), input, "")!
        let bits = LLVMBuildBitCast(builder, x, integers, "")!
        let exponentBits = LLVMBuildAnd(builder, LLVMBuildLShr(builder, bits, integer64(52, like: input), ""), integer64(0x7ff, like: input), "")!
        var e = LLVMBuildSIToFP(builder, LLVMBuildSub(builder, exponentBits, integer64(1023, like: input), ""), type, "")!
        e = LLVMBuildSelect(builder, subnormal, fsub(e, c(54)), e, "")
        // The mantissa in [1, 2), then moved to [√½, √2).
        let mantissaBits = LLVMBuildOr(
            builder, LLVMBuildAnd(builder, bits, integer64(0x000f_ffff_ffff_ffff, like: input), ""),
            integer64(0x3ff0_0000_0000_0000, like: input), "")!
        var m = LLVMBuildBitCast(builder, mantissaBits, type, "")!
        let large = LLVMBuildFCmp(builder, LLVMRealOGT, m, c(1.4142135623730951), "")!
        m = LLVMBuildSelect(builder, large, fmul(m, c(0.5)), m, "")
        e = LLVMBuildSelect(builder, large, fadd(e, c(1)), e, "")
        let s = fdiv(fsub(m, c(1)), fadd(m, c(1)))
        let s2 = fmul(s, s)
        var p = c(1.0 / 23)
        for k in stride(from: 21, through: 3, by: -2) { p = intrinsic("llvm.fma.f32", [p, s2, c(1 / Double(k))]) }
        let logM = fmul(c(2), intrinsic("llvm.fma.f32", [fmul(s, s2), p, s]))
        var result = intrinsic("llvm.fma.f32", [e, c(0.6931471803691238), intrinsic("llvm.fma.f32", [e, c(1.9082149292705877e-10), logM])])
        let infinite = LLVMBuildFCmp(builder, LLVMRealOEQ, input, c(.infinity), "")!
        result = LLVMBuildSelect(builder, infinite, c(.infinity), result, "")
        let isZero = LLVMBuildFCmp(builder, LLVMRealOEQ, input, c(0), "")!
        result = LLVMBuildSelect(builder, isZero, c(-.infinity), result, "")
        let invalid = LLVMBuildFCmp(builder, LLVMRealULT, input, c(0), "")!
        return LLVMBuildSelect(builder, invalid, c(.nan), result, "")
    }
}
