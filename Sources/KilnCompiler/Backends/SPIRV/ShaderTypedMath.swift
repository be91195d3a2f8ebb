// Pointwise math on elements of every computed dtype (float32, float64, the
// integers of up to 32 bits, int64, bool), with the CPU kernels' rules
// (KernelBuilder+Types): integers wrap at their own width, a division by
// zero gives 0, float-to-integer conversions saturate with NaN to 0.
//
// int64 and uint64 are computed as two 32-bit words, since a device need
// not support 64-bit integers in shaders (shaderInt64 is optional):
// products from OpUMulExtended, quotients and remainders by long division,
// shifts across the word boundary.

extension ShaderMath {
    private var b: ShaderBuilder { builder }

    // MARK: - Formulas

    /// `expression` over `operands`, computed in `dtype` (operand 0's, as on the CPU).
    func evaluate(_ expression: Expression, _ operands: [ShaderScalar], _ dtype: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        if ShaderValueKind(dtype) == .float {
            let floats = try operands.map { value throws(ShaderLowering.Unsupported) in try float(value) }
            // IsNaN and IsInf give bool.
            let (value, isBool) = try floatOrBool(expression, floats)
            return isBool ? .bool(value) : .float(value)
        }
        if ShaderValueKind(dtype) == .double {
            let doubles = try operands.map { value throws(ShaderLowering.Unsupported) in try double(value) }
            let (value, isBool) = try inFloat64.floatOrBool(expression, doubles)
            return isBool ? .bool(value) : .double(value)
        }
        switch expression {
        case .operand(let index):
            guard operands.indices.contains(index) else { throw context.unsupported("a formula reads operand \(index) of \(operands.count)") }
            return operands[index]
        case .constant(let value): return try constant(value, dtype)
        case .unary(let function, let x): return try unary(function, evaluate(x, operands, dtype), dtype)
        case .binary(let op, let x, let y):
            return try arithmetic(op, evaluate(x, operands, dtype), evaluate(y, operands, dtype), dtype)
        case .compare(let op, let x, let y):
            return .bool(try compare(op, evaluate(x, operands, dtype), evaluate(y, operands, dtype), dtype))
        case .select(let condition, let x, let y):
            return try select(evaluate(condition, operands, dtype), evaluate(x, operands, dtype), evaluate(y, operands, dtype))
        }
    }

    /// The float a float32 element holds.
    func float(_ value: ShaderScalar) throws(ShaderLowering.Unsupported) -> SPIRVID {
        guard case .float(let x) = value else { throw context.unsupported("a float32 formula reads a value that is not float32") }
        return x
    }

