// Kernels that pick elements by index: Gather with run-time indices, and
// ArgMax/ArgMin, which find one. Any element type.

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
        let outer = data.shape[..<axis].reduce(1, *)
        let size = data.shape[axis]
        let inner = data.shape[(axis + 1)...].reduce(1, *)
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

    /// The int64 index of the extreme element along the axis (first or last on ties).
    static func argExtreme(_ context: KernelContext, _ parameters: ArgExtremeParameters) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID)
        let axis = parameters.axis
        let outer = x.shape[..<axis].reduce(1, *)
        let length = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let better: ComparisonOperator =
            switch (parameters.findsMaximum, parameters.selectsLastIndex) {
            case (true, false): .greater
            case (true, true): .greaterOrEqual
            case (false, false): .less
            case (false, true): .lessOrEqual
            }
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
