// Shaders that pick elements by index tensors (int32 or int64, read as
// 32-bit words), or find an index: one invocation per output element.

enum IndexingShaders {
    /// The index of the largest (or smallest) element along `axis`, as
    /// int64 (ONNX ArgMax/ArgMin), with the CPU kernel's rules: the first
    /// on ties unless `selectsLastIndex`, and ordered comparisons, so a
    /// NaN never wins (and one in front is never beaten).
    static func argExtreme(
        _ context: ShaderContext, _ parameters: ArgExtremeParameters
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("an arg-extreme needs an input") }
        guard context.type(context.output).dtype == .int64 else {
            throw context.unsupported("its indices are \(context.type(context.output).dtype); int64 is lowered")
        }
        let (_, length, inner) = Shape.split(context.shape(xID), around: parameters.axis)
        let dtype = context.type(xID).dtype
        return try ShaderBuilder.perUnit(context.type(context.output).elementCount) { b, index throws(ShaderLowering.Unsupported) in
            let (input, output) = (try context.buffer(xID, b), try context.buffer(context.output, b))
            let math = ShaderMath(context: context, builder: b)
            let base = b.add(b.mul(b.div(index, inner), length * inner), b.mod(index, inner))
            let best = b.elementVariable(b.loadElement(dtype, input, base))
            let bestIndex = b.wordVariable(b.u(0))
            try b.loop(length - 1) { step throws(ShaderLowering.Unsupported) in
                let i = b.add(step, 1)
                let value = b.loadElement(dtype, input, b.add(base, b.mul(i, inner)))
                let wins = try math.compare(parameters.replacement, value, b.read(best), dtype)
                guard let kept = b.select(wins, value, b.read(best)) else { throw context.unsupported("an arg-extreme over \(dtype)") }
                b.write(best, kept)
                b.write(bestIndex, b.m.value(.select, b.uint, [wins, i, b.readWord(bestIndex)]))
            }
            b.storeElement(.long(low: b.readWord(bestIndex), high: b.u(0)), .int64, output, index)
        }
    }

    /// Slices of input 0 along `axis` picked by input 1's indices; negative
    /// ones count from the end, out-of-range ones give zeros (as on the CPU).
    static func gather(_ context: ShaderContext, axis: Int) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let (dataID, indicesID, indexType) = try dataAndIndices(context, "Gather")
        let count = context.type(indicesID).elementCount
        let (_, size, inner) = Shape.split(context.shape(dataID), around: axis)
        let dtype = context.type(dataID).dtype
        return try PointwiseShaders.elements(context, count: context.type(context.output).elementCount, output: context.output) {
            b, index throws(ShaderLowering.Unsupported) in
            let (data, indices) = (try context.buffer(dataID, b), try context.buffer(indicesID, b))
            let k = b.mod(index, inner)
            let position = b.mod(b.div(index, inner), count)
            let outer = b.div(index, inner * count)
            let (wrapped, take) = readIndex(b, indices, position, indexType, size: size)
            if dtype == .float32 {
                // A branch, so a float gather reads only the rows it takes.
                let result = b.variable(b.f(0))
                b.ifThen(take) {
                    b.write(result, b.load(data, b.add(b.mul(b.add(b.mul(outer, size), wrapped), inner), k)))
                }
                return .float(b.read(result))
            }
            // Other dtypes read element 0 in place of an index outside, then drop it.
            let row = b.m.value(.select, b.uint, [take, wrapped, b.u(0)])
            let value = b.loadElement(dtype, data, b.add(b.mul(b.add(b.mul(outer, size), row), inner), k))
            return b.elementOrZero(take, value, dtype)
        }
    }

    /// Input 0 (the data) and input 1 (int32 or int64 indices) of an indexing op, and the indices' dtype.
    static func dataAndIndices(
        _ context: ShaderContext, _ op: String
    ) throws(ShaderLowering.Unsupported) -> (data: ValueID, indices: ValueID, indexType: DType) {
        guard let dataID = context.input(0), let indicesID = context.input(1) else {
            throw context.unsupported("\(op) needs data and indices")
        }
        let indexType = context.type(indicesID).dtype
        guard indexType == .int64 || indexType == .int32 else {
            throw context.unsupported("indices of \(indexType) are not lowered; int32 and int64 are")
        }
        return (dataID, indicesID, indexType)
    }

    /// Index `position` of `indices` (int32 or int64), a negative one
    /// counting from the end of an axis of `size`, and whether it lies on
    /// the axis (an int64 one only when its high word extends the low word's sign).
    static func readIndex(
        _ b: ShaderBuilder, _ indices: ShaderBuffer, _ position: SPIRVID, _ dtype: DType, size: Int
    ) -> (wrapped: SPIRVID, valid: SPIRVID) {
        var fits: SPIRVID? = nil
        let low: SPIRVID
        if dtype == .int64 {
            low = b.loadWord(indices, b.mul(position, 2))
            let high = b.loadWord(indices, b.add(b.mul(position, 2), 1))
            let negative = b.m.value(.sLessThan, b.bool, [low, b.u(0)])
            fits = b.m.value(.iEqual, b.bool, [high, b.m.value(.select, b.uint, [negative, b.u(-1), b.u(0)])])
        } else {
            low = b.loadWord(indices, position)
        }
        let negative = b.m.value(.sLessThan, b.bool, [low, b.u(0)])
        let wrapped = b.m.value(.select, b.uint, [negative, b.add(low, size), low])
        let inside = b.less(wrapped, b.u(size))
        return (wrapped, fits.map { b.and($0, inside) } ?? inside)
    }

    /// GatherElements: output[c] = data[c with c[axis] replaced by indices[c]];
    /// an index off the axis gives zero (as on the CPU).
    static func gatherElements(_ context: ShaderContext, axis: Int) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let (dataID, indicesID, indexType) = try dataAndIndices(context, "GatherElements")
        let dtype = context.type(dataID).dtype
        let (dataShape, shape) = (context.shape(dataID), context.shape(indicesID))
        let size = dataShape[axis]
        return try PointwiseShaders.elements(context, count: shape.reduce(1, *), output: context.output) {
            b, position throws(ShaderLowering.Unsupported) in
            let (data, indices) = (try context.buffer(dataID, b), try context.buffer(indicesID, b))
            let (wrapped, valid) = readIndex(b, indices, position, indexType, size: size)
            var coordinates = b.coordinates(of: position, in: shape)
            coordinates[axis] = b.m.value(.select, b.uint, [valid, wrapped, b.u(0)])
            let value = b.loadElement(dtype, data, b.linear(coordinates, Shape.strides(of: dataShape)))
            return b.elementOrZero(valid, value, dtype)
        }
    }

    /// TopK as the CPU kernel computes it: per line along the axis, an
    /// insertion into the k best so far (kept as indices in output 1 and
    /// compared through the input), so a value moves past only strictly
    /// worse ones and ties keep index order; then output 0 gathers their
    /// values. One invocation per line, O(length · k).
    static func topK(_ context: ShaderContext, axis: Int, k: Int, largest: Bool) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0), context.node.outputs.count == 2 else { throw context.unsupported("TopK needs an input and two outputs") }
        let (valuesID, indicesID) = (context.node.outputs[0], context.node.outputs[1])
        let dtype = context.type(xID).dtype
        guard ShaderStorage(dtype).elementsPerWord == 1, context.type(indicesID).dtype == .int64 else {
            throw context.unsupported("TopK over \(dtype) would share words between invocations")
        }
        let (outer, length, inner) = Shape.split(context.shape(xID), around: axis)
        let better: ComparisonOperator = largest ? .greater : .less
        return try ShaderBuilder.perUnit(outer * inner) { b, line throws(ShaderLowering.Unsupported) in
            let input = try context.buffer(xID, b)
            let (values, indices) = (try context.buffer(valuesID, b), try context.buffer(indicesID, b))
            let math = ShaderMath(context: context, builder: b)
            let base = b.add(b.mul(b.div(line, inner), length * inner), b.mod(line, inner))
            let outBase = b.add(b.mul(b.div(line, inner), k * inner), b.mod(line, inner))
            func slot(_ p: SPIRVID) -> SPIRVID { b.add(outBase, b.mul(p, inner)) }
            func valueAt(_ index: SPIRVID) -> ShaderScalar { b.loadElement(dtype, input, b.add(base, b.mul(index, inner))) }
            // Output 1's low words, as this invocation last wrote them.
            func kept(_ p: SPIRVID) -> SPIRVID { b.loadWord(indices, b.mul(slot(p), 2)) }
            func keep(_ index: SPIRVID, at p: SPIRVID) { b.storeElement(.long(low: index, high: b.u(0)), .int64, indices, slot(p)) }
            try b.loop(length) { j throws(ShaderLowering.Unsupported) in
                let v = valueAt(j)
                let filled = b.m.glsl(.uMin, b.uint, [j, b.u(k)])
                // It enters while slots are free, or when it beats the last kept one.
                let free = b.less(j, b.u(k))
                let last = b.m.value(.select, b.uint, [free, b.u(0), kept(b.u(k - 1))])
                let entering = b.m.value(.logicalOr, b.bool, [free, try math.compare(better, v, valueAt(last), dtype)])
                let moving = b.wordVariable(b.oneOrZero(entering))
                try b.loop(k - 1) { t throws(ShaderLowering.Unsupported) in
                    let p = b.m.value(.iSub, b.uint, [b.u(k - 1), t])
                    let inPlay = b.and(b.m.value(.iNotEqual, b.bool, [b.readWord(moving), b.u(0)]), b.m.value(.uLessThanEqual, b.bool, [p, filled]))
                    try b.ifThen(inPlay) { () throws(ShaderLowering.Unsupported) in
                        let previous = kept(b.sub(p, 1))
                        // Past a worse one it moves on, and that one moves down; else it stops here.
                        let beats = try math.compare(better, v, valueAt(previous), dtype)
                        keep(b.m.value(.select, b.uint, [beats, previous, j]), at: p)
                        b.write(moving, b.oneOrZero(beats))
                    }
                }
                b.ifThen(b.m.value(.iNotEqual, b.bool, [b.readWord(moving), b.u(0)])) { keep(j, at: b.u(0)) }
            }
            b.loop(k) { p in b.storeElement(valueAt(kept(p)), dtype, values, slot(p)) }
        }
    }
}
