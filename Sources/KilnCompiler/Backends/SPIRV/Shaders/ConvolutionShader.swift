// Direct 2-D convolution over NCHW. On a GPU a one-group convolution runs
// as an implicit product in ContractionShaders' workgroup tiles; elsewhere,
// and on a CPU device, each invocation computes a tile of up
// to 16 neighbouring output columns by a block of 8 output channels, so every
// input value it loads feeds a block of multiply-adds and every weight a
// row of them: every load is a gather on lavapipe (one per texel fetch,
// lane by lane for a storage buffer), which made loads, not arithmetic, the
// cost. Larger tiles (16 × 16) ran ResNet-18 about 10% faster but tripled
// lavapipe's first call, which JIT-compiles each shader; 16 channels for 1×1
// kernels alone ran MobileNetV2 9% faster but doubled it. The grid's row
// picks the channel block (the workgroup's y, so all invocations of a
// workgroup read the same weights, where a row's tiles fill a workgroup;
// packed along x where they do not). A fused 1×1 expansion in front of a depthwise convolution runs as
// its own shader into the Vulkan build's scratch. 3×3 stride-1
// convolutions the CPU build runs as Winograd run as WinogradShader's three
// shaders instead, and 1×1 ones as a matrix product. With one group the
// weights are laid out channels last, so a tap's block of 8 output channels
// is two four-float fetches (a stride-2 3×3 layer of ResNet-18: 20% faster),
// or in the CPU build's chunks of that layout where it packs them so, which
// the weights blob then holds once for both builds.

enum ConvolutionShader {
    /// Output channels one invocation computes, at most.
    static let channelBlock = 8
    /// Neighbouring output columns one invocation computes, at most.
    static let columnBlock = 16

    /// One convolution's operands and shape.
    struct Problem {
        var input: (ShaderBuilder) throws(ShaderLowering.Unsupported) -> ShaderBuffer
        var output: (ShaderBuilder) throws(ShaderLowering.Unsupported) -> ShaderBuffer
        var weights: ValueID
        var bias: ValueID?
        var images: Int
        var inChannels: Int
        var outChannels: Int
        var group: Int
        var geometry: WindowGeometry
        var epilogue: Activation?
        /// How the CPU build packs these weights in chunks of output channels, where it does.
        var packing: Convolution.ChannelVectorPacking?
    }

    /// The CPU build's packing of the node's weights where the shaders can
    /// read it: one group, output channels in whole chunks of a multiple of
    /// channelBlock (a chunk is then a whole matrix of a product's batch,
    /// and a block of a tap's channels two texels). It applies to small
    /// images only, where a GPU's 64-row workgroup tiles rounding each chunk
    /// up (80 rows: two tiles) adds workgroups to a dispatch too small to
    /// fill the device anyway.
    static func cpuPacking(
        _ context: ShaderContext, _ parameters: ConvolutionParameters
    ) -> Convolution.ChannelVectorPacking? {
        guard let target = context.cpuTarget,
            let packing = Convolution.channelVectorPacking(
                context.node, parameters, in: context.graph, vectorWidth: target.vectorWidth,
                cacheBytes: target.cacheBytes),
            packing.groups == 1, packing.chunks.size % channelBlock == 0,
            packing.outputsPerGroup % packing.chunks.size == 0
        else { return nil }
        return packing
    }

