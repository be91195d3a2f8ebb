// Shaders with one invocation per row: softmax and layer normalization
// (several passes over a row), reductions (one output element's inputs)
// and cumulative sums and products (a running total along the row).

enum RowShaders {
    static func softmax(_ context: ShaderContext, _ parameters: SoftmaxParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a softmax needs an input") }
        let shape = context.shape(xID)
        let axis = parameters.axis
        let flattens = parameters.flattensTrailingAxes
        let outer = shape[..<axis].reduce(1, *)
        let length = flattens ? shape[axis...].reduce(1, *) : shape[axis]
        let inner = flattens ? 1 : shape[(axis + 1)...].reduce(1, *)
        return try ShaderBuilder.perUnit(outer * inner) { b, row throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let base = b.add(b.mul(b.div(row, inner), length * inner), inner == 1 ? b.u(0) : b.mod(row, inner))
            func at(_ i: SPIRVID) -> SPIRVID { b.add(base, b.mul(i, inner)) }
            let peak = b.variable(b.f(-.infinity))
            b.loop(length) { i in b.write(peak, b.fmax(b.read(peak), b.load(input, at(i)))) }
            let top = b.read(peak)
            let sum = b.variable(b.f(0))
            b.loop(length) { i in
                let e = b.glsl(.exp, b.fsub(b.load(input, at(i)), top))
                b.store(e, output, at(i))
                b.write(sum, b.fadd(b.read(sum), e))
            }
            let scale = b.fdiv(b.f(1), b.read(sum))
            b.loop(length) { i in b.store(b.fmul(b.reload(output, at(i)), scale), output, at(i)) }
        }
    }

    /// (x − mean) / √(variance + ε) · scale + bias over the axes from `axis` on.
    static func layerNormalization(
        _ context: ShaderContext, _ axis: Int, _ epsilon: Float
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a layer norm needs an input") }
        let shape = context.shape(xID)
        let rows = shape[..<axis].reduce(1, *)
        let length = shape[axis...].reduce(1, *)
        let (scaleID, biasID) = (context.input(1), context.input(2))
        return try ShaderBuilder.perUnit(rows) { b, row throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let scale = try scaleID.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
            let bias = try biasID.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
            let base = b.mul(row, length)
            let inverseLength = b.f(1 / Float(Swift.max(length, 1)))
            let sum = b.variable(b.f(0))
            b.loop(length) { i in b.write(sum, b.fadd(b.read(sum), b.load(input, b.add(base, i)))) }
            let mean = b.fmul(b.read(sum), inverseLength)
            let squares = b.variable(b.f(0))
            b.loop(length) { i in
                let d = b.fsub(b.load(input, b.add(base, i)), mean)
                b.write(squares, b.fma(d, d, b.read(squares)))
            }
            let variance = b.fmul(b.read(squares), inverseLength)
            let factor = b.fdiv(b.f(1), b.glsl(.sqrt, b.fadd(variance, b.f(epsilon))))
            b.loop(length) { i in
                var y = b.fmul(b.fsub(b.load(input, b.add(base, i)), mean), factor)
                if let scale { y = b.fmul(y, b.load(scale, i)) }
                if let bias { y = b.fadd(y, b.load(bias, i)) }
                b.store(y, output, b.add(base, i))
            }
        }
    }

    /// One invocation per output element, over the input elements it reduces.
    static func reduce(_ context: ShaderContext, _ parameters: ReduceParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a reduction needs an input") }
        let shape = context.shape(xID)
        let strides = Shape.strides(of: shape)
        let reduced = Set(parameters.axes)
        let kept = shape.indices.filter { !reduced.contains($0) }
        let keptShape = kept.map { shape[$0] }
        let reducedShape = parameters.axes.map { shape[$0] }
        let count = reducedShape.reduce(1, *)
        let kind = parameters.kind
        return try ContractionShaders.perElement(context, count: context.type(context.output).elementCount) {
            b, index throws(ShaderLowering.Unsupported) in
            let input = try context.buffer(xID, b)
            let base = b.linear(b.coordinates(of: index, in: keptShape), kept.map { strides[$0] })
            func element(_ r: SPIRVID) -> SPIRVID {
                b.load(input, b.add(base, b.linear(b.coordinates(of: r, in: reducedShape), parameters.axes.map { strides[$0] })))
            }
            // ln Σ eˣ subtracts the largest x first, so large inputs do not overflow.
            let peak = kind == .logSumExp ? b.variable(b.f(-.infinity)) : nil
            if let peak { b.loop(count) { r in b.write(peak, b.fmax(b.read(peak), element(r))) } }
            let shift = peak.map { b.read($0) }
            let initial: Float =
                switch kind {
                case .maximum: -.infinity
                case .minimum: .infinity
                case .product: 1
                default: 0
                }
            let total = b.variable(b.f(initial))
            b.loop(count) { r in
                let x = element(r)
                let sum = b.read(total)
                let next: SPIRVID =
                    switch kind {
                    case .sum, .mean, .logSum: b.fadd(sum, x)
                    case .maximum: b.fmax(sum, x)
                    case .minimum: b.fmin(sum, x)
                    case .product: b.fmul(sum, x)
                    case .sumAbsolute: b.fadd(sum, b.glsl(.fAbs, x))
                    case .l2Norm, .sumSquare: b.fma(x, x, sum)
                    case .logSumExp: b.fadd(sum, b.glsl(.exp, b.fsub(x, shift ?? b.f(0))))
                    }
                b.write(total, next)
            }
            let value = b.read(total)
            switch kind {
            case .mean: return b.fmul(value, b.f(1 / Float(Swift.max(count, 1))))
            case .l2Norm: return b.glsl(.sqrt, value)
            case .logSum: return b.glsl(.log, value)
            case .logSumExp: return b.fadd(b.glsl(.log, value), shift ?? b.f(0))
            default: return value
            }
        }
    }

    /// CumSum/CumProd in any computed dtype: one invocation per line along
    /// the axis, adding in the CPU kernel's order, so float results match it bit for bit.
    static func cumulative(
        _ context: ShaderContext, _ parameters: CumulativeParameters
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a cumulative op needs an input") }
        let dtype = context.type(xID).dtype
        guard ShaderStorage(dtype).elementsPerWord == 1 else {
            throw context.unsupported("a running total of \(dtype) would share words between invocations")
        }
        let (outer, length, inner) = Shape.split(context.shape(xID), around: parameters.axis)
        return try ShaderBuilder.perUnit(outer * inner) { b, line throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let math = ShaderMath(context: context, builder: b)
            let base = b.add(b.mul(b.div(line, inner), length * inner), b.mod(line, inner))
            let start = try math.constant(parameters.isProduct ? 1 : 0, dtype)
            let total = b.elementVariable(start)
            try b.loop(length) { step throws(ShaderLowering.Unsupported) in
                let i = parameters.reverse ? b.m.value(.iSub, b.uint, [b.u(length - 1), step]) : step
                let at = b.add(base, b.mul(i, inner))
                let running = b.read(total)
                let combined = try math.arithmetic(
                    parameters.isProduct ? .multiply : .add, running, b.loadElement(dtype, input, at), dtype)
                b.storeElement(parameters.exclusive ? running : combined, dtype, output, at)
                b.write(total, combined)
            }
        }
    }
}
