// Typed element access for kernels: every dtype is stored in its own layout
// and computed in a "compute type" (half precision widens to float, bool is
// i1), so one elementwise emitter serves every element type.

import CLLVM

extension KernelBuilder {
    /// The LLVM type of one stored element.
    func storageType(_ dtype: DType) -> LLVMTypeRef {
        switch dtype {
        case .float32: f32
        case .float64: LLVMDoubleTypeInContext(context)
        case .float16: LLVMHalfTypeInContext(context)
        case .bfloat16, .int16, .uint16: LLVMInt16TypeInContext(context)
        case .bool, .int8, .uint8: LLVMInt8TypeInContext(context)
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1:
            LLVMInt8TypeInContext(context)
        case .int4, .uint4, .int2, .uint2: LLVMInt8TypeInContext(context)
        case .int32, .uint32: i32
        case .int64, .uint64: i64
        }
    }

    /// The LLVM type arithmetic on `dtype` happens in.
    func computeType(_ dtype: DType) -> LLVMTypeRef {
        if dtype.isMinifloat { return f32 }
        switch dtype {
        case .float16, .bfloat16: return f32
        case .bool: return i1
        default: return storageType(dtype)
        }
    }

    /// Element `index` of the `dtype` array at `base`, as a compute value.
    func load(_ base: IRValue, _ index: IRValue, _ dtype: DType) -> IRValue {
        if dtype == .float32 { return load(base, index) }
        let type = storageType(dtype)
        let raw = LLVMBuildLoad2(builder, type, typedElementPointer(base, index, type), "")!
        switch dtype {
        case .float16: return LLVMBuildFPExt(builder, raw, f32, "")
        case .bfloat16:
            let wide = LLVMBuildShl(builder, LLVMBuildZExt(builder, raw, i32, ""), LLVMConstInt(i32, 16, 0), "")
            return LLVMBuildBitCast(builder, wide, f32, "")
        case .bool: return LLVMBuildICmp(builder, LLVMIntNE, raw, LLVMConstInt(LLVMTypeOf(raw), 0, 0), "")
        default:
            if dtype.isMinifloat { return decodeMinifloat(raw, dtype) }
            return dtype.narrowIntegerBits == nil ? raw : wrapNarrowInteger(raw, dtype)
        }
    }

