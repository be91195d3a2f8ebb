// Direct 2-D convolution over NCHW: one invocation per output element,
// looping over its group's input channels and the window's taps. A fused
// 1×1 expansion in front of a depthwise convolution is computed per tap.

enum ConvolutionShader {
    static func convolution(
        _ context: ShaderContext, _ parameters: ConvolutionParameters
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let xID = context.input(0), let wID = context.input(1) else {
            throw context.unsupported("a convolution needs X and W")
        }
        let (x, y) = (context.shape(xID), context.shape(context.output))
        guard x.count == 4, y.count == 4 else { throw context.unsupported("only 2-D convolutions (rank-4 NCHW) are lowered") }
        let geometry = parameters.geometry
        let (height, width) = (geometry.input.h, geometry.input.w)
        let (outHeight, outWidth) = (geometry.output.h, geometry.output.w)
        let (kh, kw) = (geometry.kernel.h, geometry.kernel.w)
        let outChannels = y[1]
        let expansion = parameters.expansion
        // With an expansion the depthwise input has one channel per output channel.
        let inChannels = expansion == nil ? x[1] : outChannels
        let group = expansion == nil ? parameters.group : outChannels
        guard group > 0, inChannels % group == 0, outChannels % group == 0 else {
            throw context.unsupported("channels do not split into \(parameters.group) groups")
        }
        let (groupIn, groupOut) = (inChannels / group, outChannels / group)
        let bias = context.input(2)
        let expandWeights = expansion == nil ? nil : context.input(3)
        let expandBias = expansion == nil ? nil : context.input(4)
        if expansion != nil, expandWeights == nil { throw context.unsupported("a fused expansion needs its weights") }
        let sourceChannels = x[1]

        return try ContractionShaders.perElement(context, count: y.reduce(1, *)) { b, index throws(ShaderLowering.Unsupported) in
            let column = b.mod(index, outWidth)
            let row = b.mod(b.div(index, outWidth), outHeight)
            let channel = b.mod(b.div(index, outWidth * outHeight), outChannels)
            let image = b.div(index, outWidth * outHeight * outChannels)
            let firstIn = b.mul(b.div(channel, groupOut), groupIn)
            let (input, weights) = (try context.buffer(xID, b), try context.buffer(wID, b))
            let start = try bias.map { id throws(ShaderLowering.Unsupported) in b.load(try context.buffer(id, b), channel) } ?? b.f(0)
            let sum = b.variable(start)
            // Window origin; rows and columns before it wrap past the bounds test below.
            let top = b.sub(b.mul(row, geometry.strides.h), geometry.padBegin.h)
            let left = b.sub(b.mul(column, geometry.strides.w), geometry.padBegin.w)
            let expandIn = try expandWeights.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
            let expandStart = try expandBias.map { id throws(ShaderLowering.Unsupported) in
                b.load(try context.buffer(id, b), channel)
            }
            try b.loop(groupIn) { (c: SPIRVID) throws(ShaderLowering.Unsupported) in
                let inChannel = b.add(firstIn, c)
                let plane = b.mul(b.add(b.mul(image, sourceChannels), expansion == nil ? inChannel : b.u(0)), height * width)
                let weightBase = b.mul(b.add(b.mul(channel, groupIn), c), kh * kw)
                try b.loop(kh) { (i: SPIRVID) throws(ShaderLowering.Unsupported) in
                    let inRow = b.add(top, b.mul(i, geometry.dilations.h))
                    try b.loop(kw) { (j: SPIRVID) throws(ShaderLowering.Unsupported) in
                        let inColumn = b.add(left, b.mul(j, geometry.dilations.w))
                        // Unsigned compares catch the negative (wrapped) positions too.
                        let inside = b.and(b.less(inRow, b.u(height)), b.less(inColumn, b.u(width)))
                        try b.ifThen(inside) { () throws(ShaderLowering.Unsupported) in
                            let position = b.add(b.mul(inRow, width), inColumn)
                            var value: SPIRVID
                            if let expandIn {
                                // The expanded channel at this position: its 1×1 product over the source channels.
                                value = ContractionShaders.dot(
                                    b, k: sourceChannels, a: expandIn, aBase: b.mul(channel, sourceChannels), aStep: 1,
                                    b: input, bBase: b.add(plane, position), bStep: height * width,
                                    start: expandStart ?? b.f(0))
                                if let activation = expansion?.activation {
                                    value = try ShaderMath(context: context, builder: b).float(activation.expression, [value])
                                }
                            } else {
                                value = b.load(input, b.add(plane, position))
                            }
                            let tap = b.load(weights, b.add(weightBase, b.add(b.mul(i, kw), j)))
                            b.write(sum, b.fma(value, tap, b.read(sum)))
                        }
                    }
                }
            }
            return b.read(sum)
        }
    }
}
