// Softmax along one axis, or over the flattened trailing axes, subtracting
// the maximum for stability. Rows of contiguous elements (the last axis)
// run on SIMD vectors: maximum, exponentials and their sum, then the scale.

/// Softmax lowering.
enum SoftmaxKernel {
    static func softmax(_ context: KernelContext, _ parameters: SoftmaxParameters) -> KernelPlan {
        let xID = context.node.inputs[0]!
        let shape = context.type(xID).shape
        let legacy = parameters.flattensTrailingAxes
        let axis = parameters.axis
        let outer = shape[..<axis].reduce(1, *)
        let length = legacy ? shape[axis...].reduce(1, *) : shape[axis]
        let inner = legacy ? 1 : shape[(axis + 1)...].reduce(1, *)

        if inner == 1 { return contiguousRows(context, rows: outer, length: length) }
        return KernelPlan(tileCount: outer * inner) { b, tile in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let base = b.add(b.mul(b.divide(tile, inner), length * inner), b.remainder(tile, inner))
            func at(_ index: IRValue) -> IRValue { b.add(base, b.mul(index, inner)) }
            let maximum = b.variable(b.constant(-Float.infinity))
            b.loop(0..<length) { i in b.write(maximum, b.fmax(b.read(maximum), b.load(input, at(i)))) }
            let peak = b.read(maximum)
            let sum = b.variable(b.constant(Float(0)))
            b.loop(0..<length) { i in
                let e = b.exp(b.fsub(b.load(input, at(i)), peak))
                b.store(e, output, at(i))
                b.write(sum, b.fadd(b.read(sum), e))
            }
            let scale = b.fdiv(b.constant(Float(1)), b.read(sum))
            b.loop(0..<length) { i in b.store(b.fmul(b.load(output, at(i)), scale), output, at(i)) }
        }
    }

    /// One tile per row of `length` contiguous elements.
    static func contiguousRows(_ context: KernelContext, rows: Int, length: Int) -> KernelPlan {
        let xID = context.node.inputs[0]!
        let width = context.vectorWidth
        return KernelPlan(tileCount: rows) { b, row in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let base = b.mul(row, length)
            let peak = b.reduceVectors(
                count: length, width: width, identity: -.infinity,
                { offset, lanes in b.loadVector(input, b.add(base, offset), width: width, count: lanes) },
                combine: b.fmax)
            let shift = b.splat(peak, width: width)
            let sum = b.reduceVectors(
                count: length, width: width, identity: 0,
                { offset, lanes in
                    let e = b.exp(b.fsub(b.loadVector(input, b.add(base, offset), width: width, count: lanes), shift))
                    b.storeVector(e, output, b.add(base, offset), count: lanes)
                    return e
                }, combine: b.fadd)
            let scale = b.splat(b.fdiv(b.constant(Float(1)), sum), width: width)
            b.forEachVector(count: length, width: width) { offset, lanes in
                let at = b.add(base, offset)
                b.storeVector(b.fmul(b.loadVector(output, at, width: width, count: lanes), scale), output, at, count: lanes)
            }
        }
    }
}
