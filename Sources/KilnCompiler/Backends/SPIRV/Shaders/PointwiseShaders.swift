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
    /// Operands and result may be of any dtype; an output of a packed dtype
    /// (bytes, half-words) must be row-major from its start.
    static func map(
        _ context: ShaderContext, shape: [Int], operands: [ShaderOperand], output: ValueID,
        outputStrides: [Int]? = nil, outputOffset: Int = 0, label: String? = nil,
        _ compute: (ShaderBuilder, [ShaderScalar], SPIRVID) throws(ShaderLowering.Unsupported) -> ShaderScalar
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let contiguous = Shape.strides(of: shape)
        func value(_ b: ShaderBuilder, _ index: SPIRVID) throws(ShaderLowering.Unsupported) -> ShaderScalar {
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
            var values: [ShaderScalar] = []
            for operand in operands {
                values.append(b.loadElement(context.type(operand.id).dtype, try context.buffer(operand.id, b), at(operand.strides, operand.offset)))
            }
            return try compute(b, values, index)
        }
        let count = shape.reduce(1, *)
        if (outputStrides ?? contiguous) == contiguous, outputOffset == 0 {
            return try elements(context, count: count, output: output, label: label, value)
        }
        let dtype = context.type(output).dtype
        guard ShaderStorage(dtype).elementsPerWord == 1 else {
            throw context.unsupported("a \(dtype) result written out of order shares words between invocations")
        }
        return try ShaderBuilder.perUnit(count, label: label) { b, index throws(ShaderLowering.Unsupported) in
            let result = try value(b, index)
            let position = b.linear(b.coordinates(of: index, in: shape), outputStrides ?? contiguous, base: outputOffset)
            b.storeElement(result, dtype, try context.buffer(output, b), position)
        }
    }

    /// Element `index` ..< `count` of `output`, in row-major order, each
    /// `compute(index)`. A packed dtype's elements share words, so each
    /// invocation then computes a word's worth and writes the whole word;
    /// lanes past the end (the last word's, in the allocation's padding) get zeros.
    static func elements(
        _ context: ShaderContext, count: Int, output: ValueID, label: String? = nil,
        _ compute: (ShaderBuilder, SPIRVID) throws(ShaderLowering.Unsupported) -> ShaderScalar
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let dtype = context.type(output).dtype
        let itemMajor = count == context.type(output).elementCount && context.holdsItems(output)
        guard case .packed(let bytes) = ShaderStorage(dtype) else {
            return try ShaderBuilder.perUnit(count, label: label, itemMajor: itemMajor) { b, index throws(ShaderLowering.Unsupported) in
                b.storeElement(try compute(b, index), dtype, try context.buffer(output, b), index)
            }
        }
        let perWord = 4 / bytes
        return try ShaderBuilder.perUnit((count + perWord - 1) / perWord, label: label, itemMajor: itemMajor) {
            b, word throws(ShaderLowering.Unsupported) in
            var lanes: [SPIRVID] = []
            for lane in 0..<perWord {
                let index = b.add(b.mul(word, perWord), lane)
                guard count % perWord != 0 else {
                    lanes.append(b.elementWords(try compute(b, index), dtype)[0])
                    continue
                }
                // The last word's lanes past the end compute the last element again (in bounds) and keep 0.
                let inside = b.less(index, b.u(count))
                let bits = b.elementWords(try compute(b, b.m.glsl(.uMin, b.uint, [index, b.u(count - 1)])), dtype)[0]
                lanes.append(b.m.value(.select, b.uint, [inside, bits, b.u(0)]))
            }
            b.storePackedWord(lanes, bytes: bytes, try context.buffer(output, b), word)
        }
    }

    /// The node's inputs broadcast to its output's shape.
    private static func broadcastOperands(_ context: ShaderContext) -> [ShaderOperand] {
        let shape = context.shape(context.output)
        return context.node.inputs.compactMap { $0 }.map { id in
            ShaderOperand(id: id, strides: Shape.broadcastStrides(from: context.shape(id), to: shape))
        }
    }

    /// Pointwise math over broadcast operands, in any computed dtype
    /// (ShaderTypedMath), with the node's fused activation.
    static func elementwise(
        _ context: ShaderContext, _ function: ElementwiseFunction
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let shape = context.shape(context.output)
        let operands = broadcastOperands(context)
        guard let first = operands.first else { throw context.unsupported("a pointwise function needs an operand") }
        // Formulas compute in operand 0's dtype, as on the CPU.
        let dtype = context.type(first.id).dtype
        let resultType = context.type(context.output).dtype
        let epilogue = context.node.epilogue
        func finish(_ math: ShaderMath, _ value: ShaderScalar) throws(ShaderLowering.Unsupported) -> ShaderScalar {
            guard let epilogue else { return value }
            return try math.evaluate(epilogue.expression, [value], resultType)
        }
        if case .channelAffine(let scale, let shift) = function {
            guard shape.count >= 2, scale.count == shape[1], shift.count == shape[1], dtype == .float32 else {
                throw context.unsupported("a channel affine needs float32 and one scale and shift per channel of axis 1")
            }
            let channelStride = shape[2...].reduce(1, *)
            return try map(context, shape: shape, operands: operands, output: context.output) { b, values, index throws(ShaderLowering.Unsupported) in
                let math = ShaderMath(context: context, builder: b)
                let channel = b.mod(b.div(index, channelStride), shape[1])
                let scaled = b.fma(
                    try math.float(values[0]), b.load(context.constants(scale, key: "scale", b), channel),
                    b.load(context.constants(shift, key: "shift", b), channel))
                return try finish(math, .float(scaled))
            }
        }
        return try map(context, shape: shape, operands: operands, output: context.output) { b, values, _ throws(ShaderLowering.Unsupported) in
            let math = ShaderMath(context: context, builder: b)
            switch function {
            case .binary(let op): return try finish(math, math.arithmetic(op, values[0], values[1], dtype))
            case .activation(let activation): return try finish(math, math.evaluate(activation.expression, values, dtype))
            case .copy: return try finish(math, values[0])
            case .expression(let expression): return try finish(math, math.evaluate(expression, values, dtype))
            case .fused(let steps):
                var results = try values.map { value throws(ShaderLowering.Unsupported) in try math.float(value) }
                for step in steps { results.append(try math.float(step, results)) }
                return try finish(math, .float(results[results.count - 1]))
            case .cast(let target, let conversion):
                var (value, source) = (values[0], dtype)
                if dtype.isMinifloat { (value, source) = (.float(try math.decodeMinifloat(value, dtype)), .float32) }
                guard target.isMinifloat else { return try math.cast(value, from: source, to: target) }
                // Through float32, as the CPU's convert does.
                let wide = try math.float(math.cast(value, from: source, to: .float32))
                return .bits([math.encodeMinifloat(wide, target, conversion)])
            case .compare(let op): return .bool(try math.compare(op, values[0], values[1], dtype))
            case .logical(let op): return try math.logical(op, values[0], values[1])
            case .not: return try math.not(values[0])
            case .select: return try math.select(values[0], values[1], values[2])
            case .channelAffine: throw context.unsupported("a channel affine is lowered above")
            }
        }
    }

    /// A copy where the memory planner could not alias the output to the input.
    static func view(_ context: ShaderContext) throws(ShaderLowering.Unsupported) -> ShaderPlan? {
        guard let source = context.input(0) else { return nil }
        if context.graph[source].constant == nil, context.plan.offsets[source] == context.plan.offsets[context.output] {
            return nil
        }
        // `map` converts between dtypes; a view (BitCast) must keep the bits.
        guard context.type(source).dtype == context.type(context.output).dtype else {
            throw context.unsupported("a copy of \(context.type(source).dtype) bits as \(context.type(context.output).dtype) has no SPIR-V lowering")
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
        if ShaderStorage(context.type(context.output).dtype).elementsPerWord > 1 { return [try packedConcat(context, axis: axis)] }
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

    /// Concatenation of a packed dtype in one shader over the output, whose
    /// invocations each write whole words: per element, the input whose slab
    /// holds it (every input is read in bounds, the others' values dropped).
    private static func packedConcat(_ context: ShaderContext, axis: Int) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let outputShape = context.shape(context.output)
        let dtype = context.type(context.output).dtype
        var slabs: [(id: ValueID, start: Int, shape: [Int])] = []
        var start = 0
        for case let id? in context.node.inputs {
            let shape = context.shape(id)
            if shape.reduce(1, *) > 0 { slabs.append((id, start, shape)) }
            start += shape[axis]
        }
        guard !slabs.isEmpty else { throw context.unsupported("a concatenation needs an input with elements") }
        return try elements(context, count: outputShape.reduce(1, *), output: context.output) { b, index throws(ShaderLowering.Unsupported) in
            let coordinates = b.coordinates(of: index, in: outputShape)
            var result: ShaderScalar?
            for slab in slabs {
                let local = b.m.value(.iSub, b.uint, [coordinates[axis], b.u(slab.start)])
                let inside = b.less(local, b.u(slab.shape[axis]))  // below the start, the difference wraps past it
                var at = coordinates
                at[axis] = b.m.value(.select, b.uint, [inside, local, b.u(0)])
                let value = b.loadElement(dtype, try context.buffer(slab.id, b), b.linear(at, Shape.strides(of: slab.shape)))
                guard let earlier = result else {
                    result = value
                    continue
                }
                result = b.select(inside, value, earlier)
            }
            guard let result else { throw context.unsupported("a concatenation needs an input with elements") }
            return result
        }
    }
}
