// Kernels that pick elements by index: Gather and GatherElements with
// run-time indices, and ArgMax/ArgMin, which find one. Any element type.

import CLLVM

enum Indexing {
    /// output[o][j][k] = data[o][indices[j]][k]; an index outside
    /// [-size, size) writes zeros (a model fed bad indices gets zeros, never
    /// a read outside the arena).
    static func gather(_ context: KernelContext, axis: Int) -> KernelPlan {
        let dataID = context.input(0)!
        let indicesID = context.input(1)!
        let data = context.type(dataID)
        let indexType = context.type(indicesID).dtype
        let count = context.type(indicesID).elementCount
        let (outer, size, inner) = Shape.split(data.shape, around: axis)
        return KernelPlan(tileCount: outer) { b, o in
            let source = context.pointer(dataID, b)
            let indices = context.pointer(indicesID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<count) { j in
                let raw = b.convert(b.load(indices, j, indexType), from: indexType, to: .int64)
                let wrapped = b.select(b.lessThan(raw, 0), b.add(raw, size), raw)
                let valid = b.and(b.notLessThan(wrapped, 0), b.lessThan(wrapped, size))
                let outBase = b.mul(b.add(b.mul(o, count), j), inner)
                b.ifElse(
                    valid,
                    then: {
                        let inBase = b.mul(b.add(b.mul(o, size), wrapped), inner)
                        b.loop(0..<inner) { k in
                            b.store(b.load(source, b.add(inBase, k), data.dtype), output, b.add(outBase, k), data.dtype)
                        }
                    },
                    otherwise: {
                        b.loop(0..<inner) { k in
                            b.store(b.constant(0, data.dtype), output, b.add(outBase, k), data.dtype)
                        }
                    })
            }
        }
    }

    /// output[c] = data[c with c[axis] = indices[c]] for every coordinate c of
    /// the indices (whose other extents may be smaller than the data's). An
    /// index outside [-size, size) gives 0, as in `gather`. One tile per
    /// position along the first axis.
    static func gatherElements(_ context: KernelContext, axis: Int) -> KernelPlan {
        let dataID = context.input(0)!
        let indicesID = context.input(1)!
        let data = context.type(dataID)
        let indices = context.type(indicesID)
        let size = data.shape[axis]
        let dataStrides = Shape.strides(of: data.shape)
        let rows = indices.shape.first ?? 1
        let rowCount = indices.shape.dropFirst().reduce(1, *)
        let innerShape = Array(indices.shape.dropFirst())
        return KernelPlan(tileCount: rows) { b, row in
            let source = context.pointer(dataID, b)
            let indexPointer = context.pointer(indicesID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<rowCount) { j in
                let position = b.add(b.mul(row, rowCount), j)
                let raw = b.convert(b.load(indexPointer, position, indices.dtype), from: indices.dtype, to: .int64)
                let wrapped = b.select(b.lessThan(raw, 0), b.add(raw, size), raw)
                let valid = b.and(b.notLessThan(wrapped, 0), b.lessThan(wrapped, size))
                // The data offset of this coordinate, the axis's coordinate replaced.
                var offset = axis == 0 ? b.mul(wrapped, dataStrides[0]) : b.mul(row, dataStrides[0])
                var rest = j
                for dimension in stride(from: innerShape.count - 1, through: 0, by: -1) {
                    let extent = innerShape[dimension]
                    let coordinate = b.remainder(rest, extent)
                    rest = b.divide(rest, extent)
                    let dataAxis = dimension + 1
                    offset = b.add(offset, b.mul(dataAxis == axis ? wrapped : coordinate, dataStrides[dataAxis]))
                }
                // Read a valid element only (offset 0 otherwise), then zero invalid picks.
                let safe = b.select(valid, offset, b.constant(0))
                let value = b.select(valid, b.load(source, safe, data.dtype), b.constant(0, data.dtype))
                b.store(value, output, position, data.dtype)
            }
        }
    }

