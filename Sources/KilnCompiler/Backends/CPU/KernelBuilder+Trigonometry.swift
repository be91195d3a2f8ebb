// Trigonometric and hyperbolic functions (float32), inline like exp and log
// so loops using them vectorize and no libm call is made.
//
// sin, cos and tan reduce the argument by π/2 in float64, π/2 held in three
// parts subtracted with fused multiply-adds, so the reduction is exact to
// float32 precision for |x| < 2⁵³ (float32 values beyond 10¹⁶, far outside
// what models feed, lose it); polynomials of degree 13/14 on [−π/4, π/4]
// finish in float64. atan uses Cephes' range reduction and polynomial; the
// inverse and hyperbolic functions are written through atan, exp and log,
// with series near 0 where those formulas would cancel.

import CLLVM

extension KernelBuilder {
    /// sin, cos or tan of a float32 value (or vector).
    func trigonometric(_ function: UnaryFunction, _ x: IRValue) -> IRValue {
        let type = LLVMTypeOf(x)!
        let isVector = LLVMGetTypeKind(type) == LLVMVectorTypeKind
        let double = LLVMDoubleTypeInContext(context)!
        let wide: LLVMTypeRef = isVector ? LLVMVectorType(double, LLVMGetVectorSize(type)) : double
        func c(_ value: Double) -> IRValue { realConstant(value, wide) }
        let d = LLVMBuildFPExt(builder, x, wide, "")!
        // d = j·π/2 + r, |r| ≤ π/4 (a little more where j·2/π rounded).
        let j = intrinsic("llvm.roundeven.f32", [fmul(d, c(0.6366197723675814))])
        let minusJ = LLVMBuildFNeg(builder, j, "")!
        var r = intrinsic("llvm.fma.f32", [minusJ, c(1.5707963267948966), d])
        r = intrinsic("llvm.fma.f32", [minusJ, c(6.123233995736766e-17), r])
        r = intrinsic("llvm.fma.f32", [minusJ, c(-1.4973849048591698e-33), r])
        let r2 = fmul(r, r)
        // Taylor series, the next terms below 2⁻⁵³ on the interval.
        var sinPoly = c(1.0 / 6_227_020_800)
        for coefficient in [-1.0 / 39_916_800, 1.0 / 362_880, -1.0 / 5040, 1.0 / 120, -1.0 / 6] {
            sinPoly = intrinsic("llvm.fma.f32", [sinPoly, r2, c(coefficient)])
        }
        let sine = intrinsic("llvm.fma.f32", [fmul(r, r2), sinPoly, r])
        var cosPoly = c(-1.0 / 87_178_291_200)
        for coefficient in [1.0 / 479_001_600, -1.0 / 3_628_800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5, 1] {
            cosPoly = intrinsic("llvm.fma.f32", [cosPoly, r2, c(coefficient)])
        }
        let cosine = cosPoly
        // The quadrant j mod 4, as a float (j may exceed every integer type).
        let quadrant = fsub(j, fmul(c(4), intrinsic("llvm.floor.f32", [fmul(j, c(0.25))])))
        func quadrantIs(_ value: Double) -> IRValue { LLVMBuildFCmp(builder, LLVMRealOEQ, quadrant, c(value), "")! }
        let odd = LLVMBuildOr(builder, quadrantIs(1), quadrantIs(3), "")!
        let result: IRValue
        switch function {
        case .sin:
            // sin(r + jπ/2): sin r, cos r, −sin r, −cos r.
            let picked = LLVMBuildSelect(builder, odd, cosine, sine, "")!
            let negative = LLVMBuildOr(builder, quadrantIs(2), quadrantIs(3), "")!
            result = LLVMBuildSelect(builder, negative, LLVMBuildFNeg(builder, picked, ""), picked, "")
        case .cos:
            // cos(r + jπ/2): cos r, −sin r, −cos r, sin r.
            let picked = LLVMBuildSelect(builder, odd, sine, cosine, "")!
            let negative = LLVMBuildOr(builder, quadrantIs(1), quadrantIs(2), "")!
            result = LLVMBuildSelect(builder, negative, LLVMBuildFNeg(builder, picked, ""), picked, "")
        default:
            // tan(r + jπ/2): tan r for even j, −cot r for odd.
            let even = fdiv(sine, cosine)
            let oddValue = LLVMBuildFNeg(builder, fdiv(cosine, sine), "")!
            result = LLVMBuildSelect(builder, odd, oddValue, even, "")
        }
        return LLVMBuildFPTrunc(builder, result, type, "")
    }

    /// atan x (float32) by Cephes' atanf: reduction to |x| ≤ tan π/8, then an
    /// odd polynomial. ±∞ gives ±π/2; NaN stays NaN.
    func arctangent(_ x: IRValue) -> IRValue {
        func c(_ value: Float) -> IRValue { constant(value, like: x) }
        let a = intrinsic("llvm.fabs.f32", [x])
        let large = LLVMBuildFCmp(builder, LLVMRealOGT, a, c(2.414213562373095), "")!
        let medium = LLVMBuildFCmp(builder, LLVMRealOGT, a, c(0.4142135623730950), "")!
        let reduced = LLVMBuildSelect(
            builder, large, LLVMBuildFNeg(builder, fdiv(c(1), a), ""),
            LLVMBuildSelect(builder, medium, fdiv(fsub(a, c(1)), fadd(a, c(1))), a, ""), "")!
        let base = LLVMBuildSelect(
            builder, large, c(Float.pi / 2), LLVMBuildSelect(builder, medium, c(Float.pi / 4), c(0), ""), "")!
        let z = fmul(reduced, reduced)
        var p = c(8.05374449538e-2)
        for coefficient: Float in [-1.38776856032e-1, 1.99777106478e-1, -3.33329491539e-1] {
            p = fmuladd(p, z, c(coefficient))
        }
        let value = fadd(base, fmuladd(fmul(p, z), reduced, reduced))
        return intrinsic("llvm.copysign.f32", [value, x])
    }

