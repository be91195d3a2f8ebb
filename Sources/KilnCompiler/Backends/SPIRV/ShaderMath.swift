// Pointwise math in shaders: the formulas of ElementwiseFunction and
// Expression over float32 values, with the CPU kernels' edge cases (NaN
// through max/min, tanh saturating, erf to float precision).

/// Emits pointwise formulas into one shader.
struct ShaderMath {
    let context: ShaderContext
    let builder: ShaderBuilder

    /// A formula whose result is a float.
    func float(_ expression: Expression, _ operands: [SPIRVID]) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let (value, isBool) = try floatOrBool(expression, operands)
        guard !isBool else { throw context.unsupported("a formula gives bool where float32 is needed") }
        return value
    }

    /// The value and whether it is a bool (comparisons and the float tests).
    func floatOrBool(
        _ expression: Expression, _ operands: [SPIRVID]
    ) throws(ShaderLowering.Unsupported) -> (SPIRVID, Bool) {
        let b = builder
        switch expression {
        case .operand(let index):
            guard operands.indices.contains(index) else { throw context.unsupported("a formula reads operand \(index) of \(operands.count)") }
            return (operands[index], false)
        case .constant(let value): return (b.f(Float(value)), false)
        case .unary(let function, let argument):
            let x = try float(argument, operands)
            switch function {
            case .isNaN: return (b.isNaN(x), true)
            case .isPositiveInfinity, .isNegativeInfinity:
                let infinite = b.m.value(.isInf, b.bool, [x])
                let side = b.m.value(function == .isPositiveInfinity ? .fOrdGreaterThan : .fOrdLessThan, b.bool, [x, b.f(0)])
                return (b.and(infinite, side), true)
            default: return (try unary(function, x), false)
            }
        case .binary(let op, let left, let right):
            return (try binary(op, float(left, operands), float(right, operands)), false)
        case .compare(let op, let left, let right):
            return (compare(op, try float(left, operands), try float(right, operands)), true)
        case .select(let condition, let whenTrue, let whenFalse):
            let (test, isBool) = try floatOrBool(condition, operands)
            let flag = isBool ? test : b.m.value(.fUnordNotEqual, b.bool, [test, b.f(0)])
            return (b.select(flag, try float(whenTrue, operands), try float(whenFalse, operands)), false)
        }
    }

    /// `x op y` as a bool, ordered: false when either is NaN.
    func compare(_ op: ComparisonOperator, _ x: SPIRVID, _ y: SPIRVID) -> SPIRVID {
        let code: SPIRVOp =
            switch op {
            case .equal: .fOrdEqual
            case .less: .fOrdLessThan
            case .lessOrEqual: .fOrdLessThanEqual
            case .greater: .fOrdGreaterThan
            case .greaterOrEqual: .fOrdGreaterThanEqual
            }
        return builder.m.value(code, builder.bool, [x, y])
    }

    func binary(_ op: BinaryOperator, _ x: SPIRVID, _ y: SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let b = builder
        switch op {
        case .add: return b.fadd(x, y)
        case .subtract: return b.fsub(x, y)
        case .multiply: return b.fmul(x, y)
        case .divide: return b.fdiv(x, y)
        case .maximum: return b.fmax(x, y)
        case .minimum: return b.fmin(x, y)
        // OpFRem takes the dividend's sign (C's fmod), OpFMod the divisor's (Python's %).
        case .remainder: return b.m.value(.fRem, b.float, [x, y])
        case .modulo: return b.m.value(.fMod, b.float, [x, y])
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight:
            throw context.unsupported("bitwise \(op) has no float32 meaning")
        }
    }

    func unary(_ function: UnaryFunction, _ x: SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let b = builder
        switch function {
        case .abs: return b.glsl(.fAbs, x)
        case .negate: return b.m.value(.fNegate, b.float, [x])
        case .floor: return b.glsl(.floor, x)
        case .ceil: return b.glsl(.ceil, x)
        case .roundToEven: return b.glsl(.roundEven, x)
        case .sign: return b.glsl(.fSign, x)
        case .reciprocal: return b.fdiv(b.f(1), x)
        case .squareRoot: return b.glsl(.sqrt, x)
        case .exp: return b.glsl(.exp, x)
        case .log: return b.glsl(.log, x)
        case .erf: return erf(x)
        // tanh(±9) rounds to ±1 in float32; clamping first keeps drivers
        // that compute it from exponentials away from ∞/∞.
        case .tanh: return b.glsl(.tanh, clamp(x, 9))
        case .sigmoid:
            return b.fdiv(b.f(1), b.fadd(b.f(1), b.glsl(.exp, b.m.value(.fNegate, b.float, [x]))))
        case .sin: return b.glsl(.sin, x)
        case .cos: return b.glsl(.cos, x)
        case .tan: return b.glsl(.tan, x)
        case .asin: return b.glsl(.asin, x)
        case .acos: return b.glsl(.acos, x)
        case .atan: return b.glsl(.atan, x)
        case .sinh: return b.glsl(.sinh, x)
        case .cosh: return b.glsl(.cosh, x)
        case .asinh: return b.glsl(.asinh, x)
        case .acosh: return b.glsl(.acosh, x)
        case .atanh: return b.glsl(.atanh, x)
        case .bitwiseNot, .isNaN, .isPositiveInfinity, .isNegativeInfinity:
            throw context.unsupported("\(function) has no float32 result")
        }
    }

    /// x limited to [−limit, limit], NaN kept.
    private func clamp(_ x: SPIRVID, _ limit: Float) -> SPIRVID {
        let b = builder
        let low = b.select(b.m.value(.fOrdLessThan, b.bool, [x, b.f(-limit)]), b.f(-limit), x)
        return b.select(b.m.value(.fOrdGreaterThan, b.bool, [low, b.f(limit)]), b.f(limit), low)
    }

    /// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7):
    /// GLSL has no erf.
    private func erf(_ x: SPIRVID) -> SPIRVID {
        let b = builder
        let magnitude = b.glsl(.fAbs, x)
        let t = b.fdiv(b.f(1), b.fma(b.f(0.327_591_1), magnitude, b.f(1)))
        var polynomial = b.f(1.061_405_429)
        for coefficient: Float in [-1.453_152_027, 1.421_413_741, -0.284_496_736, 0.254_829_592] {
            polynomial = b.fma(polynomial, t, b.f(coefficient))
        }
        polynomial = b.fmul(polynomial, t)
        let decay = b.glsl(.exp, b.m.value(.fNegate, b.float, [b.fmul(magnitude, magnitude)]))
        let value = b.fsub(b.f(1), b.fmul(polynomial, decay))
        return b.fmul(b.glsl(.fSign, x), value)
    }
}
