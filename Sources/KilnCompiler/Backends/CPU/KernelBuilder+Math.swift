// Pointwise formulas (IR `Expression`) and the functions they use, written
// once as LLVM IR: rounding and square roots as intrinsics that lower to
// single instructions, transcendental functions as float32 range reduction
// plus a polynomial, inline, so loops using them still vectorize and the
// compiled model calls no libm function.

import CLLVM

extension KernelBuilder {
    /// `expression` over `operands` (compute values), in `dtype`'s compute type.
    func evaluate(_ expression: Expression, _ operands: [IRValue], _ dtype: DType) -> IRValue {
        switch expression {
        case .operand(let index): return operands[index]
        case .constant(let value): return constant(value, dtype)
        case .unary(let function, let x): return apply(function, evaluate(x, operands, dtype), dtype)
        case .binary(let op, let a, let b):
            return arithmetic(op, evaluate(a, operands, dtype), evaluate(b, operands, dtype), dtype)
        case .compare(let op, let a, let b):
            return compare(op, evaluate(a, operands, dtype), evaluate(b, operands, dtype), dtype)
        case .select(let condition, let a, let b):
            return select(
                evaluate(condition, operands, dtype), evaluate(a, operands, dtype), evaluate(b, operands, dtype))
        }
    }

    /// `function(x)` in `dtype`'s compute type.
    func apply(_ function: UnaryFunction, _ x: IRValue, _ dtype: DType) -> IRValue {
        let zero = constant(0, dtype)
        if !dtype.isFloatingPoint {
            switch function {
            case .abs:
                return dtype.isSignedInteger
                    ? select(compare(.less, x, zero, dtype), LLVMBuildSub(builder, zero, x, "")!, x) : x
            case .negate: return LLVMBuildSub(builder, zero, x, "")
            case .bitwiseNot: return LLVMBuildNot(builder, x, "")
            case .sign:
                let positive = select(compare(.greater, x, zero, dtype), constant(1, dtype), zero)
                return dtype.isSignedInteger ? select(compare(.less, x, zero, dtype), constant(-1, dtype), positive) : positive
            default:
                // Floor, ceil and round of an integer are the integer; the op
                // definitions allow only the functions that make sense here.
                return x
            }
        }
        switch function {
        case .abs: return intrinsic("llvm.fabs.f32", [x])
        case .negate: return LLVMBuildFNeg(builder, x, "")
        case .floor: return intrinsic("llvm.floor.f32", [x])
        case .ceil: return intrinsic("llvm.ceil.f32", [x])
        case .roundToEven: return intrinsic("llvm.roundeven.f32", [x])
        case .sign:
            // NaN stays NaN: it is neither greater nor less than zero.
            let positive = select(compare(.greater, x, zero, dtype), constant(1, dtype), x)
            return select(compare(.less, x, zero, dtype), constant(-1, dtype), positive)
        case .reciprocal: return fdiv(constant(1, dtype), x)
        case .squareRoot: return intrinsic("llvm.sqrt.f32", [x])
        case .exp: return exp(x)
        case .log: return log(x)
        case .erf: return erf(x)
        case .tanh: return apply(Activation.tanh, x)
        case .sigmoid: return apply(Activation.sigmoid, x)
        case .sin, .cos, .tan: return trigonometric(function, x)
        case .atan: return arctangent(x)
        case .asin, .acos, .sinh, .cosh, .asinh, .acosh, .atanh: return inverseOrHyperbolic(function, x)
        case .bitwiseNot: preconditionFailure("bitwise not is defined on integers only (checked by the op)")
        case .isNaN: return LLVMBuildFCmp(builder, LLVMRealUNO, x, x, "")
        case .isPositiveInfinity: return LLVMBuildFCmp(builder, LLVMRealOEQ, x, constant(.infinity, dtype), "")
        case .isNegativeInfinity: return LLVMBuildFCmp(builder, LLVMRealOEQ, x, constant(-.infinity, dtype), "")
        }
    }