    /// Stores a compute value as element `index` of the `dtype` array at `base`.
    func store(_ value: IRValue, _ base: IRValue, _ index: IRValue, _ dtype: DType) {
        if dtype == .float32 { return store(value, base, index) }
        let type = storageType(dtype)
        let stored: IRValue
        switch dtype {
        case .float16: stored = LLVMBuildFPTrunc(builder, value, type, "")
        case .bfloat16:
            // Round to nearest even on the upper 16 bits; NaN stays NaN (quiet bit set).
            let bits = LLVMBuildBitCast(builder, value, i32, "")!
            let lsb = LLVMBuildAnd(
                builder, LLVMBuildLShr(builder, bits, LLVMConstInt(i32, 16, 0), ""), LLVMConstInt(i32, 1, 0), "")
            let rounded = LLVMBuildAdd(builder, bits, LLVMBuildAdd(builder, lsb, LLVMConstInt(i32, 0x7fff, 0), ""), "")
            let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, value, value, "")
            let quiet = LLVMBuildOr(builder, bits, LLVMConstInt(i32, 0x40_0000, 0), "")
            let chosen = LLVMBuildSelect(builder, isNaN, quiet, rounded, "")
            stored = LLVMBuildTrunc(builder, LLVMBuildLShr(builder, chosen, LLVMConstInt(i32, 16, 0), ""), type, "")
        case .bool: stored = LLVMBuildZExt(builder, value, type, "")
        default:
            if dtype.isMinifloat {
                stored = encodeMinifloat(value, dtype)
            } else {
                stored = dtype.narrowIntegerBits == nil ? value : wrapNarrowInteger(value, dtype)
            }
        }
        LLVMBuildStore(builder, stored, typedElementPointer(base, index, type))
    }

    private func typedElementPointer(_ base: IRValue, _ index: IRValue, _ type: LLVMTypeRef) -> IRValue {
        let pointer = LLVMBuildBitCast(builder, base, LLVMPointerType(type, 0), "")
        var index: IRValue? = index
        return LLVMBuildInBoundsGEP2(builder, type, pointer, &index, 1, "")
    }

    /// A compute value of `from` converted to the compute type of `to`, as
    /// ONNX Cast does: float → integer truncates toward zero and saturates
    /// (no poison for out-of-range values), except that the 4- and 2-bit
    /// integers wrap; anything → bool is `!= 0`. Into the 8- and 4-bit float
    /// types, `conversion` says how values beyond the range and (float8e8m0)
    /// between powers of two are treated; the store then rounds.
    func convert(_ value: IRValue, from: DType, to: DType, _ conversion: FloatConversion = .init()) -> IRValue {
        if to.isMinifloat && from != to {
            return prepareMinifloat(convert(value, from: from, to: .float32), to, conversion)
        }
        if to.narrowIntegerBits != nil && from.isFloatingPoint {
            return LLVMBuildTrunc(builder, convert(value, from: from, to: .int32), computeType(to), "")
        }
        let source = computeType(from)
        let target = computeType(to)
        if from == to || (source == target && from.isFloatingPoint == to.isFloatingPoint) {
            return value
        }
        if to == .bool {
            return from.isFloatingPoint
                ? LLVMBuildFCmp(builder, LLVMRealUNE, value, LLVMConstNull(source), "")
                : LLVMBuildICmp(builder, LLVMIntNE, value, LLVMConstNull(source), "")
        }
        if from == .bool { return to.isFloatingPoint ? LLVMBuildUIToFP(builder, value, target, "") : LLVMBuildZExt(builder, value, target, "") }
        switch (from.isFloatingPoint, to.isFloatingPoint) {
        case (true, true):
            let (a, b) = (LLVMGetTypeKind(source), LLVMGetTypeKind(target))
            return a == LLVMDoubleTypeKind && b == LLVMFloatTypeKind
                ? LLVMBuildFPTrunc(builder, value, target, "") : LLVMBuildFPExt(builder, value, target, "")
        case (true, false):
            let name = to.isSignedInteger ? "llvm.fptosi.sat" : "llvm.fptoui.sat"
            let bits = LLVMGetIntTypeWidth(target)
            let suffix = LLVMGetTypeKind(source) == LLVMDoubleTypeKind ? "f64" : "f32"
            return callIntrinsic("\(name).i\(bits).\(suffix)", returning: target, [value])
        case (false, true):
            return from.isSignedInteger
                ? LLVMBuildSIToFP(builder, value, target, "") : LLVMBuildUIToFP(builder, value, target, "")
        case (false, false):
            let (a, b) = (LLVMGetIntTypeWidth(source), LLVMGetIntTypeWidth(target))
            if a == b { return value }
            if a > b { return LLVMBuildTrunc(builder, value, target, "") }
            return from.isSignedInteger
                ? LLVMBuildSExt(builder, value, target, "") : LLVMBuildZExt(builder, value, target, "")
        }
    }

    /// Calls an intrinsic or runtime function by name, declaring it from the argument types.
    func callIntrinsic(_ name: String, returning result: LLVMTypeRef, _ arguments: [IRValue]) -> IRValue {
        var parameterTypes: [LLVMTypeRef?] = arguments.map { LLVMTypeOf($0) }
        let type = LLVMFunctionType(result, &parameterTypes, UInt32(arguments.count), 0)
        let function = LLVMGetNamedFunction(module, name) ?? LLVMAddFunction(module, name, type)
        var arguments: [IRValue?] = arguments
        return LLVMBuildCall2(builder, type, function, &arguments, UInt32(arguments.count), "")
    }

    /// A compute-type constant of `dtype`.
    func constant(_ value: Double, _ dtype: DType) -> IRValue {
        let type = computeType(dtype)
        if dtype.isFloatingPoint { return LLVMConstReal(type, value) }
        return LLVMConstInt(type, UInt64(bitPattern: Int64(value)), dtype.isSignedInteger ? 1 : 0)
    }
}

// MARK: - Typed arithmetic