    /// `condition ? x : y`, the condition bool.
    func select(_ condition: ShaderScalar, _ x: ShaderScalar, _ y: ShaderScalar) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        guard case .bool(let flag) = condition, let chosen = b.select(flag, x, y) else {
            throw context.unsupported("a select needs a bool condition and two values of one type")
        }
        return chosen
    }

    /// `value` as a compute value of `dtype`.
    func constant(_ value: Double, _ dtype: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        if ShaderValueKind(dtype) == .float { return .float(b.f(Float(value))) }
        if ShaderValueKind(dtype) == .double { return .double(b.d(value)) }
        // uint64 constants reach 2⁶⁴ − 1; every other integer fits int64.
        let fits = dtype == .uint64 ? value >= 0 && value < 0x1p64 : abs(value) < 0x1p63
        guard value.isFinite, value.rounded() == value, fits else {
            throw context.unsupported("the constant \(value) is not a \(dtype)")
        }
        let bits = value >= 0x1p63 ? UInt64(value) : UInt64(bitPattern: Int64(value))
        switch ShaderValueKind(dtype) {
        case .int: return .int(normalized(b.u(Int(truncatingIfNeeded: bits)), dtype))
        case .long: return .long(low: b.m.constant(UInt32(truncatingIfNeeded: bits)), high: b.m.constant(UInt32(truncatingIfNeeded: bits >> 32)))
        // As LLVMConstInt(i1, …) on the CPU: the low bit.
        case .bool: return .bool(b.m.constant(bits & 1 != 0))
        case .float, .double, .bits: throw context.unsupported("a value in \(dtype) has no SPIR-V lowering")
        }
    }

    // MARK: - Comparisons and logic

    /// `x op y` as a bool: floats ordered (false when either is NaN),
    /// integers signed or not as `dtype` is.
    func compare(_ op: ComparisonOperator, _ x: ShaderScalar, _ y: ShaderScalar, _ dtype: DType) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let signed = dtype.isSignedInteger
        switch (x, y) {
        case (.float(let x), .float(let y)), (.double(let x), .double(let y)): return compare(op, x, y)
        case (.int(let x), .int(let y)): return integerCompare(op, x, y, signed: signed)
        case (.bool(let x), .bool(let y)):
            // false < true, as the CPU compares i1 unsigned.
            return integerCompare(op, b.oneOrZero(x), b.oneOrZero(y), signed: false)
        case (.long(let xl, let xh), .long(let yl, let yh)):
            let highEqual = b.m.value(.iEqual, b.bool, [xh, yh])
            if op == .equal { return b.and(highEqual, b.m.value(.iEqual, b.bool, [xl, yl])) }
            // The high words decide unless equal; then the low words, unsigned.
            let strict: ComparisonOperator = op == .less || op == .lessOrEqual ? .less : .greater
            let byHigh = integerCompare(strict, xh, yh, signed: signed)
            let byLow = integerCompare(op, xl, yl, signed: false)
            return b.m.value(.logicalOr, b.bool, [byHigh, b.and(highEqual, byLow)])
        default: throw context.unsupported("a comparison of \(dtype) operands has no SPIR-V lowering")
        }
    }

    private func integerCompare(_ op: ComparisonOperator, _ x: SPIRVID, _ y: SPIRVID, signed: Bool) -> SPIRVID {
        let code: SPIRVOp =
            switch op {
            case .equal: .iEqual
            case .less: signed ? .sLessThan : .uLessThan
            case .lessOrEqual: signed ? .sLessThanEqual : .uLessThanEqual
            case .greater: signed ? .sGreaterThan : .uGreaterThan
            case .greaterOrEqual: signed ? .sGreaterThanEqual : .uGreaterThanEqual
            }
        return b.m.value(code, b.bool, [x, y])
    }

    func logical(_ op: LogicalOperator, _ x: ShaderScalar, _ y: ShaderScalar) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        guard case .bool(let x) = x, case .bool(let y) = y else { throw context.unsupported("bool logic needs bool operands") }
        let code: SPIRVOp =
            switch op {
            case .and: .logicalAnd
            case .or: .logicalOr
            case .xor: .logicalNotEqual
            }
        return .bool(b.m.value(code, b.bool, [x, y]))
    }

    func not(_ x: ShaderScalar) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        guard case .bool(let x) = x else { throw context.unsupported("Not needs a bool operand") }
        return .bool(b.m.value(.logicalNot, b.bool, [x]))
    }

    // MARK: - Integer arithmetic

    /// `x op y` in `dtype`.
    func arithmetic(_ op: BinaryOperator, _ x: ShaderScalar, _ y: ShaderScalar, _ dtype: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        switch (x, y) {
        case (.float(let x), .float(let y)): return .float(try binary(op, x, y))
        case (.double(let x), .double(let y)): return .double(try inFloat64.binary(op, x, y))
        case (.int(let x), .int(let y)): return .int(try integer(op, x, y, dtype))
        case (.long(let xl, let xh), .long(let yl, let yh)): return try long(op, (xl, xh), (yl, yh), dtype)
        default: throw context.unsupported("\(op) of \(dtype) operands has no SPIR-V lowering")
        }
    }

    /// The low `dtype` bits of `word`, sign- or zero-extended again, so a
    /// narrow integer wraps at its own width.
    func normalized(_ word: SPIRVID, _ dtype: DType) -> SPIRVID {
        let bits = 8 * dtype.byteSize
        guard bits < 32 else { return word }
        return b.m.value(dtype.isSignedInteger ? .bitFieldSExtract : .bitFieldUExtract, b.uint, [word, b.u(0), b.u(bits)])
    }

    private func integer(_ op: BinaryOperator, _ x: SPIRVID, _ y: SPIRVID, _ dtype: DType) throws(ShaderLowering.Unsupported) -> SPIRVID {
        let signed = dtype.isSignedInteger
        let bits = 8 * dtype.byteSize
        switch op {
        case .add: return normalized(b.m.value(.iAdd, b.uint, [x, y]), dtype)
        case .subtract: return normalized(b.m.value(.iSub, b.uint, [x, y]), dtype)
        case .multiply: return normalized(b.m.value(.iMul, b.uint, [x, y]), dtype)
        case .maximum: return b.m.glsl(signed ? .sMax : .uMax, b.uint, [x, y])
        case .minimum: return b.m.glsl(signed ? .sMin : .uMin, b.uint, [x, y])
        case .bitwiseAnd: return b.m.value(.bitwiseAnd, b.uint, [x, y])
        case .bitwiseOr: return b.m.value(.bitwiseOr, b.uint, [x, y])
        case .bitwiseXor: return b.m.value(.bitwiseXor, b.uint, [x, y])
        case .shiftLeft, .shiftRight:
            // A shift by the width or more (or a negative amount, huge unsigned)
            // leaves only the sign fill, as on the CPU; SPIR-V leaves it undefined.
            let amount = b.m.value(.bitFieldUExtract, b.uint, [y, b.u(0), b.u(bits)])
            let tooFar = b.m.value(.uGreaterThanEqual, b.bool, [amount, b.u(bits)])
            let safe = b.m.value(.select, b.uint, [tooFar, b.u(0), amount])
            let signedRight = op == .shiftRight && signed
            let shifted =
                op == .shiftLeft
                ? normalized(b.m.value(.shiftLeftLogical, b.uint, [x, safe]), dtype)
                : b.m.value(signedRight ? .shiftRightArithmetic : .shiftRightLogical, b.uint, [x, safe])
            let fill = signedRight ? b.m.value(.shiftRightArithmetic, b.uint, [x, b.u(31)]) : b.u(0)
            return b.m.value(.select, b.uint, [tooFar, fill, shifted])
        case .divide, .remainder, .modulo:
            var unsafe = b.m.value(.iEqual, b.bool, [y, b.u(0)])
            if signed {
                // The type's minimum over −1 overflows; the CPU gives 0.
                let minimum = normalized(b.u(1 << (bits - 1)), dtype)
                let overflow = b.and(b.m.value(.iEqual, b.bool, [x, minimum]), b.m.value(.iEqual, b.bool, [y, b.u(-1)]))
                unsafe = b.m.value(.logicalOr, b.bool, [unsafe, overflow])
            }
            let divisor = b.m.value(.select, b.uint, [unsafe, b.u(1), y])
            var result: SPIRVID
            if op == .divide {
                result = b.m.value(signed ? .sDiv : .uDiv, b.uint, [x, divisor])
            } else {
                if signed {
                    // C's %: the magnitudes' remainder with the dividend's sign.
                    // Not OpSRem: Vulkan leaves it undefined for negative operands.
                    func magnitude(_ v: SPIRVID) -> SPIRVID {
                        b.m.value(.select, b.uint, [b.m.value(.sLessThan, b.bool, [v, b.u(0)]), b.m.value(.sNegate, b.uint, [v]), v])
                    }
                    let rest = b.m.value(.uMod, b.uint, [magnitude(x), magnitude(divisor)])
                    let negative = b.m.value(.sLessThan, b.bool, [x, b.u(0)])
                    result = b.m.value(.select, b.uint, [negative, b.m.value(.sNegate, b.uint, [rest]), rest])
                } else {
                    result = b.m.value(.uMod, b.uint, [x, divisor])
                }
                if op == .modulo && signed {
                    // A remainder whose sign differs from the divisor's moves by one divisor.
                    let nonzero = b.m.value(.iNotEqual, b.bool, [result, b.u(0)])
                    let signsDiffer = b.m.value(.sLessThan, b.bool, [b.m.value(.bitwiseXor, b.uint, [result, y]), b.u(0)])
                    result = b.m.value(.select, b.uint, [b.and(nonzero, signsDiffer), b.m.value(.iAdd, b.uint, [result, y]), result])
                }
            }
            return b.m.value(.select, b.uint, [unsafe, b.u(0), result])
        }
    }

    private typealias Words = (low: SPIRVID, high: SPIRVID)

    private func long(_ op: BinaryOperator, _ x: Words, _ y: Words, _ dtype: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        func words(_ code: SPIRVOp) -> ShaderScalar {
            .long(low: b.m.value(code, b.uint, [x.low, y.low]), high: b.m.value(code, b.uint, [x.high, y.high]))
        }
        switch op {
        case .add: return add(x, y)
        case .subtract: return add(x, negate(y))
        case .multiply:
            // (xh·2³² + xl)(yh·2³² + yl) mod 2⁶⁴: the full low product and the cross terms' low words.
            let pair = b.m.structType([b.uint, b.uint])
            let product = b.m.value(.uMulExtended, pair, [x.low, y.low])
            let carried = b.m.value(.compositeExtract, b.uint, [product], literals: [1])
            let cross = b.m.value(.iAdd, b.uint, [b.m.value(.iMul, b.uint, [x.low, y.high]), b.m.value(.iMul, b.uint, [x.high, y.low])])
            return .long(low: b.m.value(.compositeExtract, b.uint, [product], literals: [0]), high: b.m.value(.iAdd, b.uint, [carried, cross]))
        case .maximum, .minimum:
            let greater = try compare(.greater, .long(low: x.low, high: x.high), .long(low: y.low, high: y.high), dtype)
            let (first, second): (Words, Words) = op == .maximum ? (x, y) : (y, x)
            return .long(
                low: b.m.value(.select, b.uint, [greater, first.low, second.low]),
                high: b.m.value(.select, b.uint, [greater, first.high, second.high]))
        case .bitwiseAnd: return words(.bitwiseAnd)
        case .bitwiseOr: return words(.bitwiseOr)
        case .bitwiseXor: return words(.bitwiseXor)
        case .divide, .remainder, .modulo: return try divide(op, x, y, dtype)
        case .shiftLeft, .shiftRight: return shift(op, x, y, signed: dtype.isSignedInteger)
        }
    }

    /// x shifted by y (both 64-bit) across the word boundary; a shift by 64
    /// or more (or a negative amount, huge unsigned) leaves only the sign
    /// fill, as on the CPU. SPIR-V leaves shifts by a word's width or more
    /// undefined, so every shift amount here stays below 32.
    private func shift(_ op: BinaryOperator, _ x: Words, _ y: Words, signed: Bool) -> ShaderScalar {
        let tooFar = b.m.value(
            .logicalOr, b.bool, [b.m.value(.iNotEqual, b.bool, [y.high, b.u(0)]), b.m.value(.uGreaterThanEqual, b.bool, [y.low, b.u(64)])])
        let amount = b.m.value(.bitwiseAnd, b.uint, [y.low, b.u(63)])
        let whole = b.m.value(.uGreaterThanEqual, b.bool, [amount, b.u(32)])  // a word or more
        let within = b.m.value(.bitwiseAnd, b.uint, [amount, b.u(31)])
        let none = b.m.value(.iEqual, b.bool, [within, b.u(0)])
        // The bits that cross the boundary; none when the amount within a word is 0.
        let back = b.m.value(.iSub, b.uint, [b.u(32), b.m.value(.select, b.uint, [none, b.u(1), within])])
        func select(_ condition: SPIRVID, _ a: SPIRVID, _ c: SPIRVID) -> SPIRVID { b.m.value(.select, b.uint, [condition, a, c]) }
        let signedRight = op == .shiftRight && signed
        let fill = signedRight ? b.m.value(.shiftRightArithmetic, b.uint, [x.high, b.u(31)]) : b.u(0)
        var low: SPIRVID, high: SPIRVID
        if op == .shiftLeft {
            let shiftedLow = b.m.value(.shiftLeftLogical, b.uint, [x.low, within])
            let crossing = select(none, b.u(0), b.m.value(.shiftRightLogical, b.uint, [x.low, back]))
            let shiftedHigh = b.m.value(.bitwiseOr, b.uint, [b.m.value(.shiftLeftLogical, b.uint, [x.high, within]), crossing])
            (low, high) = (select(whole, b.u(0), shiftedLow), select(whole, shiftedLow, shiftedHigh))
        } else {
            let highShift: SPIRVOp = signedRight ? .shiftRightArithmetic : .shiftRightLogical
            let shiftedHigh = b.m.value(highShift, b.uint, [x.high, within])
            let crossing = select(none, b.u(0), b.m.value(.shiftLeftLogical, b.uint, [x.high, back]))
            let shiftedLow = b.m.value(.bitwiseOr, b.uint, [b.m.value(.shiftRightLogical, b.uint, [x.low, within]), crossing])
            (low, high) = (select(whole, shiftedHigh, shiftedLow), select(whole, fill, shiftedHigh))
        }
        return .long(low: select(tooFar, fill, low), high: select(tooFar, fill, high))
    }

    /// x / y, x % y (the dividend's sign) or x mod y (the divisor's sign), in
    /// 64 steps of long division on the magnitudes; division by zero and the
    /// minimum over −1 give 0, as on the CPU.
    private func divide(_ op: BinaryOperator, _ x: Words, _ y: Words, _ dtype: DType) throws(ShaderLowering.Unsupported)
        -> ShaderScalar
    {
        let signed = dtype.isSignedInteger
        func isZero(_ v: Words) -> SPIRVID {
            b.m.value(.iEqual, b.bool, [b.m.value(.bitwiseOr, b.uint, [v.low, v.high]), b.u(0)])
        }
        func negative(_ v: Words) -> SPIRVID {
            signed ? b.m.value(.sLessThan, b.bool, [v.high, b.u(0)]) : b.m.constant(false)
        }
        func choose(_ condition: SPIRVID, _ a: Words, _ c: Words) -> Words {
            (b.m.value(.select, b.uint, [condition, a.low, c.low]), b.m.value(.select, b.uint, [condition, a.high, c.high]))
        }
        var unsafe = isZero(y)
        if signed {
            let minimum = b.and(b.m.value(.iEqual, b.bool, [x.low, b.u(0)]), b.m.value(.iEqual, b.bool, [x.high, b.u(1 << 31)]))
            let minusOne = b.and(
                b.m.value(.iEqual, b.bool, [y.low, b.u(-1)]), b.m.value(.iEqual, b.bool, [y.high, b.u(-1)]))
            unsafe = b.m.value(.logicalOr, b.bool, [unsafe, b.and(minimum, minusOne)])
        }
        let (xNegative, yNegative) = (negative(x), negative(y))
        let n = choose(xNegative, negate(x), x)
        let d = choose(yNegative, negate(y), choose(unsafe, (b.u(1), b.u(0)), y))
        // Long division: the remainder takes the dividend's bits from the top, the quotient a bit per step.
        let (qLow, qHigh, rLow, rHigh) = (b.wordVariable(b.u(0)), b.wordVariable(b.u(0)), b.wordVariable(b.u(0)), b.wordVariable(b.u(0)))
        b.loop(64) { step in
            let position = b.m.value(.iSub, b.uint, [b.u(63), step])
            let upper = b.m.value(.uGreaterThanEqual, b.bool, [position, b.u(32)])
            let bitIndex = b.m.value(.bitwiseAnd, b.uint, [position, b.u(31)])
            let source = b.m.value(.select, b.uint, [upper, n.high, n.low])
            let bit = b.m.value(.bitwiseAnd, b.uint, [b.m.value(.shiftRightLogical, b.uint, [source, bitIndex]), b.u(1)])
            let (low, high) = (b.readWord(rLow), b.readWord(rHigh))
            let shiftedHigh = b.m.value(
                .bitwiseOr, b.uint,
                [b.m.value(.shiftLeftLogical, b.uint, [high, b.u(1)]), b.m.value(.shiftRightLogical, b.uint, [low, b.u(31)])])
            let shiftedLow = b.m.value(.bitwiseOr, b.uint, [b.m.value(.shiftLeftLogical, b.uint, [low, b.u(1)]), bit])
            // r ≥ d, unsigned. r is at most the dividend's bits taken so far,
            // below 2⁶³ before the last step, so r shifted left stays below 2⁶⁴.
            let fits = b.m.value(
                .logicalOr, b.bool,
                [
                    b.m.value(.uGreaterThan, b.bool, [shiftedHigh, d.high]),
                    b.and(b.m.value(.iEqual, b.bool, [shiftedHigh, d.high]), b.m.value(.uGreaterThanEqual, b.bool, [shiftedLow, d.low])),
                ])
            guard case .long(let differenceLow, let differenceHigh) = add((shiftedLow, shiftedHigh), negate(d)) else {
                preconditionFailure("add gives int64")
            }
            b.write(rLow, b.m.value(.select, b.uint, [fits, differenceLow, shiftedLow]))
            b.write(rHigh, b.m.value(.select, b.uint, [fits, differenceHigh, shiftedHigh]))
            let mark = b.m.value(.shiftLeftLogical, b.uint, [b.oneOrZero(fits), bitIndex])
            let (markLow, markHigh) = (b.m.value(.select, b.uint, [upper, b.u(0), mark]), b.m.value(.select, b.uint, [upper, mark, b.u(0)]))
            b.write(qLow, b.m.value(.bitwiseOr, b.uint, [b.readWord(qLow), markLow]))
            b.write(qHigh, b.m.value(.bitwiseOr, b.uint, [b.readWord(qHigh), markHigh]))
        }
        let quotient: Words = (b.readWord(qLow), b.readWord(qHigh))
        let remainder: Words = (b.readWord(rLow), b.readWord(rHigh))
        var result: Words
        if op == .divide {
            // Truncated toward zero: negative when exactly one operand is.
            result = choose(b.m.value(.logicalNotEqual, b.bool, [xNegative, yNegative]), negate(quotient), quotient)
        } else {
            result = choose(xNegative, negate(remainder), remainder)
            if op == .modulo && signed {
                // A nonzero remainder whose sign differs from the divisor's moves by one divisor.
                let nonzero = b.m.value(.logicalNot, b.bool, [isZero(result)])
                let differ = b.and(nonzero, b.m.value(.logicalNotEqual, b.bool, [negative(result), yNegative]))
                guard case .long(let l, let h) = add(result, y) else { preconditionFailure("add gives int64") }
                result = choose(differ, (l, h), result)
            }
        }
        result = choose(unsafe, (b.u(0), b.u(0)), result)
        return .long(low: result.low, high: result.high)
    }

    private func add(_ x: Words, _ y: Words) -> ShaderScalar {
        let low = b.m.value(.iAdd, b.uint, [x.low, y.low])
        let carry = b.oneOrZero(b.less(low, x.low))
        return .long(low: low, high: b.m.value(.iAdd, b.uint, [b.m.value(.iAdd, b.uint, [x.high, y.high]), carry]))
    }

    /// −x modulo 2⁶⁴: the complement plus one.
    private func negate(_ x: Words) -> Words {
        let low = b.m.value(.not, b.uint, [x.low])
        let high = b.m.value(.not, b.uint, [x.high])
        guard case .long(let l, let h) = add((low, high), (b.u(1), b.u(0))) else { preconditionFailure("add gives int64") }
        return (l, h)
    }

    /// `function(x)` for an integer or bool element.
    private func unary(_ function: UnaryFunction, _ x: ShaderScalar, _ dtype: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        let signed = dtype.isSignedInteger
        switch (function, x) {
        case (.abs, .int(let v)): return .int(signed ? normalized(b.m.glsl(.sAbs, b.uint, [v]), dtype) : v)
        case (.negate, .int(let v)): return .int(normalized(b.m.value(.sNegate, b.uint, [v]), dtype))
        case (.bitwiseNot, .int(let v)): return .int(normalized(b.m.value(.not, b.uint, [v]), dtype))
        case (.sign, .int(let v)):
            return .int(signed ? b.m.glsl(.sSign, b.uint, [v]) : b.oneOrZero(b.m.value(.iNotEqual, b.bool, [v, b.u(0)])))
        case (.floor, .int), (.ceil, .int), (.roundToEven, .int), (.floor, .long), (.ceil, .long), (.roundToEven, .long):
            return x
        case (.negate, .long(let l, let h)):
            let (low, high) = negate((l, h))
            return .long(low: low, high: high)
        case (.abs, .long(let l, let h)):
            guard signed else { return x }
            let (low, high) = negate((l, h))
            let negative = b.m.value(.sLessThan, b.bool, [h, b.u(0)])
            return .long(low: b.m.value(.select, b.uint, [negative, low, l]), high: b.m.value(.select, b.uint, [negative, high, h]))
        case (.bitwiseNot, .long(let l, let h)):
            return .long(low: b.m.value(.not, b.uint, [l]), high: b.m.value(.not, b.uint, [h]))
        case (.sign, .long(let l, let h)):
            let nonzero = b.m.value(.iNotEqual, b.bool, [b.m.value(.bitwiseOr, b.uint, [l, h]), b.u(0)])
            let negative = signed ? b.m.value(.sLessThan, b.bool, [h, b.u(0)]) : b.m.constant(false)
            let low = b.m.value(.select, b.uint, [negative, b.u(-1), b.oneOrZero(nonzero)])
            return .long(low: low, high: b.m.value(.select, b.uint, [negative, b.u(-1), b.u(0)]))
        default: throw context.unsupported("\(function) of \(dtype) has no SPIR-V lowering")
        }
    }

    // MARK: - Conversions

    /// `value` of `source` converted to `target`, as KernelBuilder.convert does.
    func cast(_ value: ShaderScalar, from source: DType, to target: DType) throws(ShaderLowering.Unsupported) -> ShaderScalar {
        if source == target { return value }
        let unsupported = context.unsupported("a cast from \(source) to \(target) has no SPIR-V lowering")
        switch (value, ShaderValueKind(target)) {
        case (.bits, _), (_, .bits): throw unsupported
        // Between float32, float16 and bfloat16: the store rounds.
        case (.float, .float): return value
        // float64: widened exactly, narrowed to float32 with one rounding
        // (and to a half from there, as the CPU's store rounds it again).
        case (.float(let x), .double): return .double(b.m.value(.fConvert, b.double, [x]))
        case (.double(let x), .float): return .float(doubleToFloat(x))
        case (.double(let x), .bool): return .bool(b.m.value(.fUnordNotEqual, b.bool, [x, b.d(0)]))
        case (.bool(let flag), .double): return .double(b.m.value(.select, b.double, [flag, b.d(1), b.d(0)]))
        case (.int(let v), .double): return .double(b.m.value(source.isSignedInteger ? .convertSToF : .convertUToF, b.double, [v]))
        case (.long(let l, let h), .double): return .double(longToDouble(l, h, signed: source.isSignedInteger))
        case (.double(let x), .int) where target.narrowIntegerBits != nil:
            return .int(normalized(inFloat64.floatToInteger(x, .int32), target))
        case (.double(let x), .int): return .int(inFloat64.floatToInteger(x, target))
        case (.double(let x), .long): return target == .uint64 ? inFloat64.floatToUnsignedLong(x) : inFloat64.floatToLong(x)
        // To bool: nonzero (NaN included).
        case (.float(let x), .bool): return .bool(b.m.value(.fUnordNotEqual, b.bool, [x, b.f(0)]))
        case (.int(let v), .bool): return .bool(b.m.value(.iNotEqual, b.bool, [v, b.u(0)]))
        case (.long(let l, let h), .bool): return .bool(b.m.value(.iNotEqual, b.bool, [b.m.value(.bitwiseOr, b.uint, [l, h]), b.u(0)]))
        // From bool: 1 or 0.
        case (.bool(let flag), .float): return .float(b.select(flag, b.f(1), b.f(0)))
        case (.bool(let flag), .int): return .int(b.oneOrZero(flag))
        case (.bool(let flag), .long): return .long(low: b.oneOrZero(flag), high: b.u(0))
        // Integers: wrap to the target's width, extend by the source's sign.
        case (.int(let v), .int): return .int(normalized(v, target))
        case (.int(let v), .long):
            let high = source.isSignedInteger ? b.m.value(.shiftRightArithmetic, b.uint, [v, b.u(31)]) : b.u(0)
            return .long(low: v, high: high)
        case (.long(let l, _), .int): return .int(normalized(l, target))
        // int64 and uint64: the same bits.
        case (.long, .long): return value
        // Integers to float, rounded once.
        case (.int(let v), .float): return .float(b.m.value(source.isSignedInteger ? .convertSToF : .convertUToF, b.float, [v]))
        case (.long(let l, let h), .float): return .float(longToFloat(l, h, signed: source.isSignedInteger))
        // Floats to integers: toward zero, saturating, NaN to 0.
        // To a 4- or 2-bit integer through int32, then wrapped (as on the CPU).
        case (.float(let x), .int) where target.narrowIntegerBits != nil: return .int(normalized(floatToInteger(x, .int32), target))
        case (.float(let x), .int): return .int(floatToInteger(x, target))
        case (.float(let x), .long): return target == .uint64 ? floatToUnsignedLong(x) : floatToLong(x)
        default: throw unsupported
        }
    }

    func floatToInteger(_ x: SPIRVID, _ target: DType) -> SPIRVID {
        let bits = 8 * target.byteSize
        let signed = target.isSignedInteger
        let (lowest, highest) = signed ? (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) : (0, (1 << bits) - 1)
        let converted: SPIRVID
        if bits < 32 {
            // The type's range is exact in float32: clamp, then convert.
            let clamped = select(b.m.value(.fOrdLessThan, b.bool, [x, c(Double(lowest))]), c(Double(lowest)), x)
            let limited = select(b.m.value(.fOrdGreaterThan, b.bool, [clamped, c(Double(highest))]), c(Double(highest)), clamped)
            converted = b.m.value(signed ? .convertFToS : .convertFToU, b.uint, [limited])
        } else {
            // 2³¹ − 1 and 2³² − 1 are not floats: test against the next power of two.
            let over = b.m.value(.fOrdGreaterThanEqual, b.bool, [x, c(Double(highest) + 1)])
            let under = b.m.value(.fOrdLessThan, b.bool, [x, c(Double(lowest))])
            let inRange = select(b.m.value(.logicalOr, b.bool, [over, under]), c(0), x)
            let plain = b.m.value(signed ? .convertFToS : .convertFToU, b.uint, [inRange])
            let top = b.m.value(.select, b.uint, [over, b.u(highest), plain])
            converted = b.m.value(.select, b.uint, [under, b.u(lowest), top])
        }
        return b.m.value(.select, b.uint, [b.isNaN(x), b.u(0), converted])
    }

    func floatToLong(_ x: SPIRVID) -> ShaderScalar {
        let over = b.m.value(.fOrdGreaterThanEqual, b.bool, [x, c(0x1p63)])
        let under = b.m.value(.fOrdLessThan, b.bool, [x, c(-0x1p63)])
        let outside = b.m.value(.logicalOr, b.bool, [b.m.value(.logicalOr, b.bool, [over, under]), b.isNaN(x)])
        let positive = words(ofMagnitude: glsl(.fAbs, select(outside, c(0), x)))
        let negated = negate(positive)
        let negative = b.m.value(.fOrdLessThan, b.bool, [x, c(0)])
        var low = b.m.value(.select, b.uint, [negative, negated.low, positive.low])
        var high = b.m.value(.select, b.uint, [negative, negated.high, positive.high])
        low = b.m.value(.select, b.uint, [over, b.u(-1), b.m.value(.select, b.uint, [under, b.u(0), low])])
        high = b.m.value(.select, b.uint, [over, b.u(0x7FFF_FFFF), b.m.value(.select, b.uint, [under, b.u(Int(Int32.min)), high])])
        let isNaN = b.isNaN(x)
        return .long(low: b.m.value(.select, b.uint, [isNaN, b.u(0), low]), high: b.m.value(.select, b.uint, [isNaN, b.u(0), high]))
    }

    /// The two words of a float in [0, 2⁶⁴) truncated toward zero: its high
    /// word is exact after the division by 2³², and so is the rest below 2³².
    private func words(ofMagnitude x: SPIRVID) -> Words {
        let magnitude = glsl(.trunc, x)
        let highFloat = glsl(.floor, mul(magnitude, c(0x1p-32)))
        let lowFloat = sub(magnitude, mul(highFloat, c(0x1p32)))
        return (b.m.value(.convertFToU, b.uint, [lowFloat]), b.m.value(.convertFToU, b.uint, [highFloat]))
    }

    /// Toward zero, saturating at 0 and 2⁶⁴ − 1, NaN to 0 (as fptoui.sat).
    func floatToUnsignedLong(_ x: SPIRVID) -> ShaderScalar {
        let over = b.m.value(.fOrdGreaterThanEqual, b.bool, [x, c(0x1p64)])
        // NaN and x ≤ 0 give 0.
        let inRange = b.m.value(.fOrdGreaterThan, b.bool, [x, c(0)])
        let (low, high) = words(ofMagnitude: select(b.and(inRange, b.m.value(.logicalNot, b.bool, [over])), x, c(0)))
        return .long(low: b.m.value(.select, b.uint, [over, b.u(-1), low]), high: b.m.value(.select, b.uint, [over, b.u(-1), high]))
    }

    /// The int64 or uint64 (low, high) rounded once to float32: its top 32
    /// bits with every lower bit folded into the last (a sticky bit, so the
    /// one rounding of OpConvertUToF is the correct one), scaled back.
    private func longToFloat(_ low: SPIRVID, _ high: SPIRVID, signed: Bool) -> SPIRVID {
        let negative = signed ? b.m.value(.sLessThan, b.bool, [high, b.u(0)]) : b.m.constant(false)
        let negated = negate((low, high))
        let magnitudeLow = b.m.value(.select, b.uint, [negative, negated.low, low])
        let magnitudeHigh = b.m.value(.select, b.uint, [negative, negated.high, high])
        // Bits the high word adds above the low word's 32 (1 ... 32; 0 when it is zero).
        let shift = b.m.value(.iAdd, b.uint, [b.m.glsl(.findUMsb, b.uint, [magnitudeHigh]), b.u(1)])
        let wide = b.m.value(.iNotEqual, b.bool, [magnitudeHigh, b.u(0)])
        let safeShift = b.m.value(.select, b.uint, [wide, shift, b.u(1)])
        let up = b.m.value(.iSub, b.uint, [b.u(32), safeShift])  // 0 ... 31
        let lowDown = b.m.value(
            .select, b.uint,
            [b.m.value(.iEqual, b.bool, [safeShift, b.u(32)]), b.u(0), b.m.value(.shiftRightLogical, b.uint, [magnitudeLow, b.m.glsl(.uMin, b.uint, [safeShift, b.u(31)])])])
        let top = b.m.value(.bitwiseOr, b.uint, [b.m.value(.shiftLeftLogical, b.uint, [magnitudeHigh, up]), lowDown])
        let dropped = b.m.value(.shiftLeftLogical, b.uint, [magnitudeLow, up])
        let sticky = b.oneOrZero(b.m.value(.iNotEqual, b.bool, [dropped, b.u(0)]))
        let scaled = b.m.glsl(.ldexp, b.float, [b.m.value(.convertUToF, b.float, [b.m.value(.bitwiseOr, b.uint, [top, sticky])]), safeShift])
        let magnitude = b.select(wide, scaled, b.m.value(.convertUToF, b.float, [magnitudeLow]))
        return b.select(negative, b.m.value(.fNegate, b.float, [magnitude]), magnitude)
    }
}
