// Shaders with one invocation per row: softmax and layer normalization
// (several passes over a row), reductions (one output element's inputs)
// and cumulative sums and products (a running total along the row).

/// How a row shader walks a row: one invocation over all of it, or, for a
/// few long rows, a workgroup's lanes sharing it (``ShaderBuilder/perRow``).
struct RowWalk {
    let b: ShaderBuilder
    /// This invocation's lane when a workgroup shares the row.
    let lane: SPIRVID?

    /// `body(i)` for the row's elements 0 ..< `count` this invocation handles.
    func each(_ count: Int, _ body: (SPIRVID) -> Void) {
        if let lane { b.strided(count, lane: lane, body) } else { b.loop(count, body) }
    }

    /// `reduction` over `term(i)` for i in 0 ..< `count`, in `math`'s
    /// precision (float32 without); every lane gets the whole row's result.
    /// Only float32 rows are shared by a workgroup's lanes.
    func fold(_ count: Int, _ term: (SPIRVID) -> SPIRVID, _ reduction: ShaderReduction, in math: ShaderMath? = nil) -> SPIRVID {
        let type = math?.real ?? b.float
        let total = b.variable(math?.c(Double(reduction.identity)) ?? b.f(reduction.identity), of: type)
        each(count) { i in b.write(total, reduction.combine(b, b.read(total, of: type), term(i), type: type)) }
        guard let lane else { return b.read(total, of: type) }
        return b.workgroupReduce(b.read(total), reduction, lane: lane)
    }

    /// `body()` once per row: by lane 0 when a workgroup shares it.
    func once(_ body: () -> Void) {
        guard let lane else { return body() }
        b.ifThen(b.m.value(.iEqual, b.bool, [lane, b.u(0)]), body)
    }

    /// A shader running `body(row, walk)` for rows 0 ..< `rows` of `length`
    /// elements each. A few long rows (fewer than fill a workgroup, each at
    /// least one long: a classifier's softmax over 1000 classes) get a
    /// workgroup each, whose lanes share the row on a GPU; on a CPU device
    /// (specialization constant 2, set by the executor) one lane walks each
    /// row alone, which lavapipe runs faster (a 1 Mi sum: 0.6 against 8 ms).
    /// Other rows, and every row with `alone`, get an invocation each.
    /// `itemMajor`: the rows hold a bounded dim's items in order.
    static func rows<E: Error>(
        _ rows: Int, length: Int, itemMajor: Bool, alone: Bool = false, _ body: (ShaderBuilder, SPIRVID, RowWalk) throws(E) -> Void
    ) throws(E) -> ShaderPlan {
        guard rows < ShaderBuilder.localSize, length >= ShaderBuilder.localSize, !alone else {
            return try ShaderBuilder.perUnit(rows, itemMajor: itemMajor) { b, row throws(E) in
                try body(b, row, RowWalk(b: b, lane: nil))
            }
        }
        // On a CPU device the first workgroup's lanes take every row, so trimming keeps them all.
        return try ShaderBuilder.perRow(rows, itemMajor: itemMajor) { b, row, lane throws(E) in
            let alone = b.m.specConstant(false, specID: 2)
            // On a CPU device the first workgroup's lanes take a row each, as
            // an invocation per row would (the other workgroups find nothing
            // to do): lavapipe runs idle lanes of busy workgroups all the same.
            let first = b.and(b.m.value(.iEqual, b.bool, [row, b.u(0)]), b.less(lane, b.u(rows)))
            try b.ifThen(b.and(alone, first)) { () throws(E) in try body(b, lane, RowWalk(b: b, lane: nil)) }
            // A specialization constant: the same in every lane, so the barriers inside are uniform.
            try b.ifThen(b.m.value(.logicalNot, b.bool, [alone])) { () throws(E) in try body(b, row, RowWalk(b: b, lane: lane)) }
        }
    }
}

