// Emits the KilnModelDescriptor constants (layout of CKiln/include/kiln_abi.h),
// one per CPU build with a table linking them, and the exported getter
// `const void *kiln_<model>_model(void)` returning the first.

import CKiln
import CLLVM

/// Builds the descriptor that the runtime loads.
struct DescriptorEmitter {
    let graph: Graph
    let modelName: String
    let context: LLVMContextRef
    let module: LLVMModuleRef

    private var i32: LLVMTypeRef { LLVMInt32TypeInContext(context) }
    private var i64: LLVMTypeRef { LLVMInt64TypeInContext(context) }
    private var i8Pointer: LLVMTypeRef { LLVMPointerType(LLVMInt8TypeInContext(context), 0) }

    /// One compiled CPU kernel: `void f(const KilnDispatchState *)`.
    struct Kernel {
        var name: String
        var function: IRValue
        var tileCount: Int
        /// Estimated scalar operations per tile (see `WorkEstimate`).
        var costPerTile: Int
        /// How the tiles follow the bounded dim's items (nil: all run every call).
        var items: TileItems? = nil
        /// The extents at which the kernel runs (nil: every call).
        var extents: ClosedRange<Int>? = nil
    }

    /// The model compiled for one CPU: its memory plan and kernels.
    struct Build {
        var target: TargetSelection
        var plan: MemoryPlan
        var kernels: [Kernel]
    }

