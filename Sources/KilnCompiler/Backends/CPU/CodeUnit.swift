// One LLVM module in its own context, with its own target machine: a model's
// kernels are spread over several so that LLVM's optimisation and code
// generation, most of a compile, run on every core. Each unit is built on
// one thread, then compiled on whichever thread takes it; nothing is shared
// between units but symbol names.

import CLLVM
import Dispatch
import Foundation

/// A module being built, then compiled to assembly text.
final class CodeUnit: @unchecked Sendable {
    let context: LLVMContextRef
    let module: LLVMModuleRef
    let builder: LLVMBuilderRef
    let machine: LLVMTargetMachineRef
    /// Stands for the weights blob while kernels are emitted (its size is
    /// known only at the end); ``resolveWeights(_:byteCount:)`` replaces it.
    let weightsPlaceholder: IRValue

    init(name: String, target: TargetSelection, location: SourceLocation) throws {
        machine = try LLVMTarget.makeMachine(target, location: location)
        context = LLVMContextCreate()
        module = LLVMModuleCreateWithNameInContext(name, context)
        builder = LLVMCreateBuilderInContext(context)
        LLVMSetTarget(module, target.triple)
        let layout = LLVMCreateTargetDataLayout(machine)
        LLVMSetModuleDataLayout(module, layout)
        LLVMDisposeTargetData(layout)
        weightsPlaceholder = LLVMAddGlobal(module, LLVMArrayType(LLVMInt8TypeInContext(context), 0), "kiln.weights.placeholder")
    }

    deinit {
        LLVMDisposeBuilder(builder)
        LLVMDisposeModule(module)
        LLVMContextDispose(context)
        LLVMDisposeTargetMachine(machine)
    }

    /// The most bytes of weights a build declares: LLVM 14's C API counts
    /// an array's elements in 32 bits (`LLVMArrayType`).
    static let maximumWeightBytes = Int(UInt32.max)