enum RowShaders {
    static func softmax(_ context: ShaderContext, _ parameters: SoftmaxParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a softmax needs an input") }
        let shape = context.shape(xID)
        let axis = parameters.axis
        let flattens = parameters.flattensTrailingAxes
        let outer = shape[..<axis].reduce(1, *)
        let length = flattens ? shape[axis...].reduce(1, *) : shape[axis]
        let inner = flattens ? 1 : shape[(axis + 1)...].reduce(1, *)
        // Rows run outer-major, and the items lie in the outer axes (a softmax over them is refused).
        return try RowWalk.rows(outer * inner, length: length, itemMajor: context.holdsItems(xID)) {
            b, row, walk throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let base = b.add(b.mul(b.div(row, inner), length * inner), inner == 1 ? b.u(0) : b.mod(row, inner))
            func at(_ i: SPIRVID) -> SPIRVID { b.add(base, b.mul(i, inner)) }
            let top = walk.fold(length, { i in b.load(input, at(i)) }, .maximum)
            let sum = walk.fold(length, { i in
                let e = b.glsl(.exp, b.fsub(b.load(input, at(i)), top))
                b.store(e, output, at(i))
                return e
            }, .sum)
            let scale = b.fdiv(b.f(1), sum)
            // Each lane scales the elements it wrote.
            walk.each(length) { i in b.store(b.fmul(b.reload(output, at(i)), scale), output, at(i)) }
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
        return try RowWalk.rows(rows, length: length, itemMajor: context.holdsItems(xID)) {
            b, row, walk throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let scale = try scaleID.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
            let bias = try biasID.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
            let base = b.mul(row, length)
            let inverseLength = b.f(1 / Float(Swift.max(length, 1)))
            let mean = b.fmul(walk.fold(length, { i in b.load(input, b.add(base, i)) }, .sum), inverseLength)
            let squares = walk.fold(length, { i in
                let d = b.fsub(b.load(input, b.add(base, i)), mean)
                return b.fmul(d, d)
            }, .sum)
            let variance = b.fmul(squares, inverseLength)
            let factor = b.fdiv(b.f(1), b.glsl(.sqrt, b.fadd(variance, b.f(epsilon))))
            walk.each(length) { i in
                var y = b.fmul(b.fsub(b.load(input, b.add(base, i)), mean), factor)
                if let scale { y = b.fmul(y, b.load(scale, i)) }
                if let bias { y = b.fadd(y, b.load(bias, i)) }
                b.store(y, output, b.add(base, i))
            }
        }
    }

    /// Each output element over the input elements it reduces, in float32,
    /// or in float64 by one invocation per output element (a float64 model
    /// is rarely large enough to gain from sharing rows).
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
        if count == 0, !context.type(xID).dtype.isFloatingPoint { return try emptyReduction(context, kind) }
        let wide = context.type(xID).dtype == .float64
        return try RowWalk.rows(
            context.type(context.output).elementCount, length: count, itemMajor: context.holdsItems(context.output), alone: wide
        ) { b, index, walk throws(ShaderLowering.Unsupported) in
            let math = ShaderMath(context: context, builder: b, wide: wide)
            let input = try context.buffer(xID, b)
            let base = b.linear(b.coordinates(of: index, in: keptShape), kept.map { strides[$0] })
            func element(_ r: SPIRVID) -> SPIRVID {
                let at = b.add(base, b.linear(b.coordinates(of: r, in: reducedShape), parameters.axes.map { strides[$0] }))
                guard wide else { return b.load(input, at) }
                guard case .double(let x) = b.loadElement(.float64, input, at) else { preconditionFailure("float64 loads as double") }
                return x
            }
            // exp and log in the precision computed in (float32's from GLSL).
            func exp(_ x: SPIRVID) -> SPIRVID { wide ? math.exp64(x) : b.glsl(.exp, x) }
            func log(_ x: SPIRVID) -> SPIRVID { wide ? math.log64(x) : b.glsl(.log, x) }
            // ln Σ eˣ subtracts the largest x first, so large inputs do not
            // overflow; in float64 it does not, as the CPU's float64 loop does not.
            let shift = kind == .logSumExp && !wide ? walk.fold(count, element, .maximum) : math.c(0)
            let (term, reduction): ((SPIRVID) -> SPIRVID, ShaderReduction) =
                switch kind {
                case .sum, .mean, .logSum: (element, .sum)
                case .maximum: (element, .maximum)
                case .minimum: (element, .minimum)
                case .product: (element, .product)
                case .sumAbsolute: ({ math.glsl(.fAbs, element($0)) }, .sum)
                case .l2Norm, .sumSquare: ({ let x = element($0); return math.mul(x, x) }, .sum)
                case .logSumExp: ({ exp(math.sub(element($0), shift)) }, .sum)
                }
            let total = walk.fold(count, term, reduction, in: math)
            var value: SPIRVID =
                switch kind {
                // Over an empty axis 0/0, as the CPU's loop gives.
                case .mean: wide ? math.div(total, math.c(Double(count))) : count == 0 ? b.f(.nan) : b.fmul(total, b.f(1 / Float(count)))
                case .l2Norm: math.glsl(.sqrt, total)
                case .logSum: log(total)
                case .logSumExp: math.add(log(total), shift)
                default: total
                }
            if let epilogue = context.node.epilogue { value = try math.float(epilogue.expression, [value]) }
            let output = try context.buffer(context.output, b)
            walk.once { wide ? b.storeElement(.double(value), .float64, output, index) : b.store(value, output, index) }
        }
    }

    /// An integer reduction over an empty axis: every output element is the
    /// CPU kernel's starting value, which its finish leaves as it is (a mean
    /// divides by zero, giving 0): the type's least for a maximum (a bool
    /// Or, reduced as uint8, gives false), its greatest for a minimum, 1 for
    /// a product, 0 otherwise.
    private static func emptyReduction(_ context: ShaderContext, _ kind: ReduceParameters.Kind) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let dtype = context.type(context.output).dtype
        let bits = 8 * dtype.byteSize
        let (signed, all) = (dtype.isSignedInteger, bits == 64 ? UInt64.max : (1 << UInt64(bits)) - 1)
        let pattern: UInt64 =
            switch kind {
            case .maximum: signed ? 1 << UInt64(bits - 1) : 0
            case .minimum: signed ? all >> 1 : all
            case .product: 1
            default: 0
            }
        return try PointwiseShaders.elements(context, count: context.type(context.output).elementCount, output: context.output) {
            b, _ throws(ShaderLowering.Unsupported) in
            switch ShaderValueKind(dtype) {
            case .long: return .long(low: b.m.constant(UInt32(truncatingIfNeeded: pattern)), high: b.m.constant(UInt32(truncatingIfNeeded: pattern >> 32)))
            // Narrow signed integers are held sign-extended.
            case .int: return .int(b.m.constant(UInt32(truncatingIfNeeded: signed ? Int64(bitPattern: pattern << (64 - UInt64(bits))) >> (64 - Int64(bits)) : Int64(pattern))))
            case .bool: return .bool(b.m.constant(pattern != 0))
            default: throw context.unsupported("a reduction of \(dtype) over an empty axis has no SPIR-V lowering")
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