    /// ln x (float32) by Cephes' logf: split off the exponent, a degree-8
    /// polynomial on the mantissa in [√½, √2); ln 0 = -∞, ln of a negative or
    /// NaN is NaN, ln ∞ = ∞. Subnormals are scaled into the normal range first.
    func log(_ input: IRValue) -> IRValue {
        if isDouble(input) { return log64(input) }
        func c(_ value: Float) -> IRValue { constant(value, like: input) }
        let type = LLVMTypeOf(input)!
        let integerType = LLVMGetTypeKind(type) == LLVMVectorTypeKind ? LLVMVectorType(i32, LLVMGetVectorSize(type))! : i32
        func integer(_ value: Int32) -> IRValue {
            let scalar = LLVMConstInt(i32, UInt64(UInt32(bitPattern: value)), 0)!
            guard LLVMGetTypeKind(type) == LLVMVectorTypeKind else { return scalar }
            var lanes: [IRValue?] = Array(repeating: scalar, count: Int(LLVMGetVectorSize(type)))
            return LLVMConstVector(&lanes, UInt32(lanes.count))
        }
        // Scale subnormals by 2^23 so the exponent field is meaningful.
        let subnormal = LLVMBuildFCmp(builder, LLVMRealOLT, input, c(Float.leastNormalMagnitude), "")!
        let x = LLVMBuildSelect(builder, subnormal, fmul(input, c(8388608)), input, "")!
        let bits = LLVMBuildBitCast(builder, x, integerType, "")!
        let exponentBits = LLVMBuildAnd(builder, LLVMBuildLShr(builder, bits, integer(23), ""), integer(0xff), "")!
        var e = LLVMBuildSIToFP(builder, LLVMBuildSub(builder, exponentBits, integer(126), ""), type, "")!
        e = LLVMBuildSelect(builder, subnormal, fsub(e, c(23)), e, "")
        // The mantissa as a float in [0.5, 1).
        let mantissaBits = LLVMBuildOr(
            builder, LLVMBuildAnd(builder, bits, integer(Int32(bitPattern: 0x807f_ffff)), ""), integer(0x3f00_0000), "")
        var m = LLVMBuildBitCast(builder, mantissaBits, type, "")!
        let small = LLVMBuildFCmp(builder, LLVMRealOLT, m, c(0.707106781186547524), "")!
        e = LLVMBuildSelect(builder, small, fsub(e, c(1)), e, "")
        m = LLVMBuildSelect(builder, small, fsub(fadd(m, m), c(1)), fsub(m, c(1)), "")
        let z = fmul(m, m)
        var y = c(7.0376836292e-2)
        for coefficient: Float in [
            -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
            2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
        ] {
            y = fmuladd(y, m, c(coefficient))
        }
        y = fmul(fmul(y, m), z)
        y = fmuladd(e, c(-2.12194440e-4), y)
        y = fmuladd(z, c(-0.5), y)
        var result = fmuladd(e, c(0.693359375), fadd(m, y))
        // Special values, in the order that lets each one win.
        let infinite = LLVMBuildFCmp(builder, LLVMRealOEQ, input, c(.infinity), "")!
        result = LLVMBuildSelect(builder, infinite, c(.infinity), result, "")
        let isZero = LLVMBuildFCmp(builder, LLVMRealOEQ, input, c(0), "")!
        result = LLVMBuildSelect(builder, isZero, c(-.infinity), result, "")
        let invalid = LLVMBuildFCmp(builder, LLVMRealULT, input, c(0), "")!  // negative or NaN
        return LLVMBuildSelect(builder, invalid, c(.nan), result, "")
    }

    /// erf x (float32) by Abramowitz and Stegun 7.1.26, absolute error below
    /// 1.5e-7: erf x = sign(x)·(1 − t·P(t)·e^{−x²}), t = 1/(1 + p|x|).
    func erf(_ x: IRValue) -> IRValue {
        func c(_ value: Float) -> IRValue { constant(value, like: x) }
        let magnitude = intrinsic("llvm.fabs.f32", [x])
        let t = fdiv(c(1), fmuladd(magnitude, c(0.3275911), c(1)))
        var p = c(1.061405429)
        for coefficient: Float in [-1.453152027, 1.421413741, -0.284496736, 0.254829592] {
            p = fmuladd(p, t, c(coefficient))
        }
        let tail = fmul(fmul(p, t), exp(fsub(c(0), fmul(x, x))))
        let value = fsub(c(1), tail)
        let negative = LLVMBuildFCmp(builder, LLVMRealOLT, x, c(0), "")!
        // NaN in, NaN out: the selects above pass it through `value`.
        return LLVMBuildSelect(builder, negative, LLVMBuildFNeg(builder, value, ""), value, "")
    }
}
