// What a shader lowering sees: its node, the types of its values and where
// each value's floats live (the arena, at the CPU build's memory plan, or
// the weights blob, shared with the CPU kernels).

/// Per-node context of a SPIR-V lowering.
struct ShaderContext {
    let graph: Graph
    let node: Node
    let nodeIndex: Int
    let plan: MemoryPlan
    let weights: WeightsBlob
    /// Where the Vulkan build's own scratch starts in the arena (past the
    /// CPU plan's end): for intermediates the CPU build never stores, such
    /// as a fused expansion's result.
    let scratchOffset: Int
    /// Whether convolutions may run as Winograd, whose transformed weights
    /// are 16/9 to 4 times the kernel's (VulkanBackend leaves it off where
    /// they would not fit a storage buffer).
    var allowsWinograd = true
    /// The model's (first) CPU build's target, whose prepacked weights a
    /// shader reads where it can, so that the blob holds them once.
    var cpuTarget: TargetSelection?
    /// The narrower float type the 32-bit output stands for, where the CPU
    /// rounds to it after every update (a scatter that combines halves or
    /// 8- and 4-bit floats, lowered over a float32 copy by `WidenedShaders`).
    var roundsUpdatesTo: DType?
    /// Weights keys of constants the lowering added itself (WidenedShaders'
    /// 32-bit copies): each node adds them to its own copy of the graph, so
    /// their IDs repeat from node to node.
    var constantKeys: [ValueID: String] = [:]

    var output: ValueID { node.outputs[0] }
    func input(_ position: Int) -> ValueID? { node.input(position) }
    func type(_ id: ValueID) -> TensorType { graph.type(of: id) }
    func shape(_ id: ValueID) -> [Int] { graph.type(of: id).shape }

    /// Whether `id` holds the bounded dim's items outermost, in order, so
    /// that work over its elements (or rows) in order reaches every item
    /// below an extent in its first part, and a call trims the rest
    /// (``ShaderPlan/itemAxis``).
    func holdsItems(_ id: ValueID) -> Bool {
        graph.itemBound(of: id) != nil
    }

    /// The node cannot run on Vulkan: `reason` says why, for the build warning.
    func unsupported(_ reason: String) -> ShaderLowering.Unsupported {
        ShaderLowering.Unsupported(node: node.name, opType: node.opType, reason: reason)
    }

    /// `id`'s floats: in the weights blob for a constant (under the key the
    /// CPU kernels use, so the bytes are stored once), else in the arena.
    func buffer(_ id: ValueID, _ b: ShaderBuilder) throws(ShaderLowering.Unsupported) -> ShaderBuffer {
        if let data = graph[id].constant {
            let key = constantKeys[id] ?? "value:\(id.index)"
            return ShaderBuffer(variable: b.weights, base: weights.offset(for: key) { data.bytes } / 4)
        }
        guard let offset = plan.offsets[id] else { throw unsupported("value '\(graph[id].name)' has no arena offset") }
        return ShaderBuffer(variable: b.arena, base: offset / 4)
    }

    /// The arena's floats from byte `offset` on.
    func arena(_ offset: Int, _ b: ShaderBuilder) -> ShaderBuffer { ShaderBuffer(variable: b.arena, base: offset / 4) }

    /// Floats computed at compile time (per-channel factors), placed in the weights blob.
    func constants(_ values: [Float], key: String, _ b: ShaderBuilder) -> ShaderBuffer {
        let offset = weights.offset(for: "spirv:\(nodeIndex):\(key)") {
            TensorData(shape: [values.count], floats: values).bytes
        }
        return ShaderBuffer(variable: b.weights, base: offset / 4)
    }
}