    static func convolution(
        _ context: ShaderContext, _ parameters: ConvolutionParameters
    ) throws(ShaderLowering.Unsupported) -> [ShaderPlan] {
        guard let xID = context.input(0), let wID = context.input(1) else {
            throw context.unsupported("a convolution needs X and W")
        }
        let (x, y) = (context.shape(xID), context.shape(context.output))
        guard x.count == 4, y.count == 4 else {
            throw context.unsupported("only 2-D convolutions (rank-4 NCHW) are lowered")
        }
        let output: (ShaderBuilder) throws(ShaderLowering.Unsupported) -> ShaderBuffer = {
            b throws(ShaderLowering.Unsupported) in
            try context.buffer(context.output, b)
        }
        if let winograd = try WinogradShader.shaders(context, parameters) { return winograd }
        guard let expansion = parameters.expansion else {
            return [
                try shader(
                    context,
                    Problem(
                        input: { b throws(ShaderLowering.Unsupported) in try context.buffer(xID, b) }, output: output,
                        weights: wID, bias: context.input(2), images: x[0], inChannels: x[1], outChannels: y[1],
                        group: parameters.group, geometry: parameters.geometry, epilogue: context.node.epilogue,
                        packing: cpuPacking(context, parameters)))
            ]
        }
        // The expansion (a 1×1 convolution of X) into scratch, then the depthwise convolution of it.
        guard let expandWeights = context.input(3) else {
            throw context.unsupported("a fused expansion needs its weights")
        }
        let geometry = parameters.geometry
        let expanded = y[1]
        let plane = geometry.input.h * geometry.input.w
        var pointwise = geometry
        (pointwise.kernel, pointwise.strides, pointwise.dilations) = ((1, 1), (1, 1), (1, 1))
        (pointwise.padBegin, pointwise.padEnd, pointwise.output) = ((0, 0), (0, 0), geometry.input)
        let scratch: (ShaderBuilder) throws(ShaderLowering.Unsupported) -> ShaderBuffer = { b in
            context.arena(context.scratchOffset, b)
        }
        var expand = try shader(
            context,
            Problem(
                input: { b throws(ShaderLowering.Unsupported) in try context.buffer(xID, b) }, output: scratch,
                weights: expandWeights, bias: context.input(4), images: x[0], inChannels: x[1], outChannels: expanded,
                group: 1, geometry: pointwise, epilogue: expansion.activation),
            label: "expand")
        expand.scratchBytes = 4 * x[0] * expanded * plane
        var depthwise = try shader(
            context,
            Problem(
                input: scratch, output: output, weights: wID, bias: context.input(2), images: x[0],
                inChannels: expanded, outChannels: expanded, group: expanded, geometry: geometry,
                epilogue: context.node.epilogue),
            label: "depthwise")
        depthwise.scratchBytes = expand.scratchBytes
        return [expand, depthwise]
    }

    /// A 1×1 convolution (constant weights) as W · X per image ([output channels × channels] ·
    /// [channels × positions]), with W laid out [channel][output channel] so
    /// that both operands load four neighbours per fetch. Where the CPU
    /// build packs W in chunks of output channels, [chunk][channel][chunk
    /// size], each chunk is a matrix of the batch (its rows of Y follow the
    /// chunk before's), reading the CPU's bytes: one chunk is that layout.
    static func pointwise(
        _ context: ShaderContext, _ problem: Problem, label: String?
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let (channels, outChannels) = (problem.inChannels, problem.outChannels)
        let positions = problem.geometry.input.h * problem.geometry.input.w
        let (chunk, chunks) = problem.packing.map { ($0.chunks.size, $0.chunks.count) } ?? (outChannels, 1)
        let transposed = channelsLast(try kernel(context, problem), outChannels: outChannels, packing: problem.packing)
        let layout = ContractionShaders.Layout(
            m: chunk, n: positions, k: channels, aRow: 1, aDepth: chunk, bDepth: positions, bColumn: 1)
        var plan = try ContractionShaders.product(
            context, layout, batch: problem.images * chunks,
            items: context.holdsItems(context.output) ? .matrices : nil,
            operands: { b throws(ShaderLowering.Unsupported) in
                (
                    context.constants(transposed, key: "pointwise:\(label ?? "")", b), try problem.input(b),
                    try problem.output(b)
                )
            },
            // A's bases are multiples of 4: a CPU chunk's size is a multiple of channelBlock.
            epilogue: problem.epilogue, quadBases: (true, (channels * positions) % 4 == 0),
            bases: { b, matrix in
                guard chunks > 1 else { return (b.u(0), b.mul(matrix, channels * positions)) }
                let (chunkIndex, image) = (b.mod(matrix, chunks), b.div(matrix, chunks))
                return (b.mul(chunkIndex, channels * chunk), b.mul(image, channels * positions))
            }
        ) { b, matrix, row, _, sum throws(ShaderLowering.Unsupported) in
            guard let bias = problem.bias else { return sum }
            let channel = chunks == 1 ? row : b.add(b.mul(b.mod(matrix, chunks), chunk), row)
            return b.fadd(sum, b.load(try context.buffer(bias, b), channel))
        }
        plan.label = label
        return plan
    }

