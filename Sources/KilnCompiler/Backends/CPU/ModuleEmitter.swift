// Builds the LLVM module for one model: a function per kernel, the weights
// declaration, the descriptor, then optimises and prints assembly.

import CKiln
import CLLVM
import Foundation

/// Emits and compiles the LLVM module of a planned graph: one build of every
/// kernel per target CPU, sharing the weights.
struct ModuleEmitter {
    /// The same model scheduled for each target, in the order the runtime lists them.
    let builds: [ScheduledModel]
    /// Where the weights blob will be; `.incbin` names it.
    let weightsPath: String

    private var graph: Graph { builds[0].model.graph }
    private var modelName: String { builds[0].model.name }

    func emit() throws -> BackendArtifacts {
        let location = graph.fileLocation
        for build in builds { try LLVMTarget.checkCPU(build.target, location: location) }
        // Code outside the kernels (the descriptor getter) runs before a build
        // is chosen: compile it for the build that needs the fewest features.
        let targets = builds.map(\.target)
        guard
            let baseline = targets.min(by: {
                $0.requiredFeatures.nonzeroBitCount < $1.requiredFeatures.nonzeroBitCount
            })
        else { preconditionFailure("a program needs at least one build") }
        let machine = try LLVMTarget.makeMachine(baseline, location: location)
        defer { LLVMDisposeTargetMachine(machine) }
        let context = LLVMContextCreate()!
        defer { LLVMContextDispose(context) }
        let module = LLVMModuleCreateWithNameInContext(modelName, context)!
        defer { LLVMDisposeModule(module) }
        let builder = LLVMCreateBuilderInContext(context)!
        defer { LLVMDisposeBuilder(builder) }

        LLVMSetTarget(module, baseline.triple)
        let layout = LLVMCreateTargetDataLayout(machine)
        LLVMSetModuleDataLayout(module, layout)
        LLVMDisposeTargetData(layout)

        let i8 = LLVMInt8TypeInContext(context)!
        let placeholder = LLVMAddGlobal(module, LLVMArrayType(i8, 0), "kiln.weights.placeholder")!
        let weights = WeightsBlob()
        var programs: [DescriptorEmitter.Build] = []
        for (number, build) in builds.enumerated() {
            let prefix = builds.count == 1 ? "kiln_\(modelName)" : "kiln_\(modelName)_v\(number)"
            let kernels = try emitKernels(
                build, prefix: prefix, weights: weights, weightsGlobal: placeholder, context: context, module: module,
                builder: builder)
            programs.append(DescriptorEmitter.Build(target: build.target, plan: build.plan, kernels: kernels))
        }

        // What resetState() restores, where the model gives a state its initializer.
        let initialState = graph.state.enumerated().map { index, pair in
            pair.initial.map { data in weights.offset(for: "kiln.state.\(index)") { data.bytes } }
        }
        var weightsSymbol: IRValue?
        if weights.bytes.isEmpty {
            // Kernels over zero-element constants may still name the weights,
            // though they read nothing: deleting a global that has uses leaves
            // them dangling (the verifier then reads freed memory).
            LLVMReplaceAllUsesWith(placeholder, LLVMConstNull(LLVMTypeOf(placeholder)))
            LLVMDeleteGlobal(placeholder)
        } else {
            let symbol = "kiln_\(modelName)_weights"
            let real = LLVMAddGlobal(module, LLVMArrayType(i8, UInt32(weights.bytes.count)), symbol)!
            LLVMSetVisibility(real, LLVMHiddenVisibility)
            LLVMSetAlignment(real, UInt32(WeightsBlob.alignment))
            LLVMReplaceAllUsesWith(placeholder, LLVMConstBitCast(real, LLVMTypeOf(placeholder)))
            LLVMDeleteGlobal(placeholder)
            weightsSymbol = real
        }

        DescriptorEmitter(graph: graph, modelName: modelName, context: context, module: module)
            .emit(
                builds: programs, weights: weights, weightsSymbol: weightsSymbol, initialState: initialState,
                builder: builder)

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
        let text = String(
            decoding: UnsafeRawBufferPointer(
                start: LLVMGetBufferStart(buffer), count: LLVMGetBufferSize(buffer)),
            as: UTF8.self)
        // The weights are defined after LLVM's output, not as module inline
        // asm: LLVM would parse that and print the whole blob as `.ascii`.
        var assembly = Self.preprocessorSafe(text)
        if !weights.bytes.isEmpty {
            assembly +=
                "\n"
                + Self.incbinAssembly(
                    symbol: "kiln_\(modelName)_weights", path: weightsPath, size: weights.bytes.count,
                    digest: weights.digest)
        }
        return BackendArtifacts(
            assembly: assembly, weights: weights.bytes, kernelNames: programs[0].kernels.map(\.name))
    }

