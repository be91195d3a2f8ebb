// The Vulkan backend: a compute shader (or a few) per node, in the CPU
// build's order, over the CPU build's memory plan, so both builds share the
// descriptor's tensors, state and arena layout. The SPIR-V words go into
// the weights blob, which the assembly already `.incbin`s: the binary gains
// no file and the runtime reads the shaders in place.

/// A model compiled for Vulkan.
struct VulkanBuild {
    struct Dispatch {
        /// "<node name> (<op type>[ step])", as the CPU build names its kernels.
        var name: String
        /// Where the shader's SPIR-V lies in the weights blob, in bytes.
        var codeOffset: Int
        var codeSize: Int
        var workgroups: (x: Int, y: Int, z: Int)
    }

    var dispatches: [Dispatch]
}

enum VulkanBackend {
    /// The Vulkan build of `build`'s model, its shaders and constants added
    /// to `weights`, or why a node cannot run there (then `weights` is as it was).
    static func compile(_ build: ScheduledModel, weights: WeightsBlob) -> Result<VulkanBuild, ShaderLowering.Unsupported> {
        let graph = build.model.graph
        let start = weights.bytes.count
        var dispatches: [VulkanBuild.Dispatch] = []
        do {
            for (index, node) in graph.nodes.enumerated() {
                let context = ShaderContext(graph: graph, node: node, nodeIndex: index, plan: build.plan, weights: weights)
                for (part, shader) in try ShaderLowering.lower(context).enumerated() {
                    let bytes = shader.words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
                    let offset = weights.offset(for: "spirv.code:\(index).\(part)") { bytes }
                    let step = shader.label.map { " \($0)" } ?? ""
                    dispatches.append(
                        VulkanBuild.Dispatch(
                            name: "\(node.name) (\(node.opType)\(step))", codeOffset: offset, codeSize: bytes.count,
                            workgroups: shader.workgroups))
                }
            }
        } catch {
            weights.truncate(to: start)
            return .failure(error)
        }
        // Shaders index the arena and the blob in 32-bit float units.
        let limit = 4 * Int(UInt32.max)
        if build.plan.arenaSize >= limit || weights.bytes.count >= limit {
            weights.truncate(to: start)
            return .failure(
                ShaderLowering.Unsupported(
                    node: graph.modelFile, opType: "model", reason: "the arena or weights pass 16 GiB, past 32-bit shader indexing"))
        }
        return .success(VulkanBuild(dispatches: dispatches))
    }
}