    /// - Parameters:
    ///   - weightsSymbol: the weights blob's global (nil when it is empty).
    ///   - initialState: per state pair, the offset of its initial bytes in
    ///     the blob, or nil for zeros.
    ///   - vulkan: the model's Vulkan build and the offset of its region in
    ///     the blob, described once and named by every CPU build.
    ///   - vulkanOmission: why a Vulkan build the config asked for was left
    ///     out (the node and op), which every CPU build carries for the runtime to say.
    func emit(
        builds: [Build], vulkan: (build: VulkanBuild, offset: Int)?, vulkanOmission: String?, weights: WeightsBlob,
        weightsSymbol: IRValue?, initialState: [Int?], builder: LLVMBuilderRef
    ) {
        let tensorType = structType([i8Pointer, LLVMPointerType(i64, 0), LLVMPointerType(i32, 0), i64, i64, i32, i32])
        let stateType = structType([i8Pointer, i8Pointer, i64, i64, i64, i8Pointer])
        let dimType = structType([i8Pointer, i64])
        let executableType = structType([i8Pointer, i32, i32, i8Pointer, i64])
        let dispatchType = structType(
            [i8Pointer, i32, i32, LLVMArrayType(i32, 3), i32, i32, i32, i32, i32, i32, LLVMArrayType(i32, 3), i32, i32])
        let counts: [LLVMTypeRef] = [i32, i32, i32, i32, i32, i32, i64, i64, i64, i64, i64, i64, i64, i8Pointer]
        let tables: [LLVMTypeRef] = [tensorType, tensorType, dimType, executableType, dispatchType].map { LLVMPointerType($0, 0) }
        let variantFields: [LLVMTypeRef] = [i8Pointer, i64, i32, i32, LLVMPointerType(i8Pointer, 0), LLVMPointerType(stateType, 0), i32, i32]
        // ABI 7: the weights blob and the Vulkan build; ABI 13: why the Vulkan build was left out.
        let modelType = structType(counts + tables + variantFields + [i8Pointer, i8Pointer, i8Pointer])
        let initialPointers = initialState.map { offset -> IRValue in
            guard let offset, let weightsSymbol else { return LLVMConstNull(i8Pointer) }
            var index: [IRValue?] = [int64(offset)]
            return LLVMConstInBoundsGEP2(
                LLVMInt8TypeInContext(context), LLVMConstBitCast(weightsSymbol, i8Pointer), &index, 1)
        }
        let globals = builds.indices.map { number in
            LLVMAddGlobal(module, modelType, "kiln_\(modelName)_descriptor" + (number == 0 ? "" : "_v\(number)"))!
        }
        // Every build points at the one table of builds (none for a single build).
        let variants: IRValue =
            builds.count > 1
            ? constantArray(i8Pointer, globals.map { LLVMConstBitCast($0, i8Pointer) }, name: "kiln.variants")
            : LLVMConstNull(LLVMPointerType(i8Pointer, 0))
        let modelFile = String(graph.modelFile.split(separator: "/").last ?? Substring(graph.modelFile))
        let types = (tensorType, dimType, executableType, dispatchType, stateType, modelType)
        let weightsPointer = weightsSymbol.map { LLVMConstBitCast($0, i8Pointer)! } ?? LLVMConstNull(i8Pointer)!
        var vulkanPointer = LLVMConstNull(i8Pointer)!
        if let vulkan {
            // The Vulkan build runs over the first CPU build's memory plan and binds its own region of the blob.
            let global = LLVMAddGlobal(module, modelType, "kiln_\(modelName)_descriptor_vulkan")!
            var start: [IRValue?] = [int64(vulkan.offset)]
            let region = LLVMConstInBoundsGEP2(LLVMInt8TypeInContext(context), weightsPointer, &start, 1)!
            let description = describe(
                Build(target: builds[0].target, plan: builds[0].plan, kernels: []), vulkan: vulkan.build,
                modelFile: modelFile, variants: (0, LLVMConstNull(LLVMPointerType(i8Pointer, 0))), weights: weights,
                weightsPointer: region, vulkanPointer: LLVMConstNull(i8Pointer), omission: LLVMConstNull(i8Pointer),
                initialState: initialPointers, types: types)
            LLVMSetInitializer(global, description)
            LLVMSetGlobalConstant(global, 1)
            LLVMSetLinkage(global, LLVMInternalLinkage)
            vulkanPointer = LLVMConstBitCast(global, i8Pointer)
        }
        let omission = vulkanOmission.map { string($0) } ?? LLVMConstNull(i8Pointer)!
        for (build, global) in zip(builds, globals) {
            let descriptor = describe(
                build, vulkan: nil, modelFile: modelFile, variants: (builds.count > 1 ? builds.count : 0, variants),
                weights: weights, weightsPointer: weightsPointer, vulkanPointer: vulkanPointer, omission: omission,
                initialState: initialPointers, types: types)
            LLVMSetInitializer(global, descriptor)
            LLVMSetGlobalConstant(global, 1)
            LLVMSetLinkage(global, LLVMInternalLinkage)
        }

        var noParameters: [LLVMTypeRef?] = []
        let getterType = LLVMFunctionType(i8Pointer, &noParameters, 0, 0)
        let getter = LLVMAddFunction(module, "kiln_\(modelName)_model", getterType)!
        LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, getter, "entry"))
        LLVMBuildRet(builder, LLVMConstBitCast(globals[0], i8Pointer))
    }

    /// The descriptor of one build: a CPU build's kernels, or the Vulkan build's shaders when `vulkan` is set.
    private func describe(
        _ build: Build, vulkan: VulkanBuild?, modelFile: String, variants: (count: Int, table: IRValue),
        weights: WeightsBlob, weightsPointer: IRValue, vulkanPointer: IRValue, omission: IRValue,
        initialState: [IRValue],
        types: (
            tensor: LLVMTypeRef, dim: LLVMTypeRef, executable: LLVMTypeRef, dispatch: LLVMTypeRef, state: LLVMTypeRef,
            model: LLVMTypeRef
        )
    ) -> IRValue {
        let (tensorType, dimType, executableType, dispatchType, stateType, modelType) = types
        let plan = build.plan
        let kernels = build.kernels

        func tensorTable(_ ids: [ValueID], _ label: String) -> IRValue {
            let entries = ids.enumerated().map { position, id -> IRValue? in
                let type = graph.type(of: id)
                let shape = constantArray(i64, type.shape.map { int64($0) }, name: "kiln.\(label)\(position).shape")
                // The bounded dim sizes inputs on their axis, and any result holding its items on theirs.
                let axis = graph.boundedInputAxes[id] ?? graph.itemLayouts[id]?.axis
                let symbols: IRValue =
                    axis.map { axis in
                        constantArray(
                            i32, type.shape.indices.map { int32($0 == axis ? 0 : -1) },
                            name: "kiln.\(label)\(position).dims")
                    } ?? LLVMConstNull(LLVMPointerType(i32, 0))
                return constStruct(
                    tensorType,
                    [
                        string(graph[id].name), shape, symbols,
                        int64(plan.offsets[id] ?? 0), int64(type.byteCount), int32(type.dtype.rawValue),
                        int32(type.rank),
                    ])
            }
            return constantArray(tensorType, entries, name: "kiln.\(label)s")
        }
        var executables = kernels.map { kernel -> IRValue? in
            constStruct(
                executableType,
                [
                    string(kernel.name), int32(Int(KILN_EXECUTABLE_CPU)), int32(0),
                    LLVMConstBitCast(kernel.function, i8Pointer), int64(0),
                ])
        }
        var dispatches = kernels.enumerated().map { index, kernel -> IRValue? in
            var counts: [IRValue?] = [int32(0), int32(0), int32(0)]
            return constStruct(
                dispatchType,
                [
                    string(kernel.name), int32(index), int32(kernel.tileCount), LLVMConstArray(i32, &counts, 3),
                    int32(min(kernel.costPerTile, Int(UInt32.max))), int32(kernel.items == nil ? -1 : 0),
                    int32(kernel.items?.blocks ?? 0), int32(kernel.items?.stride ?? 0),
                    int32(kernel.extents?.lowerBound ?? 0), int32(kernel.extents?.upperBound ?? 0),
                    LLVMConstArray(i32, &counts, 3), int32(-1), int32(0),
                ])
        }
        if let vulkan {
            func executable(_ name: String, _ code: VulkanBuild.Code, usesFloat64: Bool) -> IRValue? {
                var index: [IRValue?] = [int64(code.offset)]
                let start = LLVMConstInBoundsGEP2(LLVMInt8TypeInContext(context), weightsPointer, &index, 1)
                let features = usesFloat64 ? Int(KILN_VULKAN_NEEDS_FLOAT64) : 0
                return constStruct(
                    executableType, [string(name), int32(Int(KILN_EXECUTABLE_SPIRV)), int32(features), start, int64(code.size)])
            }
            // One executable per dispatch, in dispatch order, then the subgroup variants.
            executables = vulkan.dispatches.map { executable($0.name, $0.code, usesFloat64: $0.usesFloat64) }
            var subgroupExecutables: [Int] = []
            for shader in vulkan.dispatches {
                guard let code = shader.subgroupCode else {
                    subgroupExecutables.append(-1)
                    continue
                }
                subgroupExecutables.append(executables.count)
                executables.append(executable(shader.name + " [subgroups]", code, usesFloat64: shader.usesFloat64))
            }
            dispatches = vulkan.dispatches.enumerated().map { index, shader -> IRValue? in
                var counts: [IRValue?] = [int32(shader.workgroups.x), int32(shader.workgroups.y), int32(shader.workgroups.z)]
                let cpuDevice = shader.cpuDeviceWorkgroups ?? shader.workgroups
                var cpuDeviceCounts: [IRValue?] = [int32(cpuDevice.x), int32(cpuDevice.y), int32(cpuDevice.z)]
                // Each layout's item axis + 1 in a byte of its own (kiln_abi.h's itemAxes).
                let axes = (shader.itemAxis.map { $0 + 1 } ?? 0) | (shader.cpuDeviceItemAxis.map { $0 + 1 } ?? 0) << 8
                let trimmed = axes != 0 && (graph.boundedDims.first?.bound ?? 1) > 1
                return constStruct(
                    dispatchType,
                    [
                        string(shader.name), int32(index), int32(0), LLVMConstArray(i32, &counts, 3), int32(0),
                        int32(trimmed ? 0 : -1), int32(0), int32(0), int32(0), int32(0),
                        LLVMConstArray(i32, &cpuDeviceCounts, 3), int32(subgroupExecutables[index]),
                        int32(trimmed ? axes : 0),
                    ])
            }
        }
        let states = zip(graph.state, initialState).map { pair, initial -> IRValue? in
            let (input, output) = (graph.inputs[pair.input], graph.outputs[pair.output])
            return constStruct(
                stateType,
                [
                    string(graph[input].name), string(graph[output].name), int64(plan.offsets[input] ?? 0),
                    int64(plan.offsets[output] ?? 0), int64(graph.type(of: input).byteCount), initial,
                ])
        }
        let (inputs, outputs) = (graph.apiInputs, graph.apiOutputs)
        return constStruct(
            modelType,
            [
                int32(Int(KILN_ABI_VERSION)), int32(inputs.count), int32(outputs.count), int32(graph.boundedDims.count),
                int32(executables.count), int32(dispatches.count),
                int64(vulkan?.arenaSize ?? plan.arenaSize), int64(plan.alignment), int64(0), int64(plan.stateBytes),
                int64(plan.workerScratchBytes),
                int64(vulkan?.region.count ?? weights.bytes.count), LLVMConstInt(i64, weights.digest, 0), string(modelFile),
                tensorTable(inputs, "input"), tensorTable(outputs, "output"),
                constantArray(
                    dimType, graph.boundedDims.map { constStruct(dimType, [string($0.name), int64($0.bound)]) },
                    name: "kiln.dims"),
                constantArray(executableType, executables, name: "kiln.executables"),
                constantArray(dispatchType, dispatches, name: "kiln.dispatches"),
                string(vulkan == nil ? build.target.cpu : "spirv"),
                LLVMConstInt(i64, vulkan == nil ? build.target.requiredFeatures : 0, 0),
                int32(variants.count), int32(0), variants.table,
                constantArray(stateType, states, name: "kiln.states"), int32(states.count), int32(0),
                weightsPointer, vulkanPointer, omission,
            ])
    }

    // MARK: - Constant helpers

    private func structType(_ fields: [LLVMTypeRef]) -> LLVMTypeRef {
        var fields: [LLVMTypeRef?] = fields
        return LLVMStructTypeInContext(context, &fields, UInt32(fields.count), 0)
    }

    private func constStruct(_ type: LLVMTypeRef, _ values: [IRValue?]) -> IRValue {
        var values = values
        return LLVMConstNamedStruct(type, &values, UInt32(values.count))
    }

    private func int32(_ value: Int) -> IRValue { LLVMConstInt(i32, UInt64(bitPattern: Int64(value)), 1) }
    private func int64(_ value: Int) -> IRValue { LLVMConstInt(i64, UInt64(bitPattern: Int64(value)), 1) }

    /// A private constant array; returns a pointer to its first element (null when empty).
    private func constantArray(_ element: LLVMTypeRef, _ values: [IRValue?], name: String) -> IRValue {
        guard !values.isEmpty else { return LLVMConstNull(LLVMPointerType(element, 0)) }
        var values = values
        let array = LLVMConstArray(element, &values, UInt32(values.count))
        let global = LLVMAddGlobal(module, LLVMTypeOf(array), name)!
        LLVMSetInitializer(global, array)
        LLVMSetGlobalConstant(global, 1)
        LLVMSetLinkage(global, LLVMPrivateLinkage)
        return LLVMConstBitCast(global, LLVMPointerType(element, 0))
    }

    /// A pointer to a NUL-terminated private string.
    private func string(_ text: String) -> IRValue {
        let value = LLVMConstStringInContext(context, text, UInt32(text.utf8.count), 0)!
        let global = LLVMAddGlobal(module, LLVMTypeOf(value), ".str")!
        LLVMSetInitializer(global, value)
        LLVMSetGlobalConstant(global, 1)
        LLVMSetLinkage(global, LLVMPrivateLinkage)
        LLVMSetUnnamedAddress(global, LLVMGlobalUnnamedAddr)
        return LLVMConstBitCast(global, i8Pointer)
    }
}