    /// The node's constant kernel as floats, [output channel][channel][row][column].
    static func kernel(_ context: ShaderContext, _ problem: Problem) throws(ShaderLowering.Unsupported) -> [Float] {
        guard let weights = context.graph[problem.weights].constant else {
            throw context.unsupported("the convolution's weights must be constant on Vulkan")
        }
        return weights.floats
    }

    /// A one-group kernel [output channel][channel][row][column] as
    /// [channel][row][column][output channel], or in the CPU build's chunks of that.
    static func channelsLast(
        _ kernel: [Float], outChannels: Int, packing: Convolution.ChannelVectorPacking? = nil
    ) -> [Float] {
        packing?.pack(kernel) ?? kernel.transposed(rows: outChannels, columns: kernel.count / Swift.max(outChannels, 1))
    }

    /// The shader of one convolution: a matrix product for a 1×1 kernel
    /// (stride 1, no padding, one group), else the direct shader.
    static func shader(
        _ context: ShaderContext, _ problem: Problem, label: String? = nil
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let geometry = problem.geometry
        if geometry.kernel == (1, 1), geometry.strides == (1, 1), geometry.padBegin == (0, 0),
            geometry.padEnd == (0, 0),
            problem.group == 1, context.graph[problem.weights].constant != nil
        {
            return try pointwise(context, problem, label: label)
        }
        let (height, width) = (geometry.input.h, geometry.input.w)
        let (outHeight, outWidth) = (geometry.output.h, geometry.output.w)
        let (kh, kw) = (geometry.kernel.h, geometry.kernel.w)
        let group = problem.group
        guard group > 0, problem.inChannels % group == 0, problem.outChannels % group == 0 else {
            throw context.unsupported("channels do not split into \(group) groups")
        }
        let (groupIn, groupOut) = (problem.inChannels / group, problem.outChannels / group)
        // A block of channels lies in one group.
        let block = [channelBlock, 4, 2, 1].first { groupOut % $0 == 0 } ?? 1
        let positions = outHeight * outWidth
        // Tiles of a row as even as columnBlock allows (56 columns: 4 of 14, not 16+16+16+8).
        let tilesPerRow = (outWidth + columnBlock - 1) / columnBlock
        let columns = (outWidth + tilesPerRow - 1) / tilesPerRow
        let tiles = problem.images * outHeight * tilesPerRow
        func direct(_ b: ShaderBuilder) throws(ShaderLowering.Unsupported) -> (x: Int, y: Int, z: Int) {
            // The tiles run image-major, each within a row of one image.
            try b.grid(tiles, rows: problem.outChannels / block, items: context.holdsItems(context.output) ? .wholeUnits : nil) {
                b, index, row throws(ShaderLowering.Unsupported) in
                let (input, output) = (try problem.input(b), try problem.output(b))
                // With one group, the weights laid out [channel][row][column][output channel]:
                // a tap's block of channels is two four-float fetches, not 8 loads.
                let channelsLast =
                    group == 1 && block % 4 == 0 && problem.outChannels % 4 == 0
                    && context.graph[problem.weights].constant != nil
                // Or the CPU build's chunks of that, [chunk][channel][row][column][chunk size]:
                // a block lies in one chunk, whose taps are `tapStride` apart.
                let packing = channelsLast && block == channelBlock ? problem.packing : nil
                let tapStride = packing?.chunks.size ?? problem.outChannels
                let weights =
                    try channelsLast
                    ? context.constants(
                        Self.channelsLast(
                            try Self.kernel(context, problem), outChannels: problem.outChannels, packing: packing),
                        key: "channels-last:\(label ?? "")", b)
                    : context.buffer(problem.weights, b)
                let quadWeights = channelsLast && ShaderBuilder.isQuadAligned(weights)
                let firstColumn = b.mul(b.mod(index, tilesPerRow), columns)
                let outRow = b.mod(b.div(index, tilesPerRow), outHeight)
                let image = b.div(index, outHeight * tilesPerRow)
                let firstChannel = b.mul(row, block)
                let firstIn = b.mul(b.div(firstChannel, groupOut), groupIn)
                // Where the block's channel-last weights start.
                let blockBase =
                    packing.map { packing in
                        let size = packing.chunks.size
                        return b.add(b.mul(b.div(firstChannel, size), packing.depth * size), b.mod(firstChannel, size))
                    } ?? firstChannel
                let bias = try problem.bias.map { id throws(ShaderLowering.Unsupported) in try context.buffer(id, b) }
                // sums[r][p]: channel firstChannel + r, column firstColumn + p.
                let sums = (0..<block).map { r in
                    let start = bias.map { b.load($0, b.add(firstChannel, r)) } ?? b.f(0)
                    return (0..<columns).map { _ in b.variable(start) }
                }
                // The first window's origin; rows and columns before it wrap past the unsigned bounds tests.
                let top = b.sub(b.mul(outRow, geometry.strides.h), geometry.padBegin.h)
                let left = b.sub(b.mul(firstColumn, geometry.strides.w), geometry.padBegin.w)
                let imageBase = b.mul(image, problem.inChannels * height * width)
                b.loop(groupIn) { c in
                    let plane = b.add(imageBase, b.mul(b.add(firstIn, c), height * width))
                    let weightBase =
                        channelsLast
                        ? b.add(b.mul(c, kh * kw * tapStride), blockBase)
                        : b.mul(b.add(b.mul(firstChannel, groupIn), c), kh * kw)
                    // A loop over the kernel's rows (unrolled too, they made lavapipe's
                    // first call, its LLVM compile, several times slower); a row's taps
                    // unroll, with masked loads (no branch) and a block of multiply-adds each.
                    b.loop(kh) { i in
                        let inRow = b.add(top, b.mul(i, geometry.dilations.h))
                        let rowInside = b.less(inRow, b.u(height))
                        let rowBase = b.add(plane, b.mul(inRow, width))
                        let rowWeights = b.add(weightBase, b.mul(i, channelsLast ? kw * tapStride : kw))
                        // Each distinct input column of the row is loaded once: with
                        // stride 1 a tile of 16 columns and 3 taps needs 18, not 48.
                        var loaded: [Int: SPIRVID] = [:]
                        func value(at offset: Int) -> SPIRVID {
                            if let known = loaded[offset] { return known }
                            let inColumn = b.add(left, offset)
                            let value = b.load(
                                input, b.add(rowBase, inColumn), where: b.and(rowInside, b.less(inColumn, b.u(width))))
                            loaded[offset] = value
                            return value
                        }
                        for j in 0..<kw {
                            let values = (0..<columns).map { p in
                                value(at: p * geometry.strides.w + j * geometry.dilations.w)
                            }
                            let taps =
                                if quadWeights {
                                    stride(from: 0, to: block, by: 4).flatMap { r in
                                        b.load4(weights, b.add(rowWeights, j * tapStride + r))
                                    }
                                } else if channelsLast {
                                    (0..<block).map { r in
                                        b.load(weights, b.add(rowWeights, j * tapStride + r))
                                    }
                                } else {
                                    (0..<block).map { r in
                                        b.load(weights, b.add(rowWeights, (r * groupIn * kh * kw) + j))
                                    }
                                }
                            for (r, tap) in taps.enumerated() {
                                for (p, value) in values.enumerated() {
                                    b.write(sums[r][p], b.fma(value, tap, b.read(sums[r][p])))
                                }
                            }
                        }
                    }
                }
                let math = ShaderMath(context: context, builder: b)
                for r in 0..<block {
                    let channel = b.add(firstChannel, r)
                    let rowStart = b.add(
                        b.mul(b.add(b.mul(image, problem.outChannels), channel), positions), b.mul(outRow, outWidth))
                    for p in 0..<columns {
                        var result = b.read(sums[r][p])
                        if let epilogue = problem.epilogue { result = try math.float(epilogue.expression, [result]) }
                        let column = b.add(firstColumn, p)
                        b.store(result, output, b.add(rowStart, column), column: column, below: outWidth, tile: columns)
                    }
                }
            }
        }
        let (k, n) = (problem.inChannels * kh * kw, positions)
        guard group == 1,
            ContractionShaders.fillsWorkgroupTiles(m: problem.outChannels, n: n, k: k, batch: problem.images)
        else {
            return try ShaderBuilder.shader(label: label, direct)
        }
        return try ShaderBuilder.shaped(
            label: label,
            gpu: { b throws(ShaderLowering.Unsupported) in
                let counts = try implicitProduct(b, context, problem)
                b.itemAxis = context.holdsItems(context.output) ? ProductItems.matrices.workgroupTileAxis(batch: problem.images) : nil
                return counts
            },
            cpuDevice: direct)
    }