    /// asin, acos, sinh, cosh, asinh, acosh or atanh of a float32 value.
    func inverseOrHyperbolic(_ function: UnaryFunction, _ x: IRValue) -> IRValue {
        func c(_ value: Float) -> IRValue { constant(value, like: x) }
        let one = c(1)
        let a = intrinsic("llvm.fabs.f32", [x])
        func sqrt(_ value: IRValue) -> IRValue { intrinsic("llvm.sqrt.f32", [value]) }
        func odd(_ value: IRValue) -> IRValue { intrinsic("llvm.copysign.f32", [value, x]) }
        /// An odd series a + c₁a³ + c₂a⁵ + … for small |x|.
        func series(_ coefficients: [Float]) -> IRValue {
            let a2 = fmul(a, a)
            var p = c(coefficients.last ?? 0)
            for coefficient in coefficients.dropLast().reversed() { p = fmuladd(p, a2, c(coefficient)) }
            return fmuladd(fmul(a, a2), p, a)
        }
        func below(_ limit: Float) -> IRValue { LLVMBuildFCmp(builder, LLVMRealOLT, a, c(limit), "")! }
        func above(_ limit: Float) -> IRValue { LLVMBuildFCmp(builder, LLVMRealOGT, a, c(limit), "")! }
        switch function {
        case .asin:
            // atan(x / √(1 − x²)); ±1 gives ±π/2 through atan(±∞), |x| > 1 NaN.
            return arctangent(fdiv(x, sqrt(fmul(fsub(one, x), fadd(one, x)))))
        case .acos:
            // 2·atan √((1 − x)/(1 + x)): accurate near 1, π at −1.
            return fmul(c(2), arctangent(sqrt(fdiv(fsub(one, x), fadd(one, x)))))
        case .sinh, .cosh:
            // e = e^|x|/2, as (h/2)·h with h = e^(|x|/2) past 88, where e^|x| alone
            // overflows but the result may not; sinh = e − 1/(4e), cosh = e + 1/(4e).
            let half = exp(fmul(a, c(0.5)))
            let e = LLVMBuildSelect(builder, above(88), fmul(fmul(half, c(0.5)), half), fmul(exp(a), c(0.5)), "")!
            let quarter = fdiv(c(0.25), e)
            if function == .cosh { return fadd(e, quarter) }
            // Near 0, e − 1/(4e) cancels: the series to a¹¹ instead.
            let small = series([1.0 / 6, 1.0 / 120, 1.0 / 5040, 1.0 / 362_880])
            return odd(LLVMBuildSelect(builder, below(0.5), small, fsub(e, quarter), ""))
        case .asinh:
            // ln(1 + a + a²/(1 + √(1 + a²))) for a = |x|, or ln 2a where a² would overflow.
            let general = logOnePlus(fadd(a, fdiv(fmul(a, a), fadd(one, sqrt(fmuladd(a, a, one))))))
            let huge = fadd(log(a), c(0.6931471805599453))
            return odd(LLVMBuildSelect(builder, above(1e9), huge, general, ""))
        case .acosh:
            // ln(1 + t + √(t(t + 2))) with t = x − 1 (exact near 1), ln 2x when huge;
            // x < 1 (or NaN) gives NaN.
            let t = fsub(x, one)
            let general = logOnePlus(fadd(t, sqrt(fmul(t, fadd(t, c(2))))))
            let huge = fadd(log(x), c(0.6931471805599453))
            let value = LLVMBuildSelect(builder, above(1e9), huge, general, "")!
            let outside = LLVMBuildFCmp(builder, LLVMRealULT, x, one, "")!
            return LLVMBuildSelect(builder, outside, c(.nan), value, "")
        default:
            // atanh: ½ ln(1 + 2a/(1 − a)) for a = |x|: ∞ at 1, NaN past it.
            return odd(fmul(c(0.5), logOnePlus(fdiv(fmul(c(2), a), fsub(one, a)))))
        }
    }

    /// ln(1 + y) without losing y's precision when y is small: Goldberg's
    /// ln(u)·y/(u − 1) with u = 1 + y rounded.
    private func logOnePlus(_ y: IRValue) -> IRValue {
        let one = constant(1, like: y)
        let u = fadd(one, y)
        let exact = LLVMBuildFCmp(builder, LLVMRealOEQ, u, one, "")!
        let infinite = LLVMBuildFCmp(builder, LLVMRealOEQ, u, constant(.infinity, like: y), "")!
        let corrected = fmul(log(u), fdiv(y, fsub(u, one)))
        return LLVMBuildSelect(builder, exact, y, LLVMBuildSelect(builder, infinite, u, corrected, ""), "")
    }
}
