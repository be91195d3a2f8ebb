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

    /// Most modules the kernels are spread over: a fixed number, so the
    /// assembly is the same whatever machine compiles it.
    static let maximumUnits = 64

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

        // Kernels go round-robin by node into several modules, each in its
        // own LLVM context, so optimisation and code generation run on every
        // core; the descriptor and its getter get a module of their own.
        // Emitting IR stays on this thread: the weights blob is shared.
        var clock = PhaseClock()
        let unitCount = Swift.max(1, Swift.min(Self.maximumUnits, graph.nodes.count))
        let units = try (0..<unitCount).map { try CodeUnit(name: "\(modelName).\($0)", target: baseline, location: location) }
        let weights = WeightsBlob()
        // The Vulkan build, when the config asks for one and every node
        // lowers: first, so that the CPU kernels read the raw constants it
        // holds from its region rather than from copies of their own.
        var vulkan: (build: VulkanBuild, offset: Int)?
        var vulkanOmission: String?
        if builds[0].model.compilesForVulkan {
            switch VulkanBackend.compile(builds[0]) {
            case .success(let build): vulkan = (build, weights.offset(for: "kiln.vulkan", adopting: build.weights))
            case .failure(let problem): vulkanOmission = "\(problem)"
            }
            clock.lap("SPIR-V (\(vulkan?.build.dispatches.count ?? 0) shaders)")
        }
        var programs: [DescriptorEmitter.Build] = []
        var kernelFunctions: [[String]] = []
        for (number, build) in builds.enumerated() {
            let prefix = builds.count == 1 ? "kiln_\(modelName)" : "kiln_\(modelName)_v\(number)"
            let (kernels, names) = try emitKernels(build, prefix: prefix, weights: weights, units: units)
            programs.append(DescriptorEmitter.Build(target: build.target, plan: build.plan, kernels: kernels))
            kernelFunctions.append(names)
        }

        clock.lap("kernel IR (\(programs.map(\.kernels.count).reduce(0, +)) kernels)")
        // What resetState() restores, where the model gives a state its initializer.
        let initialState = graph.state.enumerated().map { index, pair in
            pair.initial.map { data in weights.offset(for: "kiln.state.\(index)") { data.bytes } }
        }
        let weightsName = "kiln_\(modelName)_weights"
        for unit in units { try unit.resolveWeights(weightsName, byteCount: weights.bytes.count, location: location) }

        let main = try CodeUnit(name: modelName, target: baseline, location: location)
        try main.resolveWeights(weightsName, byteCount: weights.bytes.count, location: location)
        let weightsSymbol = weights.bytes.isEmpty ? nil : LLVMGetNamedGlobal(main.module, weightsName)
        // The descriptor names each kernel by symbol; the kernels' modules define them.
        for (index, names) in kernelFunctions.enumerated() {
            for (kernel, name) in zip(programs[index].kernels.indices, names) {
                programs[index].kernels[kernel].function = main.declareKernel(name)
            }
        }
        DescriptorEmitter(graph: graph, modelName: modelName, context: main.context, module: main.module)
            .emit(
                builds: programs, vulkan: vulkan, vulkanOmission: vulkanOmission, weights: weights,
                weightsSymbol: weightsSymbol, initialState: initialState, builder: main.builder)

        clock.lap("descriptor")
        let texts = try CodeUnit.compileAll([main] + units, location: location)
        clock.lap("LLVM O3 + code generation (\(units.count + 1) modules)")
        var assembly = Self.preprocessorSafe(texts[0])
        for (number, text) in texts.dropFirst().enumerated() {
            assembly += "\n" + Self.renamingLocalLabels(Self.preprocessorSafe(text), suffix: "_u\(number)")
        }
        // The weights are defined after LLVM's output, not as module inline
        // asm: LLVM would parse that and print the whole blob as `.ascii`.
        if !weights.bytes.isEmpty {
            assembly +=
                "\n"
                + Self.incbinAssembly(
                    symbol: weightsName, path: weightsPath, size: weights.bytes.count, digest: weights.digest)
        }
        clock.lap("assembly text")
        return BackendArtifacts(
            assembly: assembly, weights: weights.bytes, kernelNames: programs[0].kernels.map(\.name),
            phases: clock.phases,
            advice: vulkanOmission.map {
                [BuildAdvice(file: graph.modelFile, message: "no Vulkan build: \($0); the model runs on the CPU only")]
            } ?? [],
            shaderNames: vulkan?.build.dispatches.map(\.name),
            vulkanOmission: vulkanOmission)
    }

    /// One function per kernel of `build`, named `<prefix>_k<node>_<part>`,
    /// in the unit its node falls to; with the functions' names.
    private func emitKernels(
        _ build: ScheduledModel, prefix: String, weights: WeightsBlob, units: [CodeUnit]
    ) throws -> ([DescriptorEmitter.Kernel], [String]) {
        let target = build.target
        var kernels: [DescriptorEmitter.Kernel] = []
        var names: [String] = []
        for (index, node) in graph.nodes.enumerated() {
            // A node whose results hold no elements (a batch of 0) has nothing to compute.
            if !node.outputs.isEmpty, node.outputs.allSatisfy({ graph.type(of: $0).elementCount == 0 }) { continue }
            let unit = units[index % units.count]
            let kernelContext = KernelContext(
                graph: graph, node: node, nodeIndex: index, plan: build.plan, weights: weights, weightsGlobal: unit.weightsPlaceholder,
                vectorWidth: target.vectorWidth, cacheBytes: target.cacheBytes,
                scratchOffset: build.plan.scratchOffsets[index])
            let parts = try KernelLowering.lower(kernelContext)
            // The node's work, shared evenly by its parts' tiles.
            let operations = node.estimatedOperations(in: graph) / Swift.max(parts.count, 1)
            for (part, kernel) in parts.enumerated() {
                let name = "\(prefix)_k\(index)_\(part)"
                let function = makeKernelFunction(
                    name, kernel, target: target, context: unit.context, module: unit.module, builder: unit.builder)
                let step = kernel.label.map { " \($0)" } ?? ""
                kernels.append(
                    DescriptorEmitter.Kernel(
                        name: "\(node.name) (\(node.opType)\(step))", function: function, tileCount: kernel.tileCount,
                        costPerTile: operations / Swift.max(kernel.tileCount, 1),
                        // Tiles past the extent's items are skipped only where the result holds them.
                        items: graph.itemLayouts[node.outputs[0]] != nil ? kernel.items : nil, extents: kernel.extents))
                names.append(name)
            }
        }
        return (kernels, names)
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
        let (type, stateType, fields) = CodeUnit.kernelType(in: context)
        let i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)!
        let i32 = LLVMInt32TypeInContext(context)!
        let function = LLVMAddFunction(module, name, type)!
        // Defined here, called through the descriptor in another module: a
        // symbol of the program's own, never exported from it.
        LLVMSetVisibility(function, LLVMHiddenVisibility)
        addAttributes(function, target: target, context: context)
        LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, function, "entry"))
        let state = LLVMGetParam(function, 0)
        func field(_ index: UInt32) -> IRValue {
            let pointer = LLVMBuildStructGEP2(builder, stateType, state, index, "")
            return LLVMBuildLoad2(builder, fields[Int(index)], pointer, "")!
        }
        // The extent of the bounded dim (there is at most one), for kernels that follow it within a tile.
        let i64 = LLVMInt64TypeInContext(context)!
        let extent: IRValue =
            graph.boundedDims.isEmpty
            ? LLVMConstInt(i64, 0, 0) : LLVMBuildLoad2(builder, i64, field(2), "extent")!
        var arguments: [IRValue?] = [field(0), field(3), field(4), field(1), extent]
        var bodyParameters: [LLVMTypeRef?] = [i8Pointer, i32, i32, i8Pointer, i64]
        let bodyType = LLVMFunctionType(LLVMVoidTypeInContext(context), &bodyParameters, 5, 0)
        LLVMBuildCall2(builder, bodyType, body, &arguments, 5, "")
        LLVMBuildRetVoid(builder)
        return function
    }

    /// `void body(i8* noalias arena, i32 tileBegin, i32 tileEnd, i8* noalias scratch, i64 extent)`
    /// running its tiles in order; `scratch` is the worker's private scratch,
    /// `extent` the bounded dim's (0 without one).
    private func makeKernelBody(
        _ name: String, _ kernel: KernelPlan, target: TargetSelection, context: LLVMContextRef, module: LLVMModuleRef,
        builder: LLVMBuilderRef
    ) -> IRValue {
        let i32 = LLVMInt32TypeInContext(context)
        let i8Pointer = LLVMPointerType(LLVMInt8TypeInContext(context), 0)
        var parameters: [LLVMTypeRef?] = [i8Pointer, i32, i32, i8Pointer, LLVMInt64TypeInContext(context)]
        let type = LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 5, 0)
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

    /// `text` with every assembler-local label (`.L…`) given `suffix`: the
    /// modules are printed separately but assembled as one file, where each
    /// would otherwise define `.LCPI0_0`, `.Lfunc_end0` and the like.
    static func renamingLocalLabels(_ text: String, suffix: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 16)
        func isLabelByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2E || byte == 0x24
        }
        var index = 0
        while index < bytes.count {
            // `$.LCPI0_0` (an immediate) still names the label: `$` before it does not join it.
            let startsLabel =
                bytes[index] == 0x2E && index + 1 < bytes.count && bytes[index + 1] == 0x4C
                && (index == 0 || bytes[index - 1] == 0x24 || !isLabelByte(bytes[index - 1]))
            guard startsLabel else {
                out.append(bytes[index])
                index += 1
                continue
            }
            var end = index + 2
            while end < bytes.count, isLabelByte(bytes[end]) { end += 1 }
            out.append(contentsOf: bytes[index..<end])
            out.append(contentsOf: suffix.utf8)
            index = end
        }
        return String(decoding: out, as: UTF8.self)
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
