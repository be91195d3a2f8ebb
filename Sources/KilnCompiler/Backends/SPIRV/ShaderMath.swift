// Pointwise math in shaders: the formulas of ElementwiseFunction and
// Expression over float32 values, with the CPU kernels' edge cases (NaN
// through max/min, tanh saturating, erf to float precision), and over
// float64 ones where the CPU computes them in float64 too (arithmetic,
// rounding, square roots, exp and log: ShaderFloat64.swift).

/// Emits pointwise formulas into one shader.
struct ShaderMath {
    let context: ShaderContext
    let builder: ShaderBuilder
    /// Whether float formulas compute in float64 rather than float32.
    var wide = false

    /// This math in float64.
    var inFloat64: ShaderMath {
        var math = self
        math.wide = true
        return math
    }

    // MARK: - Float operations in the formulas' precision

    /// The float type formulas compute in.
    var real: SPIRVID { wide ? builder.double : builder.float }
    func c(_ value: Double) -> SPIRVID { wide ? builder.d(value) : builder.f(Float(value)) }
    func add(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { builder.m.value(.fAdd, real, [x, y]) }
    func sub(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { builder.m.value(.fSub, real, [x, y]) }
    func mul(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { builder.m.value(.fMul, real, [x, y]) }
    func div(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { builder.m.value(.fDiv, real, [x, y]) }
    func fma(_ x: SPIRVID, _ y: SPIRVID, _ z: SPIRVID) -> SPIRVID { builder.m.glsl(.fma, real, [x, y, z]) }
    func glsl(_ instruction: GLSLInstruction, _ x: SPIRVID) -> SPIRVID { builder.m.glsl(instruction, real, [x]) }
    func select(_ condition: SPIRVID, _ x: SPIRVID, _ y: SPIRVID) -> SPIRVID { builder.m.value(.select, real, [condition, x, y]) }
    func negate(_ x: SPIRVID) -> SPIRVID { builder.m.value(.fNegate, real, [x]) }

    /// A formula whose result is a float.
    func float(_ expression: Expression, _ operands: [SPIRVID]) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let (value, isBool) = try floatOrBool(expression, operands)
        guard !isBool else { throw context.unsupported("a formula gives bool where \(wide ? "float64" : "float32") is needed") }
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
        case .constant(let value): return (c(value), false)
        case .unary(let function, let argument):
            let x = try float(argument, operands)
            switch function {
            case .isNaN: return (b.isNaN(x), true)
            case .isPositiveInfinity, .isNegativeInfinity:
                let infinite = b.m.value(.isInf, b.bool, [x])
                let side = b.m.value(function == .isPositiveInfinity ? .fOrdGreaterThan : .fOrdLessThan, b.bool, [x, c(0)])
                return (b.and(infinite, side), true)
            default: return (try unary(function, x), false)
            }
        case .binary(let op, let left, let right):
            return (try binary(op, float(left, operands), float(right, operands)), false)
        case .compare(let op, let left, let right):
            return (compare(op, try float(left, operands), try float(right, operands)), true)
        case .select(let condition, let whenTrue, let whenFalse):
            let (test, isBool) = try floatOrBool(condition, operands)
            let flag = isBool ? test : b.m.value(.fUnordNotEqual, b.bool, [test, c(0)])
            return (select(flag, try float(whenTrue, operands), try float(whenFalse, operands)), false)
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
        case .add: return add(x, y)
        case .subtract: return sub(x, y)
        case .multiply: return mul(x, y)
        case .divide: return div(x, y)
        case .maximum: return b.fmax(x, y, type: real)
        case .minimum: return b.fmin(x, y, type: real)
        case .remainder: return remainder(x, y)
        case .modulo:
            // Python's %: fmod's rest moved by one divisor where its sign differs from the divisor's.
            let rest = remainder(x, y)
            let signsDiffer = b.m.value(.logicalNotEqual, b.bool, [negative(rest), negative(y)])
            let adjust = b.and(b.m.value(.fOrdNotEqual, b.bool, [rest, c(0)]), signsDiffer)
            return select(adjust, add(rest, y), rest)
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight:
            throw context.unsupported("bitwise \(op) has no float meaning")
        }
    }

    func unary(_ function: UnaryFunction, _ x: SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let b = builder
        switch function {
        case .abs: return glsl(.fAbs, x)
        case .negate: return negate(x)
        case .floor: return glsl(.floor, x)
        case .ceil: return glsl(.ceil, x)
        case .roundToEven: return wide ? roundToEvenInFloat64(x) : glsl(.roundEven, x)
        case .sign:
            // As the CPU: −0 and NaN stay themselves (GLSL's FSign gives +0 and leaves NaN undefined).
            let positive = select(b.m.value(.fOrdGreaterThan, b.bool, [x, c(0)]), c(1), x)
            return select(b.m.value(.fOrdLessThan, b.bool, [x, c(0)]), c(-1), positive)
        case .reciprocal: return div(c(1), x)
        case .squareRoot: return glsl(.sqrt, x)
        default: break
        }
        // GLSL.std.450's transcendental functions take float32 only.
        if wide { return try unaryInFloat64(function, x) }
        switch function {
        case .abs, .negate, .floor, .ceil, .roundToEven, .sign, .reciprocal, .squareRoot:
            preconditionFailure("computed above in either precision")
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

    /// C's fmod, exact as the CPU's is (it works in float64): OpFRem is
    /// x − y·trunc(x/y) in float32 on lavapipe, so fmod(1e10, 3) gave 256,
    /// and it leaves a zero or infinite divisor and the sign of a zero
    /// result to the driver (NaN for y = ±∞ there). |x| is reduced by
    /// |y|·2ᵏ for k from the largest with |y|·2ᵏ ≤ |x| down to 0: each
    /// subtraction is exact (Sterbenz), one step per bit of the quotient,
    /// at most 278 for float32's exponents (2098 for float64's).
    private func remainder(_ x: SPIRVID, _ y: SPIRVID) -> SPIRVID {
        let b = builder
        let (magnitude, divisor) = (glsl(.fAbs, x), glsl(.fAbs, y))
        let infinity = c(.infinity)
        let finite = { (value: SPIRVID) in b.m.value(.fOrdLessThan, b.bool, [value, infinity]) }
        // NaN in either, an infinite dividend or a zero divisor: NaN; an infinite divisor: x.
        let regular = b.and(b.and(finite(magnitude), finite(divisor)), b.m.value(.fOrdGreaterThan, b.bool, [divisor, c(0)]))
        let scale = b.m.value(.iSub, b.uint, [exponent(magnitude), exponent(divisor)])
        let top = b.m.glsl(.ldexp, real, [divisor, scale])
        let over = b.m.value(.fOrdGreaterThan, b.bool, [top, magnitude])
        let steps = b.m.value(.select, b.uint, [over, scale, b.add(scale, 1)])
        let count = b.m.value(.select, b.uint, [regular, b.m.glsl(.sMax, b.uint, [steps, b.u(0)]), b.u(0)])
        let rest = b.variable(magnitude, of: real)
        let step = b.variable(select(over, mul(top, c(0.5)), top), of: real)
        let open = b.m.beginLoop(from: b.u(0), to: count, step: b.u(1))
        let (r, t) = (b.read(rest, of: real), b.read(step, of: real))
        b.write(rest, select(b.m.value(.fOrdLessThanEqual, b.bool, [t, r]), sub(r, t), r))
        b.write(step, mul(t, c(0.5)))
        b.m.endLoop(open)
        let result = copySign(b.read(rest, of: real), x)
        let infiniteDivisor = b.and(finite(magnitude), b.m.value(.fOrdEqual, b.bool, [divisor, infinity]))
        return select(regular, result, select(infiniteDivisor, x, c(.nan)))
    }

    /// ⌊log₂ v⌋ of a finite v > 0 as a signed word, subnormals included.
    private func exponent(_ v: SPIRVID) -> SPIRVID {
        let b = builder
        if wide { return exponentInFloat64(v) }
        let bits = b.m.value(.bitcast, b.uint, [v])
        let field = b.m.value(.bitwiseAnd, b.uint, [b.m.value(.shiftRightLogical, b.uint, [bits, b.u(23)]), b.u(0xFF)])
        let subnormal = b.m.glsl(.findUMsb, b.uint, [b.m.value(.bitwiseAnd, b.uint, [bits, b.u(0x7F_FFFF)])])
        return b.m.value(
            .select, b.uint,
            [b.m.value(.iEqual, b.bool, [field, b.u(0)]), b.sub(subnormal, 149), b.sub(field, 127)])
    }

    private func negative(_ x: SPIRVID) -> SPIRVID { builder.m.value(.fOrdLessThan, builder.bool, [x, c(0)]) }

    /// |magnitude| with the sign bit of `sign`.
    private func copySign(_ magnitude: SPIRVID, _ sign: SPIRVID) -> SPIRVID {
        let b = builder
        if wide { return copySignInFloat64(magnitude, sign) }
        let bits = { (value: SPIRVID) in b.m.value(.bitcast, b.uint, [value]) }
        let kept = b.m.value(.bitwiseAnd, b.uint, [bits(magnitude), b.m.constant(UInt32(0x7FFF_FFFF))])
        let signBit = b.m.value(.bitwiseAnd, b.uint, [bits(sign), b.m.constant(UInt32(0x8000_0000))])
        return b.m.value(.bitcast, b.float, [b.m.value(.bitwiseOr, b.uint, [kept, signBit])])
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
