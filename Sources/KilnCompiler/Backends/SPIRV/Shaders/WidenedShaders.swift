// Running totals, TopK and scatters over types narrower than 32 bits
// (float16, bfloat16, the 8- and 4-bit floats, the 16-, 8-, 4- and 2-bit
// integers, bool). Their shaders write one element per invocation, and
// these types are packed several to a 32-bit word, so invocations would
// share words. Instead the node runs on 32-bit copies in the Vulkan build's
// scratch: a pointwise widening of each such input (a constant one is
// widened at compile time), the op's own shader over the copies, and a
// pointwise narrowing into each such output, whose invocations write whole
// words.
//
// The result is the CPU's: its kernels compute these types in a 32-bit
// register (float32 for the halves), and integer sums and products wrap the
// same whether reduced at each step or once at the end. A half's scatter
// that adds or multiplies is the exception: the CPU rounds the output to
// the half after every update, so the scatter over the copy does too
// (`ShaderContext.roundsUpdatesTo`); and an 8- or 4-bit float, which the
// CPU decodes by table and encodes at every load and store, after every
// update that combines.

enum WidenedShaders {
    /// Whether `core` lowers through 32-bit copies where its data is narrower.
    static func widens(_ core: CoreOp) -> Bool {
        switch core {
        case .cumulative, .topK, .scatterElements, .scatterND: true
        default: false
        }
    }

    /// The node lowered by `lower` over 32-bit copies of its narrow values,
    /// or nil when none is narrow.
    static func lower(
        _ context: ShaderContext, _ core: CoreOp, _ lower: (ShaderContext) throws(ShaderLowering.Unsupported) -> [ShaderPlan]
    ) throws(ShaderLowering.Unsupported) -> [ShaderPlan]? {
        let node = context.node
        let values = node.inputs.compactMap { $0 } + node.outputs
        let narrow = values.filter { ShaderStorage(context.type($0).dtype).elementsPerWord > 1 }
        guard !narrow.isEmpty else { return nil }

        var graph = context.graph
        var plan = context.plan
        var widened = node
        var scratch = 0
        var copies: [(narrow: ValueID, wide: ValueID)] = []
        for id in Set(narrow).sorted(by: { $0.index < $1.index }) {
            let type = context.type(id)
            guard let wide = wideType(type.dtype) else { return nil }
            let value = graph[id]
            let copy = graph.addValue(
                Value(name: "\(value.name) (32-bit)", type: TensorType(wide, type.shape), constant: value.constant?.converted(to: wide)))
            if value.constant == nil {
                plan.offsets[copy] = context.scratchOffset + scratch
                scratch += MemoryPlanner.align(4 * type.elementCount, WeightsBlob.alignment)
            }
            widened.inputs = widened.inputs.map { $0 == id ? copy : $0 }
            widened.outputs = widened.outputs.map { $0 == id ? copy : $0 }
            copies.append((id, copy))
        }
        var wide = ShaderContext(
            graph: graph, node: widened, nodeIndex: context.nodeIndex, plan: plan, weights: context.weights,
            scratchOffset: context.scratchOffset + scratch, allowsWinograd: context.allowsWinograd)
        wide.roundsUpdatesTo = roundsUpdates(core, to: context.type(node.outputs[0]).dtype)
        for (id, copy) in copies where graph[id].constant != nil {
            wide.constantKeys[copy] = "spirv:\(context.nodeIndex):widened:\(id.index)"
        }

        var plans: [ShaderPlan] = []
        for (id, copy) in copies where node.inputs.contains(id) && graph[id].constant == nil {
            plans.append(try convert(wide, from: id, to: copy, label: "widen"))
        }
        for var inner in try lower(wide) {
            inner.scratchBytes += scratch
            plans.append(inner)
        }
        for (id, copy) in copies where node.outputs.contains(id) {
            plans.append(try convert(wide, from: copy, to: id, label: "narrow"))
        }
        for index in plans.indices { plans[index].scratchBytes = Swift.max(plans[index].scratchBytes, scratch) }
        return plans
    }

    /// The 32-bit type `dtype` computes in, nil for types without one. A 4-
    /// or 2-bit integer wraps to its bits when narrowed, which for sums and
    /// products is the CPU's wrapping after every update.
    private static func wideType(_ dtype: DType) -> DType? {
        if dtype.isMinifloat { return .float32 }
        switch dtype {
        case .float16, .bfloat16: return .float32
        case .int8, .int16, .int4, .int2: return .int32
        case .uint8, .uint16, .bool, .uint4, .uint2: return .uint32
        default: return nil
        }
    }

    /// The float `output` a scatter rounds its float32 copy to after every
    /// update, as the CPU stores each one: a half where it adds or
    /// multiplies (float32 carries more than twice a half's precision, so
    /// its sum or product rounded to the half is the half's own correctly
    /// rounded one; a maximum or minimum is one of its operands), an 8- or
    /// 4-bit float wherever it combines (its store and load are an encode
    /// and a table's decode, which the copy follows step for step).
    private static func roundsUpdates(_ core: CoreOp, to output: DType) -> DType? {
        let reduction: ScatterReduction
        switch core {
        case .scatterElements(_, let combining), .scatterND(let combining): reduction = combining
        default: return nil
        }
        if output.isMinifloat { return reduction == .none ? nil : output }
        guard output == .float16 || output == .bfloat16 else { return nil }
        return reduction == .add || reduction == .mul ? output : nil
    }

    /// `target` = `source` converted element by element (same shape).
    private static func convert(
        _ context: ShaderContext, from source: ValueID, to target: ValueID, label: String
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let shape = context.shape(target)
        let (from, to) = (context.type(source).dtype, context.type(target).dtype)
        return try PointwiseShaders.map(
            context, shape: shape, operands: [ShaderOperand(id: source, strides: Shape.strides(of: shape))], output: target,
            label: label
        ) { b, values, _ throws(ShaderLowering.Unsupported) in
            let math = ShaderMath(context: context, builder: b)
            // The 8- and 4-bit floats load and store as the CPU's kernels do.
            if from.isMinifloat { return .float(try math.decodeMinifloat(values[0], from)) }
            if to.isMinifloat, case .float(let x) = values[0] { return .bits([math.encodeMinifloat(x, to, ShaderMath.storeConversion)]) }
            return try math.cast(values[0], from: from, to: to)
        }
    }
}
