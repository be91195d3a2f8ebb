// A thin, typed layer over LLVM's IRBuilder for writing kernels: counted
// loops, index arithmetic, float loads/stores and vectorizable math.

import CLLVM
import Foundation

/// An LLVM value (an `LLVMValueRef`).
typealias IRValue = OpaquePointer

/// Builds the body of one kernel function. All index arithmetic is i64;
/// all tensor elements are float.
final class KernelBuilder {
    let context: LLVMContextRef
    let module: LLVMModuleRef
    let builder: LLVMBuilderRef
    let function: IRValue
    /// The kernel's `i8* arena` parameter.
    let arena: IRValue
    /// The kernel's `i8* scratch` parameter: the running worker's private
    /// scratch (`workerScratchSize` bytes, its contents undefined on entry).
    let workerScratch: IRValue
    /// The kernel's `i64 extent` parameter: the bounded dim's extent this
    /// call (0 in a model without one).
    let extent: IRValue

    let i1: LLVMTypeRef
    let i32: LLVMTypeRef
    let i64: LLVMTypeRef
    let f32: LLVMTypeRef
    let f32Pointer: LLVMTypeRef
    let i8Pointer: LLVMTypeRef

    init(context: LLVMContextRef, module: LLVMModuleRef, builder: LLVMBuilderRef, function: IRValue) {
        self.context = context
        self.module = module
        self.builder = builder
        self.function = function
        self.arena = LLVMGetParam(function, 0)
        self.workerScratch = LLVMGetParam(function, 3)
        self.extent = LLVMGetParam(function, 4)
        i1 = LLVMInt1TypeInContext(context)
        i32 = LLVMInt32TypeInContext(context)
        i64 = LLVMInt64TypeInContext(context)
        f32 = LLVMFloatTypeInContext(context)
        f32Pointer = LLVMPointerType(f32, 0)
        i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)
    }

    // MARK: - Constants

    func constant(_ value: Int) -> IRValue { LLVMConstInt(i64, UInt64(bitPattern: Int64(value)), 1) }
    func constant(_ value: Float) -> IRValue { LLVMConstReal(f32, Double(value)) }

    // MARK: - Integer index arithmetic (no signed wrap: indices are in range by construction)

    func add(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildNSWAdd(builder, lhs, rhs, "") }
    func add(_ lhs: IRValue, _ rhs: Int) -> IRValue { rhs == 0 ? lhs : add(lhs, constant(rhs)) }
    func sub(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildNSWSub(builder, lhs, rhs, "") }
    func mul(_ lhs: IRValue, _ rhs: Int) -> IRValue {
        rhs == 1 ? lhs : LLVMBuildNSWMul(builder, lhs, constant(rhs), "")
    }
    func mul(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildNSWMul(builder, lhs, rhs, "") }
    func divide(_ lhs: IRValue, _ rhs: Int) -> IRValue {
        rhs == 1 ? lhs : LLVMBuildUDiv(builder, lhs, constant(rhs), "")
    }
    func remainder(_ lhs: IRValue, _ rhs: Int) -> IRValue { LLVMBuildURem(builder, lhs, constant(rhs), "") }

    /// min(lhs, rhs) on signed indices.
    func minimum(_ lhs: IRValue, _ rhs: Int) -> IRValue { minimum(lhs, constant(rhs)) }

    /// min(lhs, rhs) on signed indices.
    func minimum(_ lhs: IRValue, _ rhs: IRValue) -> IRValue {
        LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntSLT, lhs, rhs, ""), lhs, rhs, "")
    }

    /// max(lhs, rhs) on signed indices.
    func maximum(_ lhs: IRValue, _ rhs: Int) -> IRValue {
        let value = constant(rhs)
        return LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntSGT, lhs, value, ""), lhs, value, "")
    }

    /// Σ index[i] × stride[i] + base, skipping zero strides.
    func linear(_ indices: [IRValue], _ strides: [Int], base: Int = 0) -> IRValue {
        var result: IRValue? = nil
        for (index, stride) in zip(indices, strides) where stride != 0 {
            let term = mul(index, stride)
            result = result.map { add($0, term) } ?? term
        }
        guard let result else { return constant(base) }
        return add(result, base)
    }

    // MARK: - Memory

    /// A float pointer `byteOffset` bytes into the arena.
    func arenaPointer(byteOffset: Int) -> IRValue { advanced(arena, byBytes: byteOffset) }

    /// A float pointer `byteOffset` bytes into the running worker's scratch.
    func workerScratchPointer(byteOffset: Int) -> IRValue { advanced(workerScratch, byBytes: byteOffset) }

    /// A float pointer `byteOffset` bytes into a byte-array global.
    func globalPointer(_ global: IRValue, byteOffset: Int) -> IRValue { advanced(global, byBytes: byteOffset) }

    /// `pointer` moved by `bytes`, as a float pointer (typed loads recast it).
    func advanced(_ pointer: IRValue, byBytes bytes: Int) -> IRValue {
        let raw = LLVMBuildBitCast(builder, pointer, i8Pointer, "")
        var index: IRValue? = constant(bytes)
        let shifted = LLVMBuildInBoundsGEP2(builder, LLVMInt8TypeInContext(context), raw, &index, 1, "")
        return LLVMBuildBitCast(builder, shifted, f32Pointer, "")
    }

    /// `base + elements` as a float pointer.
    func offset(_ base: IRValue, _ elements: Int) -> IRValue {
        elements == 0 ? base : elementPointer(base, constant(elements))
    }

    func elementPointer(_ base: IRValue, _ index: IRValue) -> IRValue {
        var index: IRValue? = index
        return LLVMBuildInBoundsGEP2(builder, f32, base, &index, 1, "")
    }

    func load(_ base: IRValue, _ index: IRValue) -> IRValue {
        LLVMBuildLoad2(builder, f32, elementPointer(base, index), "")
    }

    func store(_ value: IRValue, _ base: IRValue, _ index: IRValue) {
        LLVMBuildStore(builder, value, elementPointer(base, index))
    }

    /// A float scalar that loops can update (a stack slot in the entry block,
    /// which mem2reg turns back into SSA registers).
    func variable(_ initial: IRValue) -> IRValue {
        let type = LLVMTypeOf(initial)!
        let entry = LLVMGetEntryBasicBlock(function)
        let scratch = LLVMCreateBuilderInContext(context)!
        defer { LLVMDisposeBuilder(scratch) }
        if let first = LLVMGetFirstInstruction(entry) {
            LLVMPositionBuilderBefore(scratch, first)
        } else {
            LLVMPositionBuilderAtEnd(scratch, entry)
        }
        let slot = LLVMBuildAlloca(scratch, type, "")!
        LLVMBuildStore(builder, initial, slot)
        return slot
    }

    func read(_ variable: IRValue) -> IRValue {
        LLVMBuildLoad2(builder, LLVMGetAllocatedType(variable), variable, "")
    }
    func write(_ variable: IRValue, _ value: IRValue) { LLVMBuildStore(builder, value, variable) }

    // MARK: - Vectors

    func vectorType(_ width: Int) -> LLVMTypeRef { LLVMVectorType(f32, UInt32(width)) }

    /// `width` consecutive floats from `base[index]` (4-byte aligned).
    func loadVector(_ base: IRValue, _ index: IRValue, width: Int) -> IRValue {
        let type = vectorType(width)
        let pointer = LLVMBuildBitCast(builder, elementPointer(base, index), LLVMPointerType(type, 0), "")
        let load = LLVMBuildLoad2(builder, type, pointer, "")!
        LLVMSetAlignment(load, 4)
        return load
    }

    func storeVector(_ value: IRValue, _ base: IRValue, _ index: IRValue) {
        let type = LLVMTypeOf(value)!
        let pointer = LLVMBuildBitCast(builder, elementPointer(base, index), LLVMPointerType(type, 0), "")
        LLVMSetAlignment(LLVMBuildStore(builder, value, pointer), 4)
    }

    /// The first `count` lanes of a `width`-lane vector at `base[index]`;
    /// the other lanes are neither read nor written (masked), so a short
    /// tail costs one vector operation and never touches a neighbour's memory.
    func loadVector(_ base: IRValue, _ index: IRValue, width: Int, count: Int) -> IRValue {
        guard count < width else { return loadVector(base, index, width: width) }
        return loadVector(base, index, width: width, mask: laneMask(width: width, count: count))
    }

    func storeVector(_ value: IRValue, _ base: IRValue, _ index: IRValue, count: Int) {
        let width = Int(LLVMGetVectorSize(LLVMTypeOf(value)))
        guard count < width else { return storeVector(value, base, index) }
        storeVector(value, base, index, mask: laneMask(width: width, count: count))
    }

    /// Lanes `0, stride, 2·stride, …` of the floats at `base[index]`: `count`
    /// of a `width`-lane vector, loading only what those lanes need.
    func loadStridedVector(_ base: IRValue, _ index: IRValue, width: Int, count: Int, stride: Int) -> IRValue {
        guard stride > 1 else { return loadVector(base, index, width: width, count: count) }
        let span = width * stride
        let wide = loadVector(base, index, width: span, count: (count - 1) * stride + 1)
        var picks: [IRValue?] = (0..<width).map { LLVMConstInt(i32, UInt64($0 * stride), 0) }
        return LLVMBuildShuffleVector(
            builder, wide, LLVMGetUndef(vectorType(span)), LLVMConstVector(&picks, UInt32(width)), "")
    }

    /// Stores the first `count` lanes of `value` to `base[index + lane·stride]`.
    func scatterVector(_ value: IRValue, _ base: IRValue, _ index: IRValue, stride: Int, count: Int) {
        let width = Int(LLVMGetVectorSize(LLVMTypeOf(value)))
        let indexType = LLVMVectorType(i64, UInt32(width))!
        let start = LLVMBuildInsertElement(builder, LLVMGetUndef(indexType), index, LLVMConstInt(i32, 0, 0), "")
        let starts = LLVMBuildShuffleVector(
            builder, start, LLVMGetUndef(indexType), LLVMConstNull(LLVMVectorType(i32, UInt32(width))), "")
        var steps: [IRValue?] = (0..<width).map { LLVMConstInt(i64, UInt64($0 * stride), 0) }
        var indices: IRValue? = LLVMBuildAdd(builder, starts, LLVMConstVector(&steps, UInt32(width)), "")
        let pointers = LLVMBuildInBoundsGEP2(builder, f32, base, &indices, 1, "")!
        _ = callIntrinsic(
            "llvm.masked.scatter.v\(width)f32.v\(width)p0f32", returning: LLVMVoidTypeInContext(context),
            [value, pointers, LLVMConstInt(i32, 4, 0), laneMask(width: width, count: count)])
    }

    /// One vector holding lane `t` of every input in turn: `[v0[0], v1[0],
    /// …, v0[1], v1[1], …]`, so values computed per lane for consecutive
    /// positions reach memory in one contiguous store. The inputs are
    /// equally wide and a power of two in number.
    func interleave(_ vectors: [IRValue]) -> IRValue {
        precondition(vectors.count >= 2 && vectors.count & (vectors.count - 1) == 0, "interleave takes 2, 4, 8… vectors")
        let width = Int(LLVMGetVectorSize(LLVMTypeOf(vectors[0])))
        // Concatenate pairwise until two halves remain; the last shuffle
        // picks from their concatenation [v0 | v1 | …].
        var parts = vectors
        while parts.count > 2 {
            let partWidth = Int(LLVMGetVectorSize(LLVMTypeOf(parts[0])))
            var order: [IRValue?] = (0..<2 * partWidth).map { LLVMConstInt(i32, UInt64($0), 0) }
            let mask = LLVMConstVector(&order, UInt32(2 * partWidth))
            parts = stride(from: 0, to: parts.count, by: 2).map {
                LLVMBuildShuffleVector(builder, parts[$0], parts[$0 + 1], mask, "")
            }
        }
        let n = vectors.count
        var picks: [IRValue?] = (0..<n * width).map { LLVMConstInt(i32, UInt64(($0 % n) * width + $0 / n), 0) }
        return LLVMBuildShuffleVector(builder, parts[0], parts[1], LLVMConstVector(&picks, UInt32(n * width)), "")
    }

    func laneMask(width: Int, count: Int) -> IRValue {
        var lanes: [IRValue?] = (0..<width).map { LLVMConstInt(i1, $0 < count ? 1 : 0, 0) }
        return LLVMConstVector(&lanes, UInt32(width))
    }

    /// The lanes below `count`, a run-time value: none when it is 0 or
    /// less, all when it is `width` or more.
    func laneMask(width: Int, count: IRValue) -> IRValue {
        let indexType = LLVMVectorType(i64, UInt32(width))!
        let single = LLVMBuildInsertElement(builder, LLVMGetUndef(indexType), count, LLVMConstInt(i32, 0, 0), "")
        let counts = LLVMBuildShuffleVector(
            builder, single, LLVMGetUndef(indexType), LLVMConstNull(LLVMVectorType(i32, UInt32(width))), "")
        var lanes: [IRValue?] = (0..<width).map { LLVMConstInt(i64, UInt64($0), 0) }
        return LLVMBuildICmp(builder, LLVMIntSLT, LLVMConstVector(&lanes, UInt32(width)), counts, "")
    }

    /// The lanes of a `width`-lane vector at `base[index]` that `mask`
    /// selects; the others are neither read nor written.
    func loadVector(_ base: IRValue, _ index: IRValue, width: Int, mask: IRValue) -> IRValue {
        let type = vectorType(width)
        let pointer = LLVMBuildBitCast(builder, elementPointer(base, index), LLVMPointerType(type, 0), "")!
        return callIntrinsic(
            "llvm.masked.load.v\(width)f32.p0v\(width)f32", returning: type,
            [pointer, LLVMConstInt(i32, 4, 0), mask, LLVMGetUndef(type)])
    }

    func storeVector(_ value: IRValue, _ base: IRValue, _ index: IRValue, mask: IRValue) {
        let width = Int(LLVMGetVectorSize(LLVMTypeOf(value)))
        let pointer = LLVMBuildBitCast(builder, elementPointer(base, index), LLVMPointerType(vectorType(width), 0), "")!
        _ = callIntrinsic(
            "llvm.masked.store.v\(width)f32.p0v\(width)f32", returning: LLVMVoidTypeInContext(context),
            [value, pointer, LLVMConstInt(i32, 4, 0), mask])
    }

    /// A vector with `scalar` (of any element type) in every lane.
    func splat(_ scalar: IRValue, width: Int) -> IRValue {
        let type = LLVMVectorType(LLVMTypeOf(scalar), UInt32(width))
        let single = LLVMBuildInsertElement(builder, LLVMGetUndef(type), scalar, LLVMConstInt(i32, 0, 0), "")
        return LLVMBuildShuffleVector(
            builder, single, LLVMGetUndef(type), LLVMConstNull(LLVMVectorType(i32, UInt32(width))), "")
    }

    /// Copies `count` floats from `source[from...]` to `destination[to...]`
    /// in `width`-lane vectors (a masked last one), transforming each vector.
    func copy(
        count: Int, from source: IRValue, _ from: IRValue, to destination: IRValue, _ to: IRValue, width: Int,
        transform: (IRValue) -> IRValue = { $0 }
    ) {
        forEachVector(count: count, width: width) { offset, lanes in
            let value = loadVector(source, add(from, offset), width: width, count: lanes)
            storeVector(transform(value), destination, add(to, offset), count: lanes)
        }
    }

    /// Stores `value` into `count` floats at `destination[at...]`, a vector at a time.
    func fill(count: Int, with value: Float, _ destination: IRValue, _ at: IRValue, width: Int) {
        let vector = splat(constant(value), width: width)
        forEachVector(count: count, width: width) { offset, lanes in
            storeVector(vector, destination, add(at, offset), count: lanes)
        }
    }

    /// Calls `body(offset, lanes)` for consecutive `width`-lane pieces of a
    /// `count`-element row: full vectors in a loop, then the short remainder.
    func forEachVector(count: Int, width: Int, _ body: (IRValue, Int) -> Void) {
        let full = count / width
        if full > 0 { loop(0..<full) { v in body(mul(v, width), width) } }
        if count % width > 0 { body(constant(full * width), count % width) }
    }

    // MARK: - Control flow

    /// Emits `if condition { then() } else { otherwise() }`.
    func ifElse(_ condition: IRValue, then: () -> Void, otherwise: () -> Void) {
        let thenBlock = appendBlock("then")
        let elseBlock = appendBlock("else")
        let merge = appendBlock("merge")
        LLVMBuildCondBr(builder, condition, thenBlock, elseBlock)
        LLVMPositionBuilderAtEnd(builder, thenBlock)
        then()
        LLVMBuildBr(builder, merge)
        LLVMPositionBuilderAtEnd(builder, elseBlock)
        otherwise()
        LLVMBuildBr(builder, merge)
        LLVMPositionBuilderAtEnd(builder, merge)
    }

    /// lhs ≥ rhs on signed indices.
    func notLessThan(_ lhs: IRValue, _ rhs: Int) -> IRValue {
        LLVMBuildICmp(builder, LLVMIntSGE, lhs, constant(rhs), "")
    }

    func and(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildAnd(builder, lhs, rhs, "") }

    /// `condition ? a : b` (a scalar condition selects whole vectors).
    func select(_ condition: IRValue, _ a: IRValue, _ b: IRValue) -> IRValue {
        LLVMBuildSelect(builder, condition, a, b, "")
    }

    /// lhs < rhs on signed indices.
    func lessThan(_ lhs: IRValue, _ rhs: Int) -> IRValue { LLVMBuildICmp(builder, LLVMIntSLT, lhs, constant(rhs), "") }

    func appendBlock(_ name: String) -> LLVMBasicBlockRef { LLVMAppendBasicBlockInContext(context, function, name) }

    /// Emits `for i in lower..<upper { body(i) }` with i64 bounds. LLVM
    /// unrolls it only where `unrolls` says so: kernels unroll and vectorise
    /// what they need as they emit it, and LLVM's O3 unrolling those loops
    /// again tripled MobileNetV2's assembly (0.5 → 1.2 MB) and took a third
    /// of ResNet-18's compile and 60% of MobileNetV2's for no speed. The GEMM
    /// microkernel's depth loop is the exception (7–10% faster unrolled on
    /// the transformer's MatMuls, 20% on a bounded build's Winograd GEMMs).
    func loop(from lower: IRValue, to upper: IRValue, unrolls: Bool = false, _ body: (IRValue) -> Void) {
        let preheader = LLVMGetInsertBlock(builder)
        let header = appendBlock("loop")
        let bodyBlock = appendBlock("body")
        let exit = appendBlock("exit")
        LLVMBuildBr(builder, header)

        LLVMPositionBuilderAtEnd(builder, header)
        let index = LLVMBuildPhi(builder, i64, "i")!
        let more = LLVMBuildICmp(builder, LLVMIntSLT, index, upper, "")
        LLVMBuildCondBr(builder, more, bodyBlock, exit)

        LLVMPositionBuilderAtEnd(builder, bodyBlock)
        body(index)
        let next = add(index, 1)
        let latch = LLVMGetInsertBlock(builder)
        let back = LLVMBuildBr(builder, header)
        if !unrolls { LLVMSetMetadata(back, LLVMGetMDKindIDInContext(context, "llvm.loop", 9), notUnrolled()) }

        var incoming: [IRValue?] = [lower, next]
        var blocks: [LLVMBasicBlockRef?] = [preheader, latch]
        LLVMAddIncoming(index, &incoming, &blocks, 2)
        LLVMPositionBuilderAtEnd(builder, exit)
    }

    /// Emits a loop over a compile-time range; an empty range emits nothing.
    func loop(_ range: Range<Int>, unrolls: Bool = false, _ body: (IRValue) -> Void) {
        guard !range.isEmpty else { return }
        if range.count == 1 {
            body(constant(range.lowerBound))
            return
        }
        loop(from: constant(range.lowerBound), to: constant(range.upperBound), unrolls: unrolls, body)
    }

    /// A new loop ID (`!{!self, !{"llvm.loop.unroll.disable"}}`): each loop needs its own distinct node.
    private func notUnrolled() -> IRValue {
        let name = "llvm.loop.unroll.disable"
        var hint: [LLVMMetadataRef?] = [LLVMMDStringInContext2(context, name, name.utf8.count)]
        let disable = LLVMMDNodeInContext2(context, &hint, 1)
        let placeholder = LLVMTemporaryMDNode(context, nil, 0)
        var operands: [LLVMMetadataRef?] = [placeholder, disable]
        let loop = LLVMMDNodeInContext2(context, &operands, 2)
        LLVMMetadataReplaceAllUsesWith(placeholder, loop)
        return LLVMMetadataAsValue(context, loop)
    }

    /// Emits nested loops over `shape` (outermost first).
    func loopNest(_ shape: [Int], _ body: ([IRValue]) -> Void) {
        func level(_ axis: Int, _ indices: [IRValue]) {
            if axis == shape.count {
                body(indices)
                return
            }
            loop(0..<shape[axis]) { index in level(axis + 1, indices + [index]) }
        }
        level(0, [])
    }

    // MARK: - Float math

    func fadd(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildFAdd(builder, lhs, rhs, "") }
    func fsub(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildFSub(builder, lhs, rhs, "") }
    func fmul(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildFMul(builder, lhs, rhs, "") }
    func fdiv(_ lhs: IRValue, _ rhs: IRValue) -> IRValue { LLVMBuildFDiv(builder, lhs, rhs, "") }

    /// a × b + c, contractible into one FMA by the backend.
    func fmuladd(_ a: IRValue, _ b: IRValue, _ c: IRValue) -> IRValue { intrinsic("llvm.fmuladd.f32", [a, b, c]) }

    /// max(a, b), NaN when either is NaN, as ONNX Runtime computes Relu,
    /// Clip, Max, MaxPool and ReduceMax (llvm.maxnum would drop the NaN).
    func fmax(_ a: IRValue, _ b: IRValue) -> IRValue { propagatingNaN(a, b, keepSecondWhen: LLVMRealOLT) }

    /// min(a, b), NaN when either is NaN.
    func fmin(_ a: IRValue, _ b: IRValue) -> IRValue { propagatingNaN(a, b, keepSecondWhen: LLVMRealOGT) }

    /// `a <predicate> b ? b : a`, which keeps a NaN in `a`; a NaN in `b` needs
    /// a second select unless `b` is a constant (the bounds of Relu and Clip,
    /// which then cost one compare and one blend, as before).
    private func propagatingNaN(_ a: IRValue, _ b: IRValue, keepSecondWhen predicate: LLVMRealPredicate) -> IRValue {
        let (value, bound) = LLVMIsConstant(a) != 0 && LLVMIsConstant(b) == 0 ? (b, a) : (a, b)
        let picked = LLVMBuildSelect(builder, LLVMBuildFCmp(builder, predicate, value, bound, ""), bound, value, "")!
        if LLVMIsConstant(bound) != 0 { return picked }
        return LLVMBuildSelect(builder, LLVMBuildFCmp(builder, LLVMRealUNO, bound, bound, ""), bound, picked, "")
    }

    func floor(_ x: IRValue) -> IRValue { intrinsic("llvm.floor.f32", [x]) }

    /// Calls a float intrinsic overloaded on its argument type
    /// (`llvm.fmuladd.f32`, `llvm.fmuladd.v16f32`, …).
    func intrinsic(_ base: String, _ arguments: [IRValue]) -> IRValue {
        let valueType = LLVMTypeOf(arguments[0])!
        let isVector = LLVMGetTypeKind(valueType) == LLVMVectorTypeKind
        let element = isVector ? LLVMGetElementType(valueType)! : valueType
        let scalar = LLVMGetTypeKind(element) == LLVMDoubleTypeKind ? "f64" : "f32"
        let name = base.replacingOccurrences(
            of: ".f32", with: isVector ? ".v\(LLVMGetVectorSize(valueType))\(scalar)" : ".\(scalar)")
        var parameterTypes: [LLVMTypeRef?] = Array(repeating: valueType, count: arguments.count)
        let type = LLVMFunctionType(valueType, &parameterTypes, UInt32(arguments.count), 0)
        let function = LLVMGetNamedFunction(module, name) ?? LLVMAddFunction(module, name, type)
        var arguments: [IRValue?] = arguments
        return LLVMBuildCall2(builder, type, function, &arguments, UInt32(arguments.count), "")
    }

    /// `value` as a scalar, or splatted across `x`'s lanes when `x` is a vector.
    func constant(_ value: Float, like x: IRValue) -> IRValue {
        lanes(of: x).map { splatConstant(LLVMConstReal(f32, Double(value)), lanes: $0) } ?? constant(value)
    }

    private func lanes(of x: IRValue) -> Int? {
        let type = LLVMTypeOf(x)!
        return LLVMGetTypeKind(type) == LLVMVectorTypeKind ? Int(LLVMGetVectorSize(type)) : nil
    }

    func splatConstant(_ scalar: IRValue, lanes: Int) -> IRValue {
        var elements: [IRValue?] = Array(repeating: scalar, count: lanes)
        return LLVMConstVector(&elements, UInt32(lanes))
    }

    /// eˣ by range reduction and a degree-6 polynomial (Cephes' expf
    /// coefficients): inline, so loops that use it still vectorize, and within
    /// a few ulp over [-87.3, 88.7]; ∞ above, 0 below, NaN for NaN. Scalars or vectors.
    func exp(_ input: IRValue) -> IRValue {
        if isDouble(input) { return exp64(input) }
        func c(_ value: Float) -> IRValue { constant(value, like: input) }
        let x0 = fmin(fmax(input, c(-87.33654)), c(88.0))
        let n = floor(fadd(fmul(x0, c(1.44269504088896341)), c(0.5)))
        var x = fsub(x0, fmul(n, c(0.693359375)))
        x = fsub(x, fmul(n, c(-2.12194440e-4)))
        let z = fmul(x, x)
        var y = c(1.9875691500e-4)
        for coefficient: Float in [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]
        {
            y = fmuladd(y, x, c(coefficient))
        }
        y = fadd(fmuladd(y, z, x), c(1))
        let integers = lanes(of: input).map { LLVMVectorType(i32, UInt32($0))! } ?? i32
        let floats = lanes(of: input).map { vectorType($0) } ?? f32
        func integer(_ value: UInt64) -> IRValue {
            let scalar = LLVMConstInt(i32, value, 0)!
            return lanes(of: input).map { splatConstant(scalar, lanes: $0) } ?? scalar
        }
        let exponent = LLVMBuildAdd(builder, LLVMBuildFPToSI(builder, n, integers, ""), integer(127), "")
        let bits = LLVMBuildShl(builder, exponent, integer(23), "")
        let value = fmul(y, LLVMBuildBitCast(builder, bits, floats, ""))
        // Outside the clamped range: overflow to ∞, underflow (to subnormals,
        // within 1.2e-38) to 0, and NaN stays NaN (the clamps would hide it).
        let overflow = LLVMBuildFCmp(builder, LLVMRealOGT, input, c(88.72283), "")!
        let underflow = LLVMBuildFCmp(builder, LLVMRealOLT, input, c(-87.33654), "")!
        let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, input, input, "")!
        let bounded = LLVMBuildSelect(builder, underflow, c(0), LLVMBuildSelect(builder, overflow, c(.infinity), value, ""), "")
        return LLVMBuildSelect(builder, isNaN, input, bounded, "")
    }

    /// Applies `activation` in place to `count` elements at `pointer[base...]`.
    func apply(_ activation: Activation?, toElementsOf pointer: IRValue, from base: IRValue, count: Int) {
        guard let activation else { return }
        loop(0..<count) { index in
            let at = add(base, index)
            store(apply(activation, load(pointer, at)), pointer, at)
        }
    }

    /// Applies an activation to one element or to every lane of a vector.
    func apply(_ activation: Activation, _ x: IRValue) -> IRValue {
        func c(_ value: Float) -> IRValue { constant(value, like: x) }
        switch activation {
        case .relu:
            return fmax(x, c(0))
        case .leakyRelu(let alpha):
            let negative = LLVMBuildFCmp(builder, LLVMRealOLT, x, c(0), "")
            return LLVMBuildSelect(builder, negative, fmul(x, c(alpha)), x, "")
        case .clip(let low, let high):
            return fmin(fmax(x, c(low)), c(high))
        case .sigmoid:
            return fdiv(c(1), fadd(c(1), exp(fsub(c(0), x))))
        case .tanh:
            // tanh(x) = 1 - 2 / (e^{2x} + 1): exact at the tails, absolute error ~1e-7 near 0.
            let e = exp(fmul(x, c(2)))
            return fsub(c(1), fdiv(c(2), fadd(e, c(1))))
        }
    }
}
