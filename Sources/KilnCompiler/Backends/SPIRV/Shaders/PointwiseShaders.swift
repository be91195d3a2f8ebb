// Shaders with one invocation per output element: pointwise math over
// broadcast operands, and every data movement that is an index map
// (copies, views, transposes, strided slices, concatenation).

/// An operand read at `offset + Σ coordinate[k] · strides[k]` of the output's coordinates.
struct ShaderOperand {
    var id: ValueID
    var strides: [Int]
    var offset = 0
}

enum PointwiseShaders {
    /// One invocation per element of `shape`, writing `output` at `outputOffset`
    /// plus the element's index under `outputStrides` (row-major when nil).
    static func map(
        _ context: ShaderContext, shape: [Int], operands: [ShaderOperand], output: ValueID,
        outputStrides: [Int]? = nil, outputOffset: Int = 0, label: String? = nil,
        _ compute: (ShaderBuilder, [SPIRVID], SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let contiguous = Shape.strides(of: shape)
        return try ShaderBuilder.perUnit(shape.reduce(1, *), label: label) { b, index throws(ShaderLowering.Unsupported) in
                // Coordinates are decoded once, only when an operand needs them.
                var decoded: [SPIRVID]?
                func coordinates() -> [SPIRVID] {
                    if let decoded { return decoded }
                    let made = b.coordinates(of: index, in: shape)
                    decoded = made
                    return made
                }
                func at(_ strides: [Int], _ offset: Int) -> SPIRVID {
                    strides == contiguous ? b.add(index, offset) : b.linear(coordinates(), strides, base: offset)
                }
                var values: [SPIRVID] = []
                for operand in operands {
                    values.append(b.load(try context.buffer(operand.id, b), at(operand.strides, operand.offset)))
                }
                let result = try compute(b, values, index)
                b.store(result, try context.buffer(output, b), at(outputStrides ?? contiguous, outputOffset))
        }
    }

    /// The node's inputs broadcast to its output's shape.
    private static func broadcastOperands(_ context: ShaderContext) -> [ShaderOperand] {
        let shape = context.shape(context.output)
        return context.node.inputs.compactMap { $0 }.map { id in
            ShaderOperand(id: id, strides: Shape.broadcastStrides(from: context.shape(id), to: shape))
        }
    }

    static func elementwise(
        _ context: ShaderContext, _ function: ElementwiseFunction
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let shape = context.shape(context.output)
        let operands = broadcastOperands(context)
        let epilogue = context.node.epilogue
        func finish(_ b: ShaderBuilder, _ value: SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID {
            guard let epilogue else { return value }
            return try ShaderMath(context: context, builder: b).float(epilogue.expression, [value])
        }
        if case .channelAffine(let scale, let shift) = function {
            guard shape.count >= 2, scale.count == shape[1], shift.count == shape[1] else {
                throw context.unsupported("a channel affine needs one scale and shift per channel of axis 1")
            }
            let channelStride = shape[2...].reduce(1, *)
            return try map(context, shape: shape, operands: operands, output: context.output) { b, values, index throws(ShaderLowering.Unsupported) in
                let channel = b.mod(b.div(index, channelStride), shape[1])
                let scaled = b.fma(
                    values[0], b.load(context.constants(scale, key: "scale", b), channel),
                    b.load(context.constants(shift, key: "shift", b), channel))
                return try finish(b, scaled)
            }
        }
        return try map(context, shape: shape, operands: operands, output: context.output) { b, values, _ throws(ShaderLowering.Unsupported) in
            let math = ShaderMath(context: context, builder: b)
            switch function {
            case .binary(let op): return try finish(b, math.binary(op, values[0], values[1]))
            case .activation(let activation): return try finish(b, math.float(activation.expression, values))
            case .copy: return try finish(b, values[0])
            case .expression(let expression): return try finish(b, math.float(expression, values))
            case .fused(let steps):
                var results = values
                for step in steps { results.append(try math.float(step, results)) }
                return try finish(b, results[results.count - 1])
            case .channelAffine, .cast, .compare, .logical, .not, .select:
                throw context.unsupported("no SPIR-V lowering yet for \(CoreOp.elementwise(function))")
            }
        }
    }

    /// A copy where the memory planner could not alias the output to the input.
    static func view(_ context: ShaderContext) throws(ShaderLowering.Unsupported) -> ShaderPlan? {
        guard let source = context.input(0) else { return nil }
        if context.graph[source].constant == nil, context.plan.offsets[source] == context.plan.offsets[context.output] {
            return nil
        }
        let shape = context.shape(context.output)
        return try map(
            context, shape: shape, operands: [ShaderOperand(id: source, strides: Shape.strides(of: shape))],
            output: context.output
        ) { _, values, _ in values[0] }
    }

    static func transpose(_ context: ShaderContext, _ permutation: [Int]) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let source = context.input(0) else { throw context.unsupported("a transpose needs an input") }
        let inputStrides = Shape.strides(of: context.shape(source))
        return try map(
            context, shape: context.shape(context.output),
            operands: [ShaderOperand(id: source, strides: permutation.map { inputStrides[$0] })], output: context.output
        ) { _, values, _ in values[0] }
    }

    static func stridedCopy(
        _ context: ShaderContext, _ offset: Int, _ strides: [Int]
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let source = context.input(0) else { throw context.unsupported("a strided copy needs an input") }
        return try map(
            context, shape: context.shape(context.output),
            operands: [ShaderOperand(id: source, strides: strides, offset: offset)], output: context.output
        ) { _, values, _ in values[0] }
    }

    /// One shader per input, each writing its slab of the output.
    static func concat(_ context: ShaderContext, axis: Int) throws(ShaderLowering.Unsupported) -> [ShaderPlan] {
        let outputShape = context.shape(context.output)
        let outputStrides = Shape.strides(of: outputShape)
        var start = 0
        var plans: [ShaderPlan] = []
        for (position, id) in context.node.inputs.enumerated() {
            guard let id else { continue }
            let shape = context.shape(id)
            defer { start += shape[axis] }
            guard shape.reduce(1, *) > 0 else { continue }
            plans.append(
                try map(
                    context, shape: shape, operands: [ShaderOperand(id: id, strides: Shape.strides(of: shape))],
                    output: context.output, outputStrides: outputStrides, outputOffset: start * outputStrides[axis],
                    label: "input \(position)"
                ) { _, values, _ in values[0] })
        }
        return plans
    }
}
