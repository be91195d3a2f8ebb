// Chooses the CPU kernels for each core operation.

/// Maps a node's core operation to its kernels, run in order (none when the
/// node needs no code).
enum KernelLowering {
    /// Arena scratch bytes a node's kernels need (0 for none); the memory
    /// planner reserves them for the node's duration.
    static func scratchBytes(_ node: Node, in graph: Graph, target: TargetSelection) -> Int {
        switch node.core {
        case .convolution(let parameters)?:
            4 * Convolution.scratchElements(node, parameters, in: graph, vectorWidth: target.vectorWidth)
        case .pool(let parameters)?: 4 * Pooling.scratchElements(node, parameters, in: graph)
        default: 0
        }
    }

    /// Private scratch bytes each worker needs while running the node's kernels.
    static func workerScratchBytes(_ node: Node, in graph: Graph, target: TargetSelection) -> Int {
        switch node.core {
        case .convolution(let parameters)?:
            4 * Convolution.workerScratchElements(node, parameters, in: graph, target: target)
        default: 0
        }
    }

    static func lower(_ context: KernelContext) throws -> [KernelPlan] {
        guard let core = context.node.core else {
            throw CompileError(.backend, at: context.location, "internal error: node was not lowered to a core op")
        }
        let plans = try plans(context, core)
        return tilesInOutputOrder(core) ? plans.map(\.inItemOrder) : plans
    }

    /// Ops whose every kernel tiles its result in order, each tile a
    /// contiguous range (rows, outer positions, chunks of elements): their
    /// tiles follow a bounded dim's items as they are. A transpose or a
    /// strided copy is an elementwise plan (Elementwise.plan) reading its
    /// input out of order; a concatenation is one tile, or one per row of
    /// the item axis.
    private static func tilesInOutputOrder(_ core: CoreOp) -> Bool {
        switch core {
        case .elementwise, .pool, .globalAveragePool, .softmax, .layerNormalization, .reduce, .gather,
            .argExtreme, .topK, .cumulative, .transpose, .stridedCopy, .concat:
            true
        default: false
        }
    }

    private static func plans(_ context: KernelContext, _ core: CoreOp) throws -> [KernelPlan] {
        switch core {
        case .convolution(let parameters): return try Convolution.lower(context, parameters)
        case .elementwise(.binary(let op)): return [Elementwise.binary(context, op)]
        case .elementwise(.activation(let activation)): return [Elementwise.activation(context, activation)]
        case .elementwise(.channelAffine(let scale, let shift)):
            return [Elementwise.channelAffine(context, scale: scale, shift: shift)]
        case .elementwise(.copy): return [Elementwise.copy(context)]
        case .elementwise(.cast(let target, let conversion)): return [Elementwise.cast(context, to: target, conversion)]
        case .elementwise(.compare(let op)): return [Elementwise.compare(context, op)]
        case .elementwise(.logical(let op)): return [Elementwise.logical(context, op)]
        case .elementwise(.not): return [Elementwise.not(context)]
        case .elementwise(.select): return [Elementwise.select(context)]
        case .elementwise(.expression(let expression)): return [Elementwise.expression(context, expression)]
        case .elementwise(.fused(let steps)): return [Elementwise.fused(context, steps)]
        case .gather(let axis): return [Indexing.gather(context, axis: axis)]
        case .gatherElements(let axis): return [Indexing.gatherElements(context, axis: axis)]
        case .cumulative(let parameters): return [Reduction.cumulative(context, parameters)]
        case .gatherND: return [Scattering.gatherND(context)]
        case .scatterElements(let axis, let reduction): return Scattering.elements(context, axis: axis, reduction: reduction)
        case .scatterND(let reduction): return Scattering.nd(context, reduction: reduction)
        case .topK(let axis, let k, let largest): return [Indexing.topK(context, axis: axis, k: k, largest: largest)]
        case .argExtreme(let parameters): return [Indexing.argExtreme(context, parameters)]
        case .reduce(let parameters): return [Reduction.reduce(context, parameters)]
        case .stridedCopy(let offset, let strides):
            return [DataMovement.stridedCopy(context, offset: offset, strides: strides)]
        case .gemm(let parameters): return MatrixMultiply.gemmLowerings(context, parameters)
        case .matMul: return [MatrixMultiply.matMul(context)]
        case .pool(let parameters): return [Pooling.pool(context, parameters)]
        case .globalAveragePool: return [Pooling.globalAverage(context)]
        case .softmax(let parameters): return [SoftmaxKernel.softmax(context, parameters)]
        case .layerNormalization(let axis, let epsilon):
            return [LayerNormKernel.layerNormalization(context, axis: axis, epsilon: epsilon)]
        case .view: return DataMovement.view(context).map { [$0] } ?? []
        case .transpose(let permutation): return [DataMovement.transpose(context, permutation: permutation)]
        case .concat(let axis): return [DataMovement.concat(context, axis: axis)]
        }
    }
}
