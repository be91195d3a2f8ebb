// LayerNormalization as one kernel: each row of the normalised elements
// (contiguous, the axes from `axis` on) is read three times while it sits in
// L1 (sum, squared deviations, scale and shift) instead of five kernels
// passing the whole tensor through memory. Lane partials fold in a fixed
// order, so results do not depend on threads.

/// Fused layer normalisation lowering.
enum LayerNormKernel {
    static func layerNormalization(_ context: KernelContext, axis: Int, epsilon: Float) -> KernelPlan {
        let node = context.node
        let shape = context.type(node.inputs[0]!).shape
        let rows = shape[..<axis].reduce(1, *)
        let length = shape[axis...].reduce(1, *)
        let width = context.vectorWidth
        return KernelPlan(tileCount: rows) { b, row in
            let input = context.pointer(node.inputs[0]!, b)
            let output = context.pointer(context.output, b)
            let scale = node.input(1).map { context.pointer($0, b) }
            let bias = node.input(2).map { context.pointer($0, b) }
            let base = b.mul(row, length)
            func x(_ offset: IRValue, _ lanes: Int) -> IRValue {
                b.loadVector(input, b.add(base, offset), width: width, count: lanes)
            }
            let count = b.constant(Float(length))
            let sum = b.reduceVectors(count: length, width: width, identity: 0, x, combine: b.fadd)
            let mean = b.splat(b.fdiv(sum, count), width: width)
            let squares = b.reduceVectors(
                count: length, width: width, identity: 0,
                { offset, lanes in
                    let deviation = b.fsub(x(offset, lanes), mean)
                    return b.fmul(deviation, deviation)
                }, combine: b.fadd)
            let variance = b.fdiv(squares, count)
            let sigma = b.apply(.squareRoot, b.fadd(variance, b.constant(epsilon)), .float32)
            let inverse = b.apply(.reciprocal, sigma, .float32)
            let factor = b.splat(inverse, width: width)
            b.forEachVector(count: length, width: width) { offset, lanes in
                var y = b.fmul(b.fsub(x(offset, lanes), mean), factor)
                if let scale { y = b.fmul(y, b.loadVector(scale, offset, width: width, count: lanes)) }
                if let bias { y = b.fadd(y, b.loadVector(bias, offset, width: width, count: lanes)) }
                b.storeVector(y, output, b.add(base, offset), count: lanes)
            }
        }
    }
}
