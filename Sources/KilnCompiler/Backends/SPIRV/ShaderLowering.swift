// Chooses the compute shaders for each core operation: pointwise math
// (float32, float16, bfloat16, float64, integers, int64, bool: casts,
// comparisons, logic, Where), data movement and indexing (views, transposes, slices,
// concatenation, Gather, GatherElements, GatherND, scatters, TopK,
// ArgMax/ArgMin, running totals; those writing an element per invocation
// over 32-bit copies of narrower types, WidenedShaders) in every dtype;
// contractions, convolution, pooling, softmax, layer norm and reductions
// over float32, and reductions over float64 too.
// A node outside that set makes the whole model's Vulkan build unavailable
// (the CPU runs it).

/// Maps a node's core operation to its shaders, run in order (none when the
/// node needs no code).
enum ShaderLowering {
    /// Why a node has no SPIR-V lowering.
    struct Unsupported: Error, CustomStringConvertible {
        var node: String
        var opType: String
        var reason: String
        var description: String { "node '\(node)' (\(opType)): \(reason)" }
    }

    static func lower(_ context: ShaderContext) throws(Unsupported) -> [ShaderPlan] {
        guard let core = context.node.core else { throw context.unsupported("it was not lowered to a core operation") }
        // Pointwise math and data movement take every dtype (ShaderElements,
        // ShaderTypedMath, which refuse what they cannot compute); the rest
        // float32, and a reduction float64 too (in and out), or any dtype
        // over an empty axis (its result is its starting value).
        if !takesAnyDType(core), !reductionTakesDType(context, core), let other = dataValues(context, core).first(where: { context.type($0).dtype != .float32 }) {
            throw context.unsupported(
                "value '\(context.graph[other].name)' is \(context.type(other).dtype); the Vulkan backend computes this op in float32 only")
        }
        let values = context.node.inputs.compactMap { $0 } + context.node.outputs
        // A node whose results hold no elements (a batch of 0) has nothing to compute.
        if context.node.outputs.allSatisfy({ context.type($0).elementCount == 0 }) { return [] }
        let elements = context.node.outputs.map { context.type($0).elementCount } + values.map { context.type($0).elementCount }
        guard elements.allSatisfy({ $0 < Int(Int32.max) }) else {
            throw context.unsupported("a tensor of 2³¹ elements or more is past 32-bit shader indexing")
        }
        if WidenedShaders.widens(core), let plans = try WidenedShaders.lower(context, core, lower) { return plans }
        switch core {
        case .elementwise(let function): return [try PointwiseShaders.elementwise(context, function)]
        case .view: return try PointwiseShaders.view(context).map { [$0] } ?? []
        case .transpose(let permutation): return [try PointwiseShaders.transpose(context, permutation)]
        case .stridedCopy(let offset, let strides): return [try PointwiseShaders.stridedCopy(context, offset, strides)]
        case .concat(let axis): return try PointwiseShaders.concat(context, axis: axis)
        case .gemm(let parameters): return [try ContractionShaders.gemm(context, parameters)]
        case .matMul: return [try ContractionShaders.matMul(context)]
        case .convolution(let parameters): return try ConvolutionShader.convolution(context, parameters)
        case .pool(let parameters): return [try WindowShaders.pool(context, parameters)]
        case .globalAveragePool: return [try WindowShaders.globalAveragePool(context)]
        case .softmax(let parameters): return [try RowShaders.softmax(context, parameters)]
        case .layerNormalization(let axis, let epsilon): return [try RowShaders.layerNormalization(context, axis, epsilon)]
        case .reduce(let parameters): return [try RowShaders.reduce(context, parameters)]
        case .gather(let axis): return [try IndexingShaders.gather(context, axis: axis)]
        case .argExtreme(let parameters): return [try IndexingShaders.argExtreme(context, parameters)]
        case .gatherElements(let axis): return [try IndexingShaders.gatherElements(context, axis: axis)]
        case .cumulative(let parameters): return [try RowShaders.cumulative(context, parameters)]
        case .gatherND: return [try ScatterShaders.gatherND(context)]
        case .scatterElements(let axis, let reduction): return try ScatterShaders.elements(context, axis: axis, reduction: reduction)
        case .scatterND(let reduction): return try ScatterShaders.nd(context, reduction: reduction)
        case .topK(let axis, let k, let largest): return [try IndexingShaders.topK(context, axis: axis, k: k, largest: largest)]
        }
    }

    private static func reductionTakesDType(_ context: ShaderContext, _ core: CoreOp) -> Bool {
        guard case .reduce(let parameters) = core, let x = context.input(0) else { return false }
        let shape = context.shape(x)
        return parameters.axes.contains { shape[$0] == 0 } || dataValues(context, core).allSatisfy { context.type($0).dtype == .float64 }
    }

    /// Whether `core`'s shaders handle elements of every dtype.
    private static func takesAnyDType(_ core: CoreOp) -> Bool {
        switch core {
        case .elementwise, .view, .transpose, .stridedCopy, .concat, .gather, .gatherElements, .argExtreme, .cumulative,
            .gatherND, .scatterElements, .scatterND, .topK:
            true
        default: false
        }
    }

    /// The values whose elements a float32-only op's shaders compute with:
    /// not the operands it takes as constants at compile time (a reduction's axes).
    private static func dataValues(_ context: ShaderContext, _ core: CoreOp) -> [ValueID] {
        let node = context.node
        switch core {
        case .reduce, .softmax, .pool, .globalAveragePool: return [node.input(0)].compactMap { $0 } + node.outputs
        default: return node.inputs.compactMap { $0 } + node.outputs
        }
    }
}