    /// One function per kernel of `build`, named `<prefix>_k<node>_<part>`.
    private func emitKernels(
        _ build: ScheduledModel, prefix: String, weights: WeightsBlob, weightsGlobal: IRValue,
        context: LLVMContextRef, module: LLVMModuleRef, builder: LLVMBuilderRef
    ) throws -> [DescriptorEmitter.Kernel] {
        let target = build.target
        var kernels: [DescriptorEmitter.Kernel] = []
        for (index, node) in graph.nodes.enumerated() {
            // A node whose results hold no elements (a batch of 0) has nothing to compute.
            if !node.outputs.isEmpty, node.outputs.allSatisfy({ graph.type(of: $0).elementCount == 0 }) { continue }
            let kernelContext = KernelContext(
                graph: graph, node: node, plan: build.plan, weights: weights, weightsGlobal: weightsGlobal,
                vectorWidth: target.vectorWidth, cacheBytes: target.cacheBytes,
                scratchOffset: build.plan.scratchOffsets[index])
            let parts = try KernelLowering.lower(kernelContext)
            // The node's work, shared evenly by its parts' tiles.
            let operations = node.estimatedOperations(in: graph) / Swift.max(parts.count, 1)
            for (part, kernel) in parts.enumerated() {
                let function = makeKernelFunction(
                    "\(prefix)_k\(index)_\(part)", kernel, target: target, context: context, module: module,
                    builder: builder)
                let step = kernel.label.map { " \($0)" } ?? ""
                kernels.append(
                    DescriptorEmitter.Kernel(
                        name: "\(node.name) (\(node.opType)\(step))", function: function, tileCount: kernel.tileCount,
                        costPerTile: operations / Swift.max(kernel.tileCount, 1)))
            }
        }
        return kernels
    }

    /// LLVM's attribute index for the function itself (~0U in the C API).
    private static let functionIndex = LLVMAttributeIndex.max