    /// A GPU's layout of a one-group convolution: the product of the weights
    /// ([output channel] × [channel, kernel row, kernel column]) and the
    /// input's windows ([channel, kernel row, kernel column] × [output
    /// position]) per image, in ContractionShaders' workgroup tiles, reading
    /// each window element from the input as a panel needs it (zero in the
    /// padding) instead of laying the windows out in memory.
    private static func implicitProduct(
        _ b: ShaderBuilder, _ context: ShaderContext, _ problem: Problem
    ) throws(ShaderLowering.Unsupported) -> (x: Int, y: Int, z: Int) {
        let geometry = problem.geometry
        let (height, width) = (geometry.input.h, geometry.input.w)
        let (kh, kw) = (geometry.kernel.h, geometry.kernel.w)
        let (m, n, k) = (problem.outChannels, geometry.output.h * geometry.output.w, problem.inChannels * kh * kw)
        return try ContractionShaders.workgroupTiles(
            b, m: m, n: n, k: k, batch: problem.images,
            store: { b, output, image, channel, position, sum throws(ShaderLowering.Unsupported) in
                var result = sum
                if let bias = problem.bias { result = b.fadd(result, b.load(try context.buffer(bias, b), channel)) }
                if let epilogue = problem.epilogue {
                    result = try ShaderMath(context: context, builder: b).float(epilogue.expression, [result])
                }
                b.store(result, output, b.add(b.mul(b.add(b.mul(image, m), channel), n), position))
            }
        ) { b, image throws(ShaderLowering.Unsupported) in
            let (input, weights, output) = (
                try problem.input(b), try context.buffer(problem.weights, b), try problem.output(b)
            )
            let imageBase = b.mul(image, problem.inChannels * height * width)
            let windows = ContractionShaders.PanelReader(depthContiguous: false) { position, d, inside in
                let (channel, tap) = (b.div(d, kh * kw), b.mod(d, kh * kw))
                let (outRow, outColumn) = (b.div(position, geometry.output.w), b.mod(position, geometry.output.w))
                // Rows and columns before the input wrap past the unsigned bounds tests.
                let row = b.add(
                    b.sub(b.mul(outRow, geometry.strides.h), geometry.padBegin.h),
                    b.mul(b.div(tap, kw), geometry.dilations.h))
                let column = b.add(
                    b.sub(b.mul(outColumn, geometry.strides.w), geometry.padBegin.w),
                    b.mul(b.mod(tap, kw), geometry.dilations.w))
                let within = b.and(b.less(row, b.u(height)), b.less(column, b.u(width)))
                let valid = b.and(within, inside) ?? within
                let plane = b.add(imageBase, b.mul(channel, height * width))
                return b.load(input, b.add(plane, b.add(b.mul(row, width), column)), where: valid)
            }
            return (.strided(b, weights, base: b.u(0), outer: k, depth: 1), windows, output)
        }
    }
}
