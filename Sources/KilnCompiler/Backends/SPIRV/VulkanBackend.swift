// The Vulkan backend: a compute shader (or a few) per node, in the CPU
// build's order, over the CPU build's memory plan, so both builds share the
// descriptor's tensors, state and arena layout. The shaders' constants and
// SPIR-V words form one region of their own, the first thing in the weights
// blob the assembly already `.incbin`s: the binary gains no file, the
// runtime reads the shaders in place, and the device binds only that region
// (the CPU's prepacked weights stay off it: a storage buffer may be as small
// as 128 MiB, lavapipe's limit). The constants both builds read raw are
// stored once, there: the CPU build's kernels point into the region.

/// A model compiled for Vulkan.
struct VulkanBuild {
    /// Where a shader's SPIR-V lies in the weights blob, in bytes.
    struct Code {
        var offset: Int
        var size: Int
    }

    struct Dispatch {
        /// "<node name> (<op type>[ step])", as the CPU build names its kernels.
        var name: String
        var code: Code
        /// The variant with subgroup operations, if the shader has one.
        var subgroupCode: Code?
        var workgroups: (x: Int, y: Int, z: Int)
        /// The counts on a CPU device (specialization constant 2), where the
        /// shader lays its work out otherwise there; nil: `workgroups`.
        var cpuDeviceWorkgroups: (x: Int, y: Int, z: Int)?
        /// One of a Winograd convolution's shaders.
        var isWinograd = false
        /// The workgroup axes holding the bounded dim's items in order, in
        /// each layout (``ShaderPlan/itemAxis``); nil: every workgroup runs at every extent.
        var itemAxis: Int? = nil
        var cpuDeviceItemAxis: Int? = nil
        /// Whether it computes in float64 (the device needs shaderFloat64).
        var usesFloat64 = false
    }

    var dispatches: [Dispatch]
    /// The nodes whose convolutions run as Winograd.
    var winogradNodes: Set<Int> = []
    /// The region the shaders bind as their weights: constants and SPIR-V,
    /// by key (the CPU build finds the raw constants both read there).
    var weights: WeightsBlob
    var region: [UInt8] { weights.bytes }
    /// The arena the shaders need: the CPU plan's and the build's own scratch after it.
    var arenaSize: Int
}

enum VulkanBackend {
    /// The storage buffer range every Vulkan device binds (the required
    /// minimum of maxStorageBufferRange, and lavapipe's).
    static let storageRangeEveryDeviceHas = 1 << 27

    /// The Vulkan build of `build`'s model, or why a node cannot run there.
    /// Winograd's transformed weights (and its scratch) must not be what
    /// takes a model past `storageRange`, the range every device binds:
    /// where they do, the convolutions with the most weights (whose
    /// transforms cost the most bytes, and gain least, on small late maps)
    /// go back to the direct shaders one at a time until the model fits.
    /// A model too large even with none keeps Winograd, for the devices that bind more.
    static func compile(
        _ build: ScheduledModel, storageRange: Int = storageRangeEveryDeviceHas
    ) -> Result<VulkanBuild, ShaderLowering.Unsupported> {
        let graph = build.model.graph
        let fast = compile(build, winograd: Set(graph.nodes.indices))
        func footprint(_ built: VulkanBuild) -> Int { Swift.max(built.region.count, built.arenaSize) }
        func fits(_ built: VulkanBuild) -> Bool { footprint(built) <= storageRange }
        func weightCount(_ index: Int) -> Int {
            graph.nodes[index].input(1).map { graph.type(of: $0).elementCount } ?? 0
        }
        guard case .success(var built) = fast else { return fast }
        // The most weights first; of equals, the earliest node. A removal that
        // does not shrink the footprint (F(2,3)'s weights can weigh less than
        // the direct shader's copies) is not kept.
        let candidates = built.winogradNodes.sorted { (weightCount($0), -$0) > (weightCount($1), -$1) }
        for node in candidates where !fits(built) {
            guard case .success(let next) = compile(build, winograd: built.winogradNodes.subtracting([node])) else { return fast }
            if footprint(next) < footprint(built) { built = next }
        }
        guard fits(built) else { return fast }
        return .success(built)
    }

    private static func compile(_ build: ScheduledModel, winograd: Set<Int>) -> Result<VulkanBuild, ShaderLowering.Unsupported> {
        let graph = build.model.graph
        let weights = WeightsBlob()
        var dispatches: [VulkanBuild.Dispatch] = []
        var winogradNodes: Set<Int> = []
        let scratchOffset = MemoryPlanner.align(build.plan.arenaSize, WeightsBlob.alignment)
        var scratchBytes = 0
        do throws(ShaderLowering.Unsupported) {
            for (index, node) in graph.nodes.enumerated() {
                var context = ShaderContext(
                    graph: graph, node: node, nodeIndex: index, plan: build.plan, weights: weights,
                    scratchOffset: scratchOffset)
                context.allowsWinograd = winograd.contains(index)
                context.cpuTarget = build.target
                if build.model.opsWithoutShaders.contains(node.opType) {
                    throw context.unsupported("its op is held off Vulkan for this build")
                }
                for (part, shader) in try ShaderLowering.lower(context).enumerated() {
                    scratchBytes = Swift.max(scratchBytes, shader.scratchBytes)
                    if shader.isWinograd { winogradNodes.insert(index) }
                    func code(_ words: [UInt32], _ key: String) -> VulkanBuild.Code {
                        let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
                        return VulkanBuild.Code(offset: weights.offset(for: "\(key):\(index).\(part)") { bytes }, size: bytes.count)
                    }
                    let step = shader.label.map { " \($0)" } ?? ""
                    dispatches.append(
                        VulkanBuild.Dispatch(
                            name: "\(node.name) (\(node.opType)\(step))", code: code(shader.words, "spirv.code"),
                            subgroupCode: shader.subgroupWords.map { code($0, "spirv.subgroups") },
                            workgroups: shader.workgroups,
                            cpuDeviceWorkgroups: shader.cpuDeviceWorkgroups,
                            isWinograd: shader.isWinograd, itemAxis: shader.itemAxis,
                            cpuDeviceItemAxis: shader.cpuDeviceWorkgroups == nil ? shader.itemAxis : shader.cpuDeviceItemAxis,
                            usesFloat64: shader.usesFloat64))
                }
            }
        } catch {
            return .failure(error)
        }
        // Shaders index the arena and the blob in 32-bit float units.
        let limit = 4 * Int(UInt32.max)
        let arenaSize = scratchBytes == 0 ? build.plan.arenaSize : scratchOffset + scratchBytes
        if arenaSize >= limit || weights.bytes.count >= limit {
            return .failure(
                ShaderLowering.Unsupported(
                    node: graph.modelFile, opType: "model", reason: "the arena or weights pass 16 GiB, past 32-bit shader indexing"))
        }
        return .success(VulkanBuild(dispatches: dispatches, winogradNodes: winogradNodes, weights: weights, arenaSize: arenaSize))
    }
}