extension KernelBuilder {
    /// Arithmetic in `dtype`'s compute type. Integers wrap; an integer
    /// division by zero (or Int.min / -1) gives 0 instead of a hardware trap.
    func arithmetic(_ op: BinaryOperator, _ a: IRValue, _ b: IRValue, _ dtype: DType) -> IRValue {
        if dtype.isFloatingPoint {
            switch op {
            case .add: return fadd(a, b)
            case .subtract: return fsub(a, b)
            case .multiply: return fmul(a, b)
            case .divide: return fdiv(a, b)
            case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight:
                preconditionFailure("bit operations are defined on integers only (checked by the ops)")
            case .maximum: return fmax(a, b)  // NaN in either operand gives NaN, as ONNX Max/Min do
            case .minimum: return fmin(a, b)
            case .remainder: return floatRemainder(a, b)
            case .modulo:
                let rest = floatRemainder(a, b)
                let zero = LLVMConstNull(LLVMTypeOf(a))!
                let nonzero = LLVMBuildFCmp(builder, LLVMRealONE, rest, zero, "")
                let signsDiffer = LLVMBuildXor(
                    builder, LLVMBuildFCmp(builder, LLVMRealOLT, rest, zero, ""),
                    LLVMBuildFCmp(builder, LLVMRealOLT, b, zero, ""), "")
                let adjust = LLVMBuildAnd(builder, nonzero, signsDiffer, "")
                return LLVMBuildSelect(builder, adjust, fadd(rest, b), rest, "")
            }
        }
        switch op {
        case .maximum, .minimum:
            let greater = compare(.greater, a, b, dtype)
            return op == .maximum ? select(greater, a, b) : select(greater, b, a)
        case .bitwiseAnd: return LLVMBuildAnd(builder, a, b, "")
        case .bitwiseOr: return LLVMBuildOr(builder, a, b, "")
        case .bitwiseXor: return LLVMBuildXor(builder, a, b, "")
        case .shiftLeft, .shiftRight:
            // LLVM leaves shifts by the width or more undefined. ONNX: such a
            // shift (or a negative amount, unsigned-compared as huge here)
            // leaves only the sign fill: -1 for a signed right shift of a
            // negative value, else 0. Signed right shifts are arithmetic.
            let type = LLVMTypeOf(a)!
            let bits = UInt64(LLVMGetIntTypeWidth(type))
            let tooFar = LLVMBuildICmp(builder, LLVMIntUGE, b, LLVMConstInt(type, bits, 0), "")
            let signedRight = op == .shiftRight && dtype.isSignedInteger
            let shifted =
                op == .shiftLeft
                ? LLVMBuildShl(builder, a, b, "")!
                : signedRight ? LLVMBuildAShr(builder, a, b, "")! : LLVMBuildLShr(builder, a, b, "")!
            let fill = signedRight ? LLVMBuildAShr(builder, a, LLVMConstInt(type, bits - 1, 0), "")! : LLVMConstNull(type)!
            return LLVMBuildSelect(builder, tooFar, fill, shifted, "")
        case .add: return LLVMBuildAdd(builder, a, b, "")
        case .subtract: return LLVMBuildSub(builder, a, b, "")
        case .multiply: return LLVMBuildMul(builder, a, b, "")
        case .divide, .remainder, .modulo:
            let type = LLVMTypeOf(a)!
            let zero = LLVMConstNull(type)!
            var unsafe = LLVMBuildICmp(builder, LLVMIntEQ, b, zero, "")!
            if dtype.isSignedInteger {
                let minimum = LLVMBuildShl(
                    builder, LLVMConstInt(type, 1, 0), LLVMConstInt(type, UInt64(LLVMGetIntTypeWidth(type) - 1), 0), "")
                let overflow = LLVMBuildAnd(
                    builder, LLVMBuildICmp(builder, LLVMIntEQ, a, minimum, ""),
                    LLVMBuildICmp(builder, LLVMIntEQ, b, LLVMConstAllOnes(type), ""), "")
                unsafe = LLVMBuildOr(builder, unsafe, overflow, "")
            }
            // Divide by 1 where the real divisor would trap, then replace the
            // result (Int.min / -1 wraps to 0 here; its remainder is 0 anyway).
            let divisor = LLVMBuildSelect(builder, unsafe, LLVMConstInt(type, 1, 0), b, "")!
            let signed = dtype.isSignedInteger
            var result: IRValue
            if op == .divide {
                result = signed ? LLVMBuildSDiv(builder, a, divisor, "") : LLVMBuildUDiv(builder, a, divisor, "")
            } else {
                result = signed ? LLVMBuildSRem(builder, a, divisor, "") : LLVMBuildURem(builder, a, divisor, "")
                if op == .modulo && signed {
                    // Move a remainder whose sign differs from the divisor's by one divisor.
                    let nonzero = LLVMBuildICmp(builder, LLVMIntNE, result, zero, "")
                    let signsDiffer = LLVMBuildICmp(builder, LLVMIntSLT, LLVMBuildXor(builder, result, b, ""), zero, "")
                    let adjust = LLVMBuildAnd(builder, nonzero, signsDiffer, "")
                    result = LLVMBuildSelect(builder, adjust, LLVMBuildAdd(builder, result, b, ""), result, "")
                }
            }
            return LLVMBuildSelect(builder, unsafe, zero, result, "")
        }
    }

