// Pooling: one invocation per output element, over its window's taps
// (max, or average with the CPU kernels' divisors) or its whole plane.

enum WindowShaders {
    static func pool(_ context: ShaderContext, _ parameters: PoolParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a pool needs an input") }
        guard context.shape(xID).count == 4 else { throw context.unsupported("only 2-D pools (rank-4 NCHW) are lowered") }
        let geometry = parameters.geometry
        let (height, width) = (geometry.input.h, geometry.input.w)
        let (outHeight, outWidth) = (geometry.output.h, geometry.output.w)
        let isMax = parameters.kind == .max
        let reciprocals =
            isMax ? [] : Pooling.averageReciprocals(geometry, includePadding: parameters.countIncludesPadding)
        return try ContractionShaders.perElement(context, count: context.type(context.output).elementCount) {
            b, index throws(ShaderLowering.Unsupported) in
            let column = b.mod(index, outWidth)
            let row = b.mod(b.div(index, outWidth), outHeight)
            let plane = b.mul(b.div(index, outWidth * outHeight), height * width)
            let input = try context.buffer(xID, b)
            let top = b.sub(b.mul(row, geometry.strides.h), geometry.padBegin.h)
            let left = b.sub(b.mul(column, geometry.strides.w), geometry.padBegin.w)
            let total = b.variable(b.f(isMax ? -.infinity : 0))
            b.loop(geometry.kernel.h) { i in
                let inRow = b.add(top, b.mul(i, geometry.dilations.h))
                b.loop(geometry.kernel.w) { j in
                    let inColumn = b.add(left, b.mul(j, geometry.dilations.w))
                    b.ifThen(b.and(b.less(inRow, b.u(height)), b.less(inColumn, b.u(width)))) {
                        let value = b.load(input, b.add(plane, b.add(b.mul(inRow, width), inColumn)))
                        b.write(total, isMax ? b.fmax(b.read(total), value) : b.fadd(b.read(total), value))
                    }
                }
            }
            guard !isMax else { return b.read(total) }
            let divisor = b.load(context.constants(reciprocals, key: "reciprocals", b), b.mod(index, outWidth * outHeight))
            return b.fmul(b.read(total), divisor)
        }
    }

    /// The mean of each (image, channel) plane.
    static func globalAveragePool(_ context: ShaderContext) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0) else { throw context.unsupported("a pool needs an input") }
        let plane = context.shape(xID).dropFirst(2).reduce(1, *)
        return try ContractionShaders.perElement(context, count: context.type(context.output).elementCount) {
            b, index throws(ShaderLowering.Unsupported) in
            let input = try context.buffer(xID, b)
            let base = b.mul(index, plane)
            let total = b.variable(b.f(0))
            b.loop(plane) { i in b.write(total, b.fadd(b.read(total), b.load(input, b.add(base, i)))) }
            return b.fmul(b.read(total), b.f(1 / Float(Swift.max(plane, 1))))
        }
    }
}
