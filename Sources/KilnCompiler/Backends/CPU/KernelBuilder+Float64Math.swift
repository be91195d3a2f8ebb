// exp and log in float64 precision, inline like their float32 versions: a
// float64 model's transcendental functions keep float64's accuracy instead
// of passing through float32; and C's fmod, exact at any quotient.

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

    /// ⌊log₂ v⌋ of a finite float64 v > 0 (or each lane's), subnormals included, as i64.
    private func exponent64(_ v: IRValue) -> IRValue {
        let integers = integer64Type(like: v)
        let bits = LLVMBuildBitCast(builder, v, integers, "")!
        let field = LLVMBuildLShr(builder, bits, integer64(52, like: v), "")!
        let normal = LLVMBuildSub(builder, field, integer64(1023, like: v), "")!
        // A subnormal's leading bit: 63 − its leading zeros, 2⁻¹⁰⁷⁴ apart from bit 0.
        let typeName = LLVMGetTypeKind(integers) == LLVMVectorTypeKind ? "v\(LLVMGetVectorSize(integers))i64" : "i64"
        let zeros = callIntrinsic("llvm.ctlz.\(typeName)", returning: integers, [bits, LLVMConstInt(LLVMInt1TypeInContext(context), 0, 0)])
        let subnormal = LLVMBuildSub(builder, integer64(63 - 1074, like: v), zeros, "")!
        let isSubnormal = LLVMBuildICmp(builder, LLVMIntEQ, field, integer64(0, like: v), "")!
        return LLVMBuildSelect(builder, isSubnormal, subnormal, normal, "")
    }

    /// C's fmod (float64), exact at any quotient: |x| is reduced by
    /// |y|·2ᵏ for k from the largest with |y|·2ᵏ ≤ |x| down to 0, each
    /// subtraction exact (Sterbenz), one step per bit of the quotient (up
    /// to 2098; a handful for the usual quotients). A vector's lanes step
    /// together as long as the longest needs. NaN in either, an infinite x or
    /// a zero y give NaN; an infinite y gives x; a zero result keeps x's sign.
    func remainder64(_ x: IRValue, _ y: IRValue) -> IRValue {
        let type = LLVMTypeOf(x)!
        func c(_ value: Double) -> IRValue { realConstant(value, type) }
        func compare(_ predicate: LLVMRealPredicate, _ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFCmp(builder, predicate, a, b, "")! }
        func integerSelect(_ predicate: LLVMIntPredicate, _ a: IRValue, _ b: IRValue) -> IRValue {
            LLVMBuildSelect(builder, LLVMBuildICmp(builder, predicate, a, b, ""), a, b, "")!
        }
        let (magnitude, divisor) = (intrinsic("llvm.fabs.f32", [x]), intrinsic("llvm.fabs.f32", [y]))
        let (finiteMagnitude, finiteDivisor) = (compare(LLVMRealOLT, magnitude, c(.infinity)), compare(LLVMRealOLT, divisor, c(.infinity)))
        let regular = LLVMBuildAnd(
            builder, LLVMBuildAnd(builder, finiteMagnitude, finiteDivisor, "")!, compare(LLVMRealOGT, divisor, c(0)), "")!
        let scale = LLVMBuildSub(builder, exponent64(magnitude), exponent64(divisor), "")!
        // |y|·2^scale (below 2^1024: it has |x|'s exponent) in exact steps of at most 2¹⁰⁰⁰.
        var left = integerSelect(LLVMIntSGT, scale, integer64(0, like: x))
        var top = divisor
        for _ in 0..<3 {
            let part = integerSelect(LLVMIntSLT, left, integer64(1000, like: x))
            top = fmul(top, powerOfTwo(LLVMBuildSIToFP(builder, part, type, "")!))
            left = LLVMBuildSub(builder, left, part, "")!
        }
        let over = compare(LLVMRealOGT, top, magnitude)
        let steps = LLVMBuildSelect(builder, over, scale, LLVMBuildAdd(builder, scale, integer64(1, like: x), "")!, "")!
        let count = LLVMBuildSelect(builder, regular, integerSelect(LLVMIntSGT, steps, integer64(0, like: x)), integer64(0, like: x), "")!
        var longest = count
        if LLVMGetTypeKind(type) == LLVMVectorTypeKind {
            longest = callIntrinsic("llvm.vector.reduce.smax.v\(LLVMGetVectorSize(type))i64", returning: i64, [count])
        }
        let rest = variable(magnitude)
        let step = variable(LLVMBuildSelect(builder, over, fmul(top, c(0.5)), top, "")!)
        loop(from: constant(0), to: longest) { index in
            let (r, t) = (read(rest), read(step))
            var active = LLVMBuildICmp(builder, LLVMIntSLT, index, count, "")!
            if LLVMGetTypeKind(type) == LLVMVectorTypeKind {
                active = LLVMBuildICmp(builder, LLVMIntSLT, splat(index, width: Int(LLVMGetVectorSize(type))), count, "")!
            }
            let takes = LLVMBuildAnd(builder, active, compare(LLVMRealOLE, t, r), "")!
            write(rest, LLVMBuildSelect(builder, takes, fsub(r, t), r, "")!)
            write(step, fmul(t, c(0.5)))
        }
        let result = intrinsic("llvm.copysign.f32", [read(rest), x])
        let infiniteDivisor = LLVMBuildAnd(builder, finiteMagnitude, compare(LLVMRealOEQ, divisor, c(.infinity)), "")!
        return LLVMBuildSelect(builder, regular, result, LLVMBuildSelect(builder, infiniteDivisor, x, c(.nan), "")!, "")
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