    /// The kernel as the ABI calls it, `void kernel(const KilnDispatchState *)`:
    /// a wrapper that reads the state and calls the body, which takes the
    /// arena as a `noalias` parameter. O3 inlines the body and keeps that
    /// fact as alias scopes, so the loops vectorize as freely as before.
    private func makeKernelFunction(
        _ name: String, _ kernel: KernelPlan, target: TargetSelection, context: LLVMContextRef, module: LLVMModuleRef,
        builder: LLVMBuilderRef
    ) -> IRValue {
        let body = makeKernelBody(
            name + ".body", kernel, target: target, context: context, module: module, builder: builder)
        let i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)!
        let i32 = LLVMInt32TypeInContext(context)!
        let i64Pointer = LLVMPointerType(LLVMInt64TypeInContext(context), 0)!
        var fields: [LLVMTypeRef?] = [i8Pointer, i8Pointer, i64Pointer, i32, i32, i32, i32]
        let stateType = LLVMStructTypeInContext(context, &fields, UInt32(fields.count), 0)!
        var parameters: [LLVMTypeRef?] = [LLVMPointerType(stateType, 0)]
        let type = LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 1, 0)
        let function = LLVMAddFunction(module, name, type)!
        LLVMSetLinkage(function, LLVMInternalLinkage)
        addAttributes(function, target: target, context: context)
        LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, function, "entry"))
        let state = LLVMGetParam(function, 0)
        func field(_ index: UInt32) -> IRValue {
            let pointer = LLVMBuildStructGEP2(builder, stateType, state, index, "")
            return LLVMBuildLoad2(builder, fields[Int(index)], pointer, "")!
        }
        var arguments: [IRValue?] = [field(0), field(3), field(4), field(1)]
        var bodyParameters: [LLVMTypeRef?] = [i8Pointer, i32, i32, i8Pointer]
        let bodyType = LLVMFunctionType(LLVMVoidTypeInContext(context), &bodyParameters, 4, 0)
        LLVMBuildCall2(builder, bodyType, body, &arguments, 4, "")
        LLVMBuildRetVoid(builder)
        return function
    }

    /// `void body(i8* noalias arena, i32 tileBegin, i32 tileEnd, i8* noalias scratch)`
    /// running its tiles in order; `scratch` is the worker's private scratch.
    private func makeKernelBody(
        _ name: String, _ kernel: KernelPlan, target: TargetSelection, context: LLVMContextRef, module: LLVMModuleRef,
        builder: LLVMBuilderRef
    ) -> IRValue {
        let i32 = LLVMInt32TypeInContext(context)
        let i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)
        var parameters: [LLVMTypeRef?] = [i8Pointer, i32, i32, i8Pointer]
        let type = LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 4, 0)
        let function = LLVMAddFunction(module, name, type)!
        LLVMSetLinkage(function, LLVMInternalLinkage)
        for (attribute, index) in [("noalias", 1), ("nocapture", 1), ("noalias", 4), ("nocapture", 4)] {
            let kind = LLVMGetEnumAttributeKindForName(attribute, attribute.utf8.count)
            LLVMAddAttributeAtIndex(function, UInt32(index), LLVMCreateEnumAttribute(context, kind, 0))
        }
        addAttributes(function, target: target, context: context)

        LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, function, "entry"))
        let b = KernelBuilder(context: context, module: module, builder: builder, function: function)
        let i64 = b.i64
        let begin = LLVMBuildZExt(builder, LLVMGetParam(function, 1), i64, "begin")!
        let end = LLVMBuildZExt(builder, LLVMGetParam(function, 2), i64, "end")!
        if kernel.tileCount == 1 {
            kernel.emitTile(b, b.constant(0))
        } else {
            b.loop(from: begin, to: end) { tile in kernel.emitTile(b, tile) }
        }
        LLVMBuildRetVoid(builder)
        return function
    }

    /// nounwind and the build's CPU and features, on every kernel function:
    /// LLVM compiles each function for its own attributes, so the builds of
    /// one module each get their own instructions.
    private func addAttributes(_ function: IRValue, target: TargetSelection, context: LLVMContextRef) {
        let nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8)
        LLVMAddAttributeAtIndex(function, Self.functionIndex, LLVMCreateEnumAttribute(context, nounwind, 0))
        for (key, value) in [("target-cpu", target.cpu), ("target-features", target.features)] where !value.isEmpty {
            LLVMAddAttributeAtIndex(
                function, Self.functionIndex,
                LLVMCreateStringAttribute(context, key, UInt32(key.utf8.count), value, UInt32(value.utf8.count)))
        }
    }

    /// Assembly defining the weights symbol from the blob file (ELF). The
    /// digest comment makes the `.S` change whenever the blob does: the
    /// assembler's dependency file does not list `.incbin` files.
    static func incbinAssembly(symbol: String, path: String, size: Int, digest: UInt64) -> String {
        let quoted = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
            /* weights: \(size) bytes, FNV-1a \(String(digest, radix: 16)) */
            .section .rodata.\(symbol),"a",@progbits
            .p2align 6
            .hidden \(symbol)
            .type \(symbol),@object
            \(symbol):
            .incbin "\(quoted)"
            .size \(symbol), \(size)

            """
    }

    /// The assembly is compiled as `.S`, which runs the C preprocessor first:
    /// LLVM's whole-line `#` comments would read as directives, so drop them.
    static func preprocessorSafe(_ assembly: String) -> String {
        var lines: [Substring] = []
        for line in assembly.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