    /// Points the placeholder's uses at the weights symbol, `byteCount`
    /// bytes defined by the assembly's `.incbin` (null when there are none).
    /// Throws, naming `location`, past ``maximumWeightBytes``.
    func resolveWeights(_ symbol: String, byteCount: Int, location: SourceLocation) throws(CompileError) {
        guard byteCount <= Self.maximumWeightBytes else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "the weights come to \(byteCount) bytes with their prepacked layouts, past the \(Self.maximumWeightBytes) "
                    + "bytes (4 GiB) one compiled model can embed",
                note: "where the model's .kiln.json lists \"vulkan\" in \"backends\", that build stores layouts of its "
                    + "own and \"cpu\" alone stores fewer; otherwise store the weights in a narrower type (float16, int8)")
        }
        if byteCount == 0 {
            // Kernels over zero-element constants may still name the weights,
            // though they read nothing: deleting a global that has uses leaves
            // them dangling (the verifier then reads freed memory).
            LLVMReplaceAllUsesWith(weightsPlaceholder, LLVMConstNull(LLVMTypeOf(weightsPlaceholder)))
        } else {
            let weights = LLVMAddGlobal(module, LLVMArrayType(LLVMInt8TypeInContext(context), UInt32(byteCount)), symbol)!
            LLVMSetVisibility(weights, LLVMHiddenVisibility)
            LLVMSetAlignment(weights, UInt32(WeightsBlob.alignment))
            LLVMReplaceAllUsesWith(weightsPlaceholder, LLVMConstBitCast(weights, LLVMTypeOf(weightsPlaceholder)))
        }
        LLVMDeleteGlobal(weightsPlaceholder)
    }

    /// A declaration of kernel `name` (`void (const KilnDispatchState *)`), defined in another unit.
    func declareKernel(_ name: String) -> IRValue {
        let function = LLVMAddFunction(module, name, Self.kernelType(in: context).function)!
        LLVMSetVisibility(function, LLVMHiddenVisibility)
        return function
    }

    /// The ABI's kernel type, `void (const KilnDispatchState *)`, with the
    /// state struct (CKiln/include/kiln_abi.h) and its field types.
    static func kernelType(
        in context: LLVMContextRef
    ) -> (function: LLVMTypeRef, state: LLVMTypeRef, fields: [LLVMTypeRef?]) {
        let i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)!
        let i32 = LLVMInt32TypeInContext(context)!
        let i64Pointer = LLVMPointerType(LLVMInt64TypeInContext(context), 0)!
        var fields: [LLVMTypeRef?] = [i8Pointer, i8Pointer, i64Pointer, i32, i32, i32, i32]
        let state = LLVMStructTypeInContext(context, &fields, UInt32(fields.count), 0)!
        var parameters: [LLVMTypeRef?] = [LLVMPointerType(state, 0)]
        return (LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 1, 0)!, state, fields)
    }

    /// Verifies, optimises (O3) and prints the module as assembly.
    func compile(location: SourceLocation) throws -> String {
        var message: UnsafeMutablePointer<CChar>?
        if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
            throw CompileError(
                .backend, at: location, "internal error: invalid LLVM IR: \(LLVMTarget.takeString(message))")
        }
        LLVMDisposeMessage(message)

        let options = LLVMCreatePassBuilderOptions()
        defer { LLVMDisposePassBuilderOptions(options) }
        LLVMPassBuilderOptionsSetLoopVectorization(options, 1)
        LLVMPassBuilderOptionsSetSLPVectorization(options, 1)
        LLVMPassBuilderOptionsSetLoopUnrolling(options, 1)
        if let error = LLVMRunPasses(module, "default<O3>", machine, options) {
            throw CompileError(
                .backend, at: location,
                "internal error: LLVM optimisation failed: \(LLVMTarget.takeString(LLVMGetErrorMessage(error)))")
        }

        var buffer: LLVMMemoryBufferRef?
        var emitError: UnsafeMutablePointer<CChar>?
        guard LLVMTargetMachineEmitToMemoryBuffer(machine, module, LLVMAssemblyFile, &emitError, &buffer) == 0,
            let buffer
        else {
            throw CompileError(
                .backend, at: location, "LLVM could not emit assembly: \(LLVMTarget.takeString(emitError))")
        }
        defer { LLVMDisposeMemoryBuffer(buffer) }
        return String(
            decoding: UnsafeRawBufferPointer(start: LLVMGetBufferStart(buffer), count: LLVMGetBufferSize(buffer)),
            as: UTF8.self)
    }

    /// Compiles every unit, as many at once as the machine has cores; the
    /// texts come back in the units' order, so the output never depends on
    /// how many threads ran.
    static func compileAll(_ units: [CodeUnit], location: SourceLocation) throws -> [String] {
        let results = Results(count: units.count)
        DispatchQueue.concurrentPerform(iterations: units.count) { index in
            results.set(index, Result { try units[index].compile(location: location) })
        }
        return try results.values().map { try $0.get() }
    }

    /// Each unit's result, written from the compiling threads.
    private final class Results: @unchecked Sendable {
        private var storage: [Result<String, any Error>?]
        private let lock = NSLock()

        init(count: Int) { storage = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ result: Result<String, any Error>) {
            lock.lock()
            storage[index] = result
            lock.unlock()
        }

        func values() -> [Result<String, any Error>] {
            lock.lock()
            defer { lock.unlock() }
            return storage.map { $0 ?? .failure(CancellationError()) }
        }
    }
}

/// Wall time of consecutive phases.
struct PhaseClock {
    private(set) var phases: [(name: String, seconds: Double)] = []
    private var last = DispatchTime.now().uptimeNanoseconds

    /// Ends the phase running since the last lap (or since the clock started).
    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        phases.append((name, Double(now - last) / 1e9))
        last = now
    }
}
