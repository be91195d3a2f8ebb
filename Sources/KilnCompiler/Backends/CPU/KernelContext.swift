// What a kernel lowering sees: its node, the types of its values, and where
// each value's bytes live (arena offset or weights blob).

import CLLVM

/// The body of one kernel: `tileCount` independent tiles, each emitted by
/// `emitTile(builder, tileIndex)` with an i64 tile index.
struct KernelPlan {
    var tileCount: Int
    /// Which step of the node this kernel is, when a node lowers to several (e.g. "im2col").
    var label: String? = nil
    /// How the tiles follow the items of a bounded dim, when the node's
    /// result holds them (nil: every call runs every tile).
    var items: TileItems? = nil
    /// The extents of the bounded dim at which this kernel runs (nil: all);
    /// a node may compile one lowering per range of extents.
    var extents: ClosedRange<Int>? = nil
    var emitTile: (KernelBuilder, IRValue) -> Void

    /// This plan, declaring how its tiles follow a bounded dim's items.
    func following(_ items: TileItems) -> KernelPlan {
        var plan = self
        plan.items = items
        return plan
    }

    /// This plan, its tiles in item order (each covers a contiguous range
    /// of the result, in order).
    var inItemOrder: KernelPlan { following(.linear(tileCount)) }

    /// This plan as a node's lowering for one item: it runs alone at extent 1, every tile.
    var forOneItem: KernelPlan {
        var plan = self
        (plan.extents, plan.items) = (1...1, nil)
        return plan
    }

    /// This plan from extent 2 up to `bound`, where a lowering for one item
    /// takes extent 1; nil where it ran at extent 1 only.
    func fromSecondItem(bound: Int) -> KernelPlan? {
        let extents = self.extents ?? 1...bound
        guard extents.upperBound >= 2 else { return nil }
        var plan = self
        plan.extents = max(2, extents.lowerBound)...extents.upperBound
        return plan
    }
}

/// How a kernel's tiles cover the items of a bounded dim (IR/BoundedDim.swift):
/// tile t works on block (t / stride) % blocks, and the blocks split the
/// items evenly and in order. A call of extent n of bound B then runs only
/// the tiles of blocks below ⌈blocks·n/B⌉: a prefix of every run of
/// `blocks × stride` tiles. Kernels declare it only where it holds.
struct TileItems: Equatable {
    var blocks: Int
    var stride: Int

    /// Each tile one block, in order.
    static func linear(_ tileCount: Int) -> TileItems { TileItems(blocks: tileCount, stride: 1) }
}

/// Per-node lowering context.
struct KernelContext {
    let graph: Graph
    let node: Node
    /// The node's position in the graph, which names its data in the weights blob.
    let nodeIndex: Int
    let plan: MemoryPlan
    let weights: WeightsBlob
    /// The weights global (a placeholder until the blob's size is known).
    let weightsGlobal: IRValue
    /// Floats per SIMD register on the target.
    let vectorWidth: Int
    /// L2 cache bytes per core on the target.
    let cacheBytes: Int
    /// Arena offset of this node's scratch buffer, if the plan gave it one.
    let scratchOffset: Int?

    var location: SourceLocation { graph.location(of: node) }

    func type(_ id: ValueID) -> TensorType { graph.type(of: id) }
    func input(_ position: Int) -> ValueID? { node.input(position) }
    var output: ValueID { node.outputs[0] }

    /// How many of the first `count` row-major positions of `id` a call
    /// needs (never more than `count`): those of the call's items where `id`
    /// holds a bounded dim's items (contiguous, in order), else all of them. A kernel whose few
    /// tiles each span several items stops there, as tiles cannot.
    func itemPrefix(_ count: Int, of id: ValueID, _ b: KernelBuilder) -> IRValue {
        guard let bound = graph.itemBound(of: id), count % bound == 0 else { return b.constant(count) }
        return b.mul(b.extent, count / bound)
    }

    /// The constant contents of an input, if it is a constant.
    func constant(_ id: ValueID) -> TensorData? { graph[id].constant }

    /// Emits a pointer to `id`'s first element (its bytes in their own dtype).
    func pointer(_ id: ValueID, _ builder: KernelBuilder) -> IRValue {
        if let data = graph[id].constant {
            // The graph's own constants are the same for every build.
            return builder.globalPointer(weightsGlobal, byteOffset: weights.offset(for: "value:\(id.index)") { data.bytes })
        }
        guard let offset = plan.offsets[id] else {
            preconditionFailure("value '\(graph[id].name)' has no arena offset")
        }
        return builder.arenaPointer(byteOffset: offset)
    }

    /// Emits a float pointer to this node's scratch buffer.
    func scratchPointer(_ builder: KernelBuilder) -> IRValue {
        guard let scratchOffset else { preconditionFailure("node '\(node.name)' has no scratch buffer") }
        return builder.arenaPointer(byteOffset: scratchOffset)
    }

    /// Emits a float pointer to the running worker's private scratch, at
    /// least `KernelLowering.workerScratchBytes` bytes for this node: for data
    /// a tile produces and consumes itself, which then stays in the worker's
    /// cache from one tile to the next.
    func workerScratchPointer(_ builder: KernelBuilder, elementOffset: Int = 0) -> IRValue {
        builder.workerScratchPointer(byteOffset: 4 * elementOffset)
    }

    /// Emits a float pointer to this node's compile-time data `key` placed in
    /// the weights blob. Such data may be laid out for the target's vector
    /// width and cache, so builds for other CPUs keep their own under the
    /// same `key`. The node is told by its index: names need not be unique
    /// (a model may repeat one, or name a node as Kiln names an unnamed one).
    func constantPointer(key: String, _ builder: KernelBuilder, _ bytes: () -> [UInt8]) -> IRValue {
        let offset = weights.offset(for: "w\(vectorWidth).c\(cacheBytes):node\(nodeIndex):\(key)", bytes)
        return builder.globalPointer(weightsGlobal, byteOffset: offset)
    }

    /// Emits a pointer to a float array computed at compile time (prepacked
    /// weights, per-channel factors, divisor tables).
    func constantPointer(_ values: [Float], key: String, _ builder: KernelBuilder) -> IRValue {
        constantPointer(key: key, builder) { TensorData(shape: [values.count], floats: values).bytes }
    }
}