    /// TopK: for each slice along the axis, an insertion into the k best so far
    /// (kept as indices in output 1, compared through the input), so a value
    /// moves past only strictly worse ones and ties keep index order; then
    /// output 0 gathers their values. O(length · k) per slice.
    static func topK(_ context: KernelContext, axis: Int, k: Int, largest: Bool) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID)
        let valuesID = context.node.outputs[0]
        let indicesID = context.node.outputs[1]
        let (outer, length, inner) = Shape.split(x.shape, around: axis)
        let better: ComparisonOperator = largest ? .greater : .less
        return KernelPlan(tileCount: outer) { b, o in
            let input = context.pointer(xID, b)
            let values = context.pointer(valuesID, b)
            let indices = context.pointer(indicesID, b)
            b.loop(0..<inner) { i in
                let base = b.add(b.mul(o, length * inner), i)
                let outBase = b.add(b.mul(o, k * inner), i)
                func slot(_ p: IRValue) -> IRValue { b.add(outBase, b.mul(p, inner)) }
                func valueAt(_ index: IRValue) -> IRValue { b.load(input, b.add(base, b.mul(index, inner)), x.dtype) }
                b.loop(0..<length) { j in
                    let v = valueAt(j)
                    let filled = b.minimum(j, k)
                    // It enters while slots are free, or when it beats the last kept one.
                    let free = b.lessThan(j, k)
                    let lastIndex = b.load(indices, slot(b.constant(k - 1)), .int64)
                    let beatsLast = b.compare(better, v, valueAt(b.select(free, b.constant(0), lastIndex)), x.dtype)
                    let moving = b.variable(LLVMBuildOr(b.builder, free, beatsLast, "")!)
                    b.loop(0..<(k - 1)) { t in
                        let p = b.sub(b.constant(k - 1), t)
                        // Slots up to `filled` take part (slot `filled` is the free one).
                        let inPlay = b.and(b.read(moving), LLVMBuildICmp(b.builder, LLVMIntSLE, p, filled, "")!)
                        b.ifElse(
                            inPlay,
                            then: {
                                let previous = b.load(indices, slot(b.sub(p, b.constant(1))), .int64)
                                b.ifElse(
                                    b.compare(better, v, valueAt(previous), x.dtype),
                                    then: { b.store(previous, indices, slot(p), .int64) },
                                    otherwise: {
                                        b.store(j, indices, slot(p), .int64)
                                        b.write(moving, LLVMConstInt(b.i1, 0, 0))
                                    })
                            }, otherwise: {})
                    }
                    b.ifElse(b.read(moving), then: { b.store(j, indices, slot(b.constant(0)), .int64) }, otherwise: {})
                }
                b.loop(0..<k) { p in
                    let index = b.load(indices, slot(p), .int64)
                    b.store(valueAt(index), values, slot(p), x.dtype)
                }
            }
        }
    }

    /// The int64 index of the extreme element along the axis (first or last on ties).
    static func argExtreme(_ context: KernelContext, _ parameters: ArgExtremeParameters) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID)
        let axis = parameters.axis
        let (outer, length, inner) = Shape.split(x.shape, around: axis)
        let better = parameters.replacement
        return KernelPlan(tileCount: outer) { b, o in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<inner) { k in
                let base = b.add(b.mul(o, length * inner), k)
                let best = b.variable(b.load(input, base, x.dtype))
                let bestIndex = b.variable(b.constant(0))
                b.loop(1..<length) { i in
                    let value = b.load(input, b.add(base, b.mul(i, inner)), x.dtype)
                    let wins = b.compare(better, value, b.read(best), x.dtype)
                    b.write(best, b.select(wins, value, b.read(best)))
                    b.write(bestIndex, b.select(wins, i, b.read(bestIndex)))
                }
                b.store(b.read(bestIndex), output, b.add(b.mul(o, inner), k), .int64)
            }
        }
    }
}
