// Shaders addressed by index tuples, with the CPU kernels' rules
// (Scattering.swift): GatherND reads the slices the tuples name; a scatter
// copies the data into the output, then lands each update where its index
// says, combined by the reduction, and an index outside [-size, size) is
// skipped. The CPU applies updates in index order, so duplicates resolve
// deterministically (the last wins for `none`); here each invocation owns
// the output elements a set of updates can reach and applies those updates
// in the same order, so the results are the CPU's.

enum ScatterShaders {
    /// The data offset of index tuple `tuple` (indices' last axis), and whether every component lies on its axis.
    private static func tupleOffset(
        _ b: ShaderBuilder, _ indices: ShaderBuffer, _ indexType: DType, _ tuple: SPIRVID, depth: Int, dataShape: [Int]
    ) -> (offset: SPIRVID, valid: SPIRVID) {
        let strides = Shape.strides(of: dataShape)
        var offset = b.u(0)
        var valid = b.m.constant(true)
        for component in 0..<depth {
            let (index, inside) = IndexingShaders.readIndex(
                b, indices, b.add(b.mul(tuple, depth), component), indexType, size: dataShape[component])
            offset = b.add(offset, b.mul(index, strides[component]))
            valid = b.and(valid, inside)
        }
        return (b.m.value(.select, b.uint, [valid, offset, b.u(0)]), valid)
    }

    /// GatherND (no batch dims): output[t, s] = data[tuple t's slice][s], zero for a tuple outside.
    static func gatherND(_ context: ShaderContext) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let (dataID, indicesID, indexType) = try IndexingShaders.dataAndIndices(context, "GatherND")
        let dataShape = context.shape(dataID)
        let depth = context.shape(indicesID).last ?? 0
        guard depth <= dataShape.count else { throw context.unsupported("index tuples longer than the data's rank") }
        let slice = dataShape[depth...].reduce(1, *)
        let dtype = context.type(dataID).dtype
        return try PointwiseShaders.elements(context, count: context.type(context.output).elementCount, output: context.output) {
            b, index throws(ShaderLowering.Unsupported) in
            let (data, indices) = (try context.buffer(dataID, b), try context.buffer(indicesID, b))
            let (offset, valid) = tupleOffset(b, indices, indexType, b.div(index, slice), depth: depth, dataShape: dataShape)
            let value = b.loadElement(dtype, data, b.add(offset, b.mod(index, slice)))
            return b.elementOrZero(valid, value, dtype)
        }
    }

    /// ScatterElements: an update at coordinates c lands at c with c[axis]
    /// replaced by its index, so only updates sharing every other coordinate
    /// can meet. One invocation per line of the indices along the axis
    /// applies that line's updates in order.
    static func elements(
        _ context: ShaderContext, axis: Int, reduction: ScatterReduction
    ) throws(ShaderLowering.Unsupported) -> [ShaderPlan] {
        let (dataID, indicesID, indexType) = try IndexingShaders.dataAndIndices(context, "ScatterElements")
        guard let updatesID = context.input(2) else { throw context.unsupported("ScatterElements needs updates") }
        let (dtype, dataShape, shape) = (context.type(dataID).dtype, context.shape(dataID), context.shape(indicesID))
        let (_, length, inner) = Shape.split(shape, around: axis)
        let dataStrides = Shape.strides(of: dataShape)
        let apply = try scatter(context, dtype: dtype, lines: shape.reduce(1, *) / Swift.max(length, 1), steps: length, reduction: reduction) {
            b, line, step throws(ShaderLowering.Unsupported) in
            let indices = try context.buffer(indicesID, b)
            let position = b.add(b.add(b.mul(b.div(line, inner), length * inner), b.mod(line, inner)), b.mul(step, inner))
            let (index, valid) = IndexingShaders.readIndex(b, indices, position, indexType, size: dataShape[axis])
            var coordinates = b.coordinates(of: position, in: shape)
            coordinates[axis] = index
            return (b.linear(coordinates, dataStrides), valid, b.loadElement(dtype, try context.buffer(updatesID, b), position))
        }
        return [try copy(context, dataID), apply]
    }

    /// ScatterND: tuple t's update slice lands on the data slice it names;
    /// two tuples reach the same slice or disjoint ones, so invocation s
    /// applies element s of every tuple's update, in tuple order.
    static func nd(_ context: ShaderContext, reduction: ScatterReduction) throws(ShaderLowering.Unsupported) -> [ShaderPlan] {
        let (dataID, indicesID, indexType) = try IndexingShaders.dataAndIndices(context, "ScatterND")
        guard let updatesID = context.input(2) else { throw context.unsupported("ScatterND needs updates") }
        let (dtype, dataShape, indicesShape) = (context.type(dataID).dtype, context.shape(dataID), context.shape(indicesID))
        let depth = indicesShape.last ?? 0
        guard depth <= dataShape.count else { throw context.unsupported("index tuples longer than the data's rank") }
        let slice = dataShape[depth...].reduce(1, *)
        let tuples = indicesShape.dropLast().reduce(1, *)
        let apply = try scatter(context, dtype: dtype, lines: slice, steps: tuples, reduction: reduction) { b, s, tuple throws(ShaderLowering.Unsupported) in
            let indices = try context.buffer(indicesID, b)
            let (offset, valid) = tupleOffset(b, indices, indexType, tuple, depth: depth, dataShape: dataShape)
            let update = b.loadElement(dtype, try context.buffer(updatesID, b), b.add(b.mul(tuple, slice), s))
            return (b.add(offset, s), valid, update)
        }
        return [try copy(context, dataID), apply]
    }

    /// The data copied into the output, the scatter's first dispatch.
    private static func copy(_ context: ShaderContext, _ dataID: ValueID) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let shape = context.shape(dataID)
        var plan = try PointwiseShaders.map(
            context, shape: shape, operands: [ShaderOperand(id: dataID, strides: Shape.strides(of: shape))], output: context.output
        ) { _, values, _ in values[0] }
        plan.label = "copy"
        return plan
    }

    /// One invocation per line 0 ..< `lines`, applying steps 0 ..< `steps` in
    /// order: `target(line, step)` gives the output element, whether the
    /// update applies, and the update.
    private static func scatter(
        _ context: ShaderContext, dtype: DType, lines: Int, steps: Int, reduction: ScatterReduction,
        _ target: (ShaderBuilder, SPIRVID, SPIRVID) throws(ShaderLowering.Unsupported) -> (SPIRVID, SPIRVID, ShaderScalar)
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard ShaderStorage(dtype).elementsPerWord == 1 else {
            throw context.unsupported("a scatter into \(dtype) would share words between invocations")
        }
        return try ShaderBuilder.perUnit(lines, label: "scatter") { b, line throws(ShaderLowering.Unsupported) in
            let output = try context.buffer(context.output, b)
            let math = ShaderMath(context: context, builder: b)
            try b.loop(steps) { step throws(ShaderLowering.Unsupported) in
                let (at, valid, update) = try target(b, line, step)
                try b.ifThen(valid) { () throws(ShaderLowering.Unsupported) in
                    // What this invocation wrote before: through the storage buffer.
                    let existing = b.loadElement(dtype, output, at, fresh: true)
                    let value = try reduction.combiningOperator.map { op throws(ShaderLowering.Unsupported) in
                        let combined = try math.arithmetic(op, existing, update, dtype)
                        guard let narrow = context.roundsUpdatesTo, case .float(let x) = combined else { return combined }
                        return .float(try math.storedAndReloaded(x, narrow))
                    }
                    b.storeElement(value ?? update, dtype, output, at)
                }
            }
        }
    }
}
