// Softmax along one axis, or over the flattened trailing axes, subtracting
// the maximum for stability.

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
}