    /// C's fmod, exact at any quotient, in float64 (float32 operands are
    /// widened, and their remainder is a float32 again): ``remainder64(_:_:)``.
    /// (a − trunc(a/b)·b, even with a fused multiply-add, is exact only while
    /// the quotient fits float64's 53 bits: fmod(1e300, 1e-300) gave ∞.)
    private func floatRemainder(_ a: IRValue, _ b: IRValue) -> IRValue {
        let type = LLVMTypeOf(a)!
        let isVector = LLVMGetTypeKind(type) == LLVMVectorTypeKind
        let element = isVector ? LLVMGetElementType(type)! : type
        let widened = LLVMGetTypeKind(element) != LLVMDoubleTypeKind
        let wide: LLVMTypeRef = isVector ? LLVMVectorType(LLVMDoubleTypeInContext(context), LLVMGetVectorSize(type)) : LLVMDoubleTypeInContext(context)
        let (x, y) = widened ? (LLVMBuildFPExt(builder, a, wide, "")!, LLVMBuildFPExt(builder, b, wide, "")!) : (a, b)
        let rest = remainder64(x, y)
        return widened ? LLVMBuildFPTrunc(builder, rest, type, "") : rest
    }

    /// `value` in a float type or in every lane of a float vector type.
    func realConstant(_ value: Double, _ type: LLVMTypeRef) -> IRValue {
        guard LLVMGetTypeKind(type) == LLVMVectorTypeKind else { return LLVMConstReal(type, value) }
        return splatConstant(LLVMConstReal(LLVMGetElementType(type), value)!, lanes: Int(LLVMGetVectorSize(type)))
    }

    /// A comparison in `dtype`'s compute type, giving i1.
    func compare(_ op: ComparisonOperator, _ a: IRValue, _ b: IRValue, _ dtype: DType) -> IRValue {
        if dtype.isFloatingPoint {
            let predicate: LLVMRealPredicate =
                switch op {
                case .equal: LLVMRealOEQ
                case .less: LLVMRealOLT
                case .lessOrEqual: LLVMRealOLE
                case .greater: LLVMRealOGT
                case .greaterOrEqual: LLVMRealOGE
                }
            return LLVMBuildFCmp(builder, predicate, a, b, "")
        }
        let signed = dtype.isSignedInteger
        let predicate: LLVMIntPredicate =
            switch op {
            case .equal: LLVMIntEQ
            case .less: signed ? LLVMIntSLT : LLVMIntULT
            case .lessOrEqual: signed ? LLVMIntSLE : LLVMIntULE
            case .greater: signed ? LLVMIntSGT : LLVMIntUGT
            case .greaterOrEqual: signed ? LLVMIntSGE : LLVMIntUGE
            }
        return LLVMBuildICmp(builder, predicate, a, b, "")
    }

    func logical(_ op: LogicalOperator, _ a: IRValue, _ b: IRValue) -> IRValue {
        switch op {
        case .and: LLVMBuildAnd(builder, a, b, "")
        case .or: LLVMBuildOr(builder, a, b, "")
        case .xor: LLVMBuildXor(builder, a, b, "")
        }
    }

    func not(_ a: IRValue) -> IRValue { LLVMBuildNot(builder, a, "") }
}
