// Kernels addressed by index tuples: GatherND reads the slices they name;
// the scatter kernels start the output as a copy of the data, then each
// update lands where its index says, combined by the reduction. Updates run
// in index order in one tile, so duplicate indices resolve deterministically
// (the last wins for `none`). An index outside [-size, size) is skipped: a
// model fed bad indices never writes outside its tensor.

import CLLVM

enum Scattering {
    /// The data copied into the output, as a first kernel.
    static func copy(_ context: KernelContext) -> KernelPlan {
        let dataID = context.input(0)!
        let data = context.type(dataID)
        let count = data.elementCount
        let perTile = 4096
        return KernelPlan(tileCount: max(1, (count + perTile - 1) / perTile), label: "copy") { b, tile in
            let source = context.pointer(dataID, b)
            let output = context.pointer(context.output, b)
            let start = b.mul(tile, perTile)
            b.loop(from: start, to: b.minimum(b.add(start, perTile), count)) { i in
                b.store(b.load(source, i, data.dtype), output, i, data.dtype)
            }
        }
    }

    /// `existing` combined with `update`.
    static func combine(
        _ reduction: ScatterReduction, _ existing: IRValue, _ update: IRValue, _ b: KernelBuilder, _ dtype: DType
    ) -> IRValue {
        reduction.combiningOperator.map { b.arithmetic($0, existing, update, dtype) } ?? update
    }

    /// `index` (any integer type) wrapped from the end, and whether it lies in [0, size).
    static func wrapped(_ raw: IRValue, size: Int, _ b: KernelBuilder) -> (IRValue, IRValue) {
        let value = b.select(b.lessThan(raw, 0), b.add(raw, size), raw)
        return (value, b.and(b.notLessThan(value, 0), b.lessThan(value, size)))
    }

    static func elements(_ context: KernelContext, axis: Int, reduction: ScatterReduction) -> [KernelPlan] {
        let dataID = context.input(0)!
        let indicesID = context.input(1)!
        let updatesID = context.input(2)!
        let data = context.type(dataID)
        let indices = context.type(indicesID)
        let strides = Shape.strides(of: data.shape)
        let apply = KernelPlan(tileCount: 1, label: "scatter") { b, _ in
            let indexPointer = context.pointer(indicesID, b)
            let updates = context.pointer(updatesID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<indices.elementCount) { position in
                let raw = b.convert(b.load(indexPointer, position, indices.dtype), from: indices.dtype, to: .int64)
                let (index, valid) = wrapped(raw, size: data.shape[axis], b)
                // The target: the update's coordinates with the axis's replaced.
                var offset = b.constant(0)
                var rest = position
                for dimension in stride(from: indices.rank - 1, through: 0, by: -1) {
                    let coordinate = b.remainder(rest, indices.shape[dimension])
                    rest = b.divide(rest, indices.shape[dimension])
                    offset = b.add(offset, b.mul(dimension == axis ? index : coordinate, strides[dimension]))
                }
                b.ifElse(
                    valid,
                    then: {
                        let update = b.load(updates, position, data.dtype)
                        let value = combine(reduction, b.load(output, offset, data.dtype), update, b, data.dtype)
                        b.store(value, output, offset, data.dtype)
                    }, otherwise: {})
            }
        }
        return [copy(context), apply]
    }

    /// The data offset of index tuple `tuple` (input 1's last axis), and whether it lies inside.
    private static func tupleOffset(
        _ tuple: IRValue, _ context: KernelContext, _ b: KernelBuilder
    ) -> (offset: IRValue, valid: IRValue) {
        let data = context.type(context.input(0)!)
        let indicesID = context.input(1)!
        let indices = context.type(indicesID)
        let depth = indices.shape.last ?? 0
        let strides = Shape.strides(of: data.shape)
        let indexPointer = context.pointer(indicesID, b)
        var offset = b.constant(0)
        var valid = LLVMConstInt(b.i1, 1, 0)!
        for component in 0..<depth {
            let at = b.add(b.mul(tuple, depth), component)
            let raw = b.convert(b.load(indexPointer, at, indices.dtype), from: indices.dtype, to: .int64)
            let (index, inRange) = wrapped(raw, size: data.shape[component], b)
            offset = b.add(offset, b.mul(index, strides[component]))
            valid = b.and(valid, inRange)
        }
        return (offset, valid)
    }

    static func gatherND(_ context: KernelContext) -> KernelPlan {
        let dataID = context.input(0)!
        let data = context.type(dataID)
        let indices = context.type(context.input(1)!)
        let depth = indices.shape.last ?? 0
        let tuples = indices.shape.dropLast().reduce(1, *)
        let slice = data.shape[depth...].reduce(1, *)
        return KernelPlan(tileCount: max(1, tuples)) { b, tuple in
            let source = context.pointer(dataID, b)
            let output = context.pointer(context.output, b)
            let (offset, valid) = tupleOffset(tuple, context, b)
            let safe = b.select(valid, offset, b.constant(0))
            b.loop(0..<slice) { s in
                let value = b.select(valid, b.load(source, b.add(safe, s), data.dtype), b.constant(0, data.dtype))
                b.store(value, output, b.add(b.mul(tuple, slice), s), data.dtype)
            }
        }
    }

    static func nd(_ context: KernelContext, reduction: ScatterReduction) -> [KernelPlan] {
        let dataID = context.input(0)!
        let updatesID = context.input(2)!
        let data = context.type(dataID)
        let indices = context.type(context.input(1)!)
        let depth = indices.shape.last ?? 0
        let tuples = indices.shape.dropLast().reduce(1, *)
        let slice = data.shape[depth...].reduce(1, *)
        let apply = KernelPlan(tileCount: 1, label: "scatter") { b, _ in
            let updates = context.pointer(updatesID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<tuples) { tuple in
                let (offset, valid) = tupleOffset(tuple, context, b)
                b.ifElse(
                    valid,
                    then: {
                        b.loop(0..<slice) { s in
                            let target = b.add(offset, s)
                            let update = b.load(updates, b.add(b.mul(tuple, slice), s), data.dtype)
                            let value = combine(reduction, b.load(output, target, data.dtype), update, b, data.dtype)
                            b.store(value, output, target, data.dtype)
                        }
                    }, otherwise: {})
            }
        }
        return [copy(context), apply]
    }
}
