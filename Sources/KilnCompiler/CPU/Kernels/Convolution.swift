// 2-D convolution (pads, auto_pad, strides, dilations, groups, depthwise):
// one tile per (image, output channel), accumulating whole output planes so
// the innermost loop runs along an output row and vectorizes. The interior
// applies all taps of a block of input channels per pass; only the edges
// go tap by tap.

/// Convolution lowering: im2col + register-blocked GEMM when there are
/// enough output channels per group to fill a row block, else direct loops.
enum Convolution {
    /// The shapes a Conv node lowers with.
    struct Shapes {
        var batch: Int
        var channels: Int
        var outChannels: Int
        var group: Int
        var plane: Int  // output positions per image
        var taps: Int
        var geometry: WindowGeometry
        var pointwise: Bool  // 1×1, stride 1, no padding: the input already is the im2col matrix

        init?(_ node: Node, in graph: Graph) {
            guard let x = node.input(0).flatMap({ graph[$0].type?.shape }), x.count == 4,
                let w = node.input(1).flatMap({ graph[$0].type?.shape }), w.count == 4,
                let y = node.outputs.first.flatMap({ graph[$0].type?.shape }), y.count == 4,
                let geometry = try? WindowGeometry(
                    node: node, input: (x[2], x[3]), kernel: (w[2], w[3]), ceilMode: false,
                    location: graph.location(of: node))
            else { return nil }
            batch = x[0]
            channels = x[1]
            outChannels = y[1]
            group = max(node.int("group", default: 1), 1)
            plane = y[2] * y[3]
            taps = w[2] * w[3]
            self.geometry = geometry
            let unitStrides = geometry.strides == (1, 1)
            let noPadding = geometry.padBegin == (0, 0) && geometry.padEnd == (0, 0)
            pointwise = taps == 1 && unitStrides && noPadding
        }

        /// GEMM pays off once a group has a few output channels to block.
        var usesGEMM: Bool { outChannels / group >= 2 }
        /// Stride 1: B rows are shifted views of the (padded) image, no im2col.
        var implicit: Bool { !pointwise && geometry.strides == (1, 1) }
        var padded: Bool { geometry.padBegin != (0, 0) || geometry.padEnd != (0, 0) }
        /// The padded image's size.
        var paddedHeight: Int { geometry.input.h + geometry.padBegin.h + geometry.padEnd.h }
        var paddedWidth: Int { geometry.input.w + geometry.padBegin.w + geometry.padEnd.w }
        /// Output positions computed per channel in the padded image's row
        /// pitch: rows are `paddedWidth` apart, the last `(kernel.w-1)·dilation`
        /// of each row are discarded.
        var wideColumns: Int { (geometry.output.h - 1) * paddedWidth + geometry.output.w }
        var paddedElements: Int { padded ? batch * channels * paddedHeight * paddedWidth : 0 }
        /// The im2col matrix: [batch][channels·taps][plane].
        var columnElements: Int { batch * channels * taps * plane }
    }

    static func scratchElements(_ node: Node, in graph: Graph, vectorWidth: Int) -> Int {
        guard let shapes = Shapes(node, in: graph) else { return 0 }
        guard shapes.usesGEMM else { return shapes.paddedElements }
        let prefix = shapes.pointwise ? 0 : shapes.implicit ? shapes.paddedElements : shapes.columnElements
        if usesChannelVectors(shapes, node, in: graph, vectorWidth: vectorWidth) {
            return prefix + transposedElements(shapes)
        }
        if shapes.pointwise { return 0 }
        return shapes.implicit ? prefix + shapes.batch * shapes.outChannels * shapes.wideColumns : prefix
    }

    static func lower(_ context: KernelContext) throws -> [KernelPlan] {
        guard let shapes = Shapes(context.node, in: context.graph) else { return [try direct(context, padded: false)] }
        guard shapes.usesGEMM else {
            // Padding the image first leaves no edges: every output takes the fast path.
            guard shapes.padded else { return [try direct(context, padded: false)] }
            // Depthwise: each tile pads its own channel just before using it, while it is in cache.
            let depthwise = shapes.outChannels == shapes.group
            return (depthwise ? [] : [pad(context, shapes)]) + [
                try direct(context, padded: true, padsItself: depthwise)
            ]
        }
        if usesChannelVectors(shapes, context.node, in: context.graph, vectorWidth: context.vectorWidth) {
            return channelVectorKernels(context, shapes)
        }
        if shapes.pointwise { return [gemm(context, shapes, columns: nil)] }
        if shapes.implicit {
            return (shapes.padded ? [pad(context, shapes)] : []) + [
                implicitGEMM(context, shapes), compact(context, shapes),
            ]
        }
        return [im2col(context, shapes), gemm(context, shapes, columns: context.scratchPointer)]
    }

    /// Channel-vector lowering: A from the padded image (stride 1), the
    /// im2col matrix (other strides) or the input itself (pointwise).
    static func channelVectorKernels(_ context: KernelContext, _ shapes: Shapes) -> [KernelPlan] {
        let geometry = shapes.geometry
        let input: (KernelBuilder) -> IRValue = { b in context.pointer(context.node.inputs[0]!, b) }
        let source: PositionSource
        var prologue: [KernelPlan] = []
        if shapes.pointwise {
            source = PositionSource(
                pointer: input, channelStride: shapes.plane, tapOffset: { _ in 0 },
                positionOffset: { _, p in p }, scratchPrefix: 0)
        } else if shapes.implicit {
            let pitch = shapes.padded ? shapes.paddedWidth : geometry.input.w
            let planeSize = (shapes.padded ? shapes.paddedHeight : geometry.input.h) * pitch
            if shapes.padded { prologue = [pad(context, shapes)] }
            source = PositionSource(
                pointer: { b in shapes.padded ? context.scratchPointer(b) : input(b) }, channelStride: planeSize,
                tapOffset: { tap in
                    (tap / geometry.kernel.w) * geometry.dilations.h * pitch + (tap % geometry.kernel.w)
                        * geometry.dilations.w
                },
                positionOffset: { b, p in
                    b.add(b.mul(b.divide(p, geometry.output.w), pitch), b.remainder(p, geometry.output.w))
                }, scratchPrefix: shapes.paddedElements)
        } else {
            prologue = [im2col(context, shapes)]
            source = PositionSource(
                pointer: context.scratchPointer, channelStride: shapes.taps * shapes.plane,
                tapOffset: { $0 * shapes.plane }, positionOffset: { _, p in p }, scratchPrefix: shapes.columnElements)
        }
        return prologue + [
            channelVectorGEMM(context, shapes, source: source),
            transposeOut(context, shapes, scratchPrefix: source.scratchPrefix),
        ]
    }

    /// Copies each image channel into the scratch with its zero border.
    static func pad(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        KernelPlan(tileCount: shapes.batch * shapes.channels, label: "pad") { b, tile in
            emitPadChannel(
                b, shapes, input: context.pointer(context.node.inputs[0]!, b), padded: context.scratchPointer(b),
                imageChannel: tile, vectorWidth: context.vectorWidth)
        }
    }

    /// Writes one (image, channel) plane into scratch with its zero border.
    static func emitPadChannel(
        _ b: KernelBuilder, _ shapes: Shapes, input: IRValue, padded: IRValue, imageChannel: IRValue, vectorWidth: Int
    ) {
        let geometry = shapes.geometry
        let (height, width) = geometry.input
        let (paddedHeight, paddedWidth) = (shapes.paddedHeight, shapes.paddedWidth)
        let outBase = b.mul(imageChannel, paddedHeight * paddedWidth)
        let inBase = b.mul(imageChannel, height * width)
        let top = geometry.padBegin.h * paddedWidth
        b.fill(count: top, with: 0, padded, outBase, width: vectorWidth)
        b.fill(
            count: (paddedHeight - geometry.padBegin.h - height) * paddedWidth, with: 0, padded,
            b.add(outBase, top + height * paddedWidth), width: vectorWidth)
        b.loop(0..<height) { row in
            let outRow = b.add(outBase, b.add(b.mul(row, paddedWidth), top))
            b.fill(count: geometry.padBegin.w, with: 0, padded, outRow, width: vectorWidth)
            b.copy(
                count: width, from: input, b.add(inBase, b.mul(row, width)), to: padded,
                b.add(outRow, geometry.padBegin.w), width: vectorWidth)
            b.fill(
                count: paddedWidth - geometry.padBegin.w - width, with: 0, padded,
                b.add(outRow, geometry.padBegin.w + width), width: vectorWidth)
        }
    }

    /// Stride-1 convolution as a GEMM whose B rows are shifted views of the
    /// padded image: reduction step (channel, tap) reads the plane at
    /// offset kh·dilation·pitch + kw·dilation. Results land in "wide" rows.
    static func implicitGEMM(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let geometry = shapes.geometry
        let pitch = shapes.padded ? shapes.paddedWidth : geometry.input.w
        let planeSize = (shapes.padded ? shapes.paddedHeight : geometry.input.h) * pitch
        let tapOffsets = (0..<shapes.taps).map { tap in
            (tap / geometry.kernel.w) * geometry.dilations.h * pitch + (tap % geometry.kernel.w) * geometry.dilations.w
        }
        return groupedGEMM(
            context, shapes, columns: shapes.wideColumns, channelStride: planeSize, taps: shapes.taps,
            tapOffset: { tapOffsets[$0] },
            source: { b in shapes.padded ? context.scratchPointer(b) : context.pointer(context.node.inputs[0]!, b) },
            output: { b in b.offset(context.scratchPointer(b), shapes.paddedElements) }, epilogue: nil)
    }

    /// Copies the valid columns of the wide rows into the output, applying the epilogue.
    static func compact(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let geometry = shapes.geometry
        let pitch = shapes.padded ? shapes.paddedWidth : geometry.input.w
        let wide = shapes.wideColumns
        let epilogue = context.node.epilogue
        return KernelPlan(tileCount: shapes.batch * shapes.outChannels, label: "compact") { b, tile in
            let source = b.offset(context.scratchPointer(b), shapes.paddedElements)
            let output = context.pointer(context.output, b)
            b.loop(0..<geometry.output.h) { row in
                b.copy(
                    count: geometry.output.w, from: source, b.add(b.mul(tile, wide), b.mul(row, pitch)), to: output,
                    b.add(b.mul(tile, shapes.plane), b.mul(row, geometry.output.w)), width: context.vectorWidth
                ) { value in epilogue.map { b.apply($0, value) } ?? value }
            }
        }
    }

    /// Unrolls each input channel's windows into `taps` rows of the column
    /// matrix [batch][channels·taps][plane], zeros where a tap reads padding.
    static func im2col(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let xID = context.node.inputs[0]!
        let geometry = shapes.geometry
        let inPlane = geometry.input.h * geometry.input.w
        return KernelPlan(tileCount: shapes.batch * shapes.channels, label: "im2col") { b, tile in
            let input = context.pointer(xID, b)
            let columns = context.scratchPointer(b)
            let inBase = b.mul(tile, inPlane)
            let zero = b.constant(Float(0))
            for tap in 0..<shapes.taps {
                let rowBase = b.mul(b.add(b.mul(tile, shapes.taps), tap), shapes.plane)
                let kh = tap / geometry.kernel.w
                let kw = tap % geometry.kernel.w
                let rows = geometry.validRows(kh)
                let valid = geometry.validColumns(kw)
                b.loop(0..<geometry.output.h) { oh in
                    let outRow = b.add(rowBase, b.mul(oh, geometry.output.w))
                    // Whole rows above/below the image are zero; inside, pad the edges.
                    let inside = b.and(b.notLessThan(oh, rows.lowerBound), b.lessThan(oh, rows.upperBound))
                    b.ifElse(inside) {
                        b.loop(0..<valid.lowerBound) { ow in b.store(zero, columns, b.add(outRow, ow)) }
                        b.loop(valid) { ow in
                            let value = b.load(
                                input, geometry.inputIndex(b, inBase: inBase, oh: oh, ow: ow, kh: kh, kw: kw))
                            b.store(value, columns, b.add(outRow, ow))
                        }
                        b.loop(valid.upperBound..<geometry.output.w) { ow in b.store(zero, columns, b.add(outRow, ow)) }
                    } otherwise: {
                        b.loop(0..<geometry.output.w) { ow in b.store(zero, columns, b.add(outRow, ow)) }
                    }
                }
            }
        }
    }

    /// Y[n][g] = W[g] · Columns[n][g] per (image, group, block of output channels).
    /// `columns` nil means the input itself is the column matrix (pointwise).
    static func gemm(_ context: KernelContext, _ shapes: Shapes, columns: ((KernelBuilder) -> IRValue)?) -> KernelPlan {
        // Each (channel, tap) is one row of the column matrix: the reduction is flat.
        groupedGEMM(
            context, shapes, columns: shapes.plane, channelStride: shapes.taps * shapes.plane, taps: shapes.taps,
            tapOffset: { $0 * shapes.plane },
            source: { b in columns?(b) ?? context.pointer(context.node.inputs[0]!, b) },
            output: { b in context.pointer(context.output, b) }, epilogue: context.node.epilogue)
    }

    /// The GEMM every lowering shares: tiles are (column chunk, image, group,
    /// block of output channels); row `oc` of the weights multiplies the
    /// group's B matrix, whose row (channel c, tap t) starts at
    /// `c·channelStride + tapOffset(t)` in `source`; C rows are `columns`
    /// wide in `output`, starting at the bias.
    static func groupedGEMM(
        _ context: KernelContext, _ shapes: Shapes, columns: Int, channelStride: Int, taps: Int,
        tapOffset: @escaping (Int) -> Int, source: @escaping (KernelBuilder) -> IRValue,
        output: @escaping (KernelBuilder) -> IRValue, epilogue: Activation?
    ) -> KernelPlan {
        let node = context.node
        let outputsPerGroup = shapes.outChannels / shapes.group
        let channelsPerGroup = shapes.channels / shapes.group
        let depth = channelsPerGroup * taps
        let rowBlock = GEMMKernel.rowBlock(for: outputsPerGroup, columns: columns, vectorWidth: context.vectorWidth)
        let blocksPerGroup = outputsPerGroup / rowBlock
        let blocks = shapes.batch * shapes.group * blocksPerGroup
        let chunks = GEMMKernel.ColumnChunks(columns: columns, depth: depth, context: context)
        let bias = node.input(2)
        return KernelPlan(tileCount: chunks.count * blocks, label: "gemm") { b, chunkedTile in
            let tile = b.remainder(chunkedTile, blocks)
            let image = b.divide(tile, shapes.group * blocksPerGroup)
            let group = b.remainder(b.divide(tile, blocksPerGroup), shapes.group)
            // The output channel of the block's first row.
            let groupRow = b.add(b.mul(group, outputsPerGroup), b.mul(b.remainder(tile, blocksPerGroup), rowBlock))
            let firstChannel = b.add(b.mul(image, shapes.channels), b.mul(group, channelsPerGroup))
            let start: GEMMKernel.Start =
                bias.map { id in
                    let pointer = context.pointer(id, b)
                    return .rowValues((0..<rowBlock).map { b.load(pointer, b.add(groupRow, $0)) })
                } ?? .zero
            let reduction = GEMMKernel.Reduction(
                outer: channelsPerGroup, inner: taps,
                aOffset: { channel, tap in b.add(b.mul(channel, taps), tap) },
                bOffset: { channel, tap in b.add(b.mul(channel, channelStride), tapOffset(tap)) })
            let (weights, sourcePointer, outputPointer) = (
                context.pointer(node.inputs[1]!, b), source(b), output(b)
            )
            chunks.emit(b, index: b.divide(chunkedTile, blocks)) { columnStart, count in
                GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                    firstRow: b.constant(0), rows: rowBlock, n: count, columnStart: columnStart, reduction: reduction,
                    a: .init(pointer: weights, base: b.mul(groupRow, depth), rowStride: depth),
                    b: .init(pointer: sourcePointer, base: b.mul(firstChannel, channelStride), rowStride: 0),
                    c: .init(
                        pointer: outputPointer, base: b.mul(b.add(b.mul(image, shapes.outChannels), groupRow), columns),
                        rowStride: columns),
                    start: start, epilogue: epilogue)
            }
        }
    }

    /// Direct convolution (depthwise and other thin groups); with `padded`
    /// it reads the zero-bordered image the `pad` kernel wrote to scratch.
    static func direct(_ context: KernelContext, padded: Bool, padsItself: Bool = false) throws -> KernelPlan {
        let node = context.node
        let xID = node.inputs[0]!
        let wID = node.inputs[1]!
        let x = context.type(xID).shape
        let w = context.type(wID).shape
        let y = context.type(context.output).shape
        let group = node.int("group", default: 1)
        var geometry = try WindowGeometry(
            node: node, input: (x[2], x[3]), kernel: (w[2], w[3]), ceilMode: false, location: context.location)
        if padded {
            geometry.input = (
                geometry.input.h + geometry.padBegin.h + geometry.padEnd.h,
                geometry.input.w + geometry.padBegin.w + geometry.padEnd.w
            )
            geometry.padBegin = (0, 0)
            geometry.padEnd = (0, 0)
        }
        let (batch, inChannels) = (x[0], x[1])
        let (height, width) = geometry.input
        let outChannels = y[1]
        let channelsPerGroup = inChannels / group
        let outputsPerGroup = outChannels / group
        let plane = y[2] * y[3]
        let bias = node.input(2)
        let interior = geometry.interior
        let border = geometry.border(around: interior)
        // Input channels summed per pass over the output: enough taps to
        // amortise the output load/store, few enough to keep weights in registers.
        let taps = geometry.kernel.h * geometry.kernel.w
        let channelBlock = [8, 4, 3, 2, 1].first { channelsPerGroup % $0 == 0 && $0 * taps <= 32 } ?? 1

        let shapes = Shapes(node, in: context.graph)
        return KernelPlan(tileCount: batch * outChannels) { b, tile in
            let input = padded ? context.scratchPointer(b) : context.pointer(xID, b)
            if padsItself, let shapes {
                // Depthwise: tile (image, channel) reads exactly that channel.
                emitPadChannel(
                    b, shapes, input: context.pointer(xID, b), padded: input, imageChannel: tile,
                    vectorWidth: context.vectorWidth)
            }
            let weights = context.pointer(wID, b)
            let output = context.pointer(context.output, b)
            let n = b.divide(tile, outChannels)
            let oc = b.remainder(tile, outChannels)
            let outBase = b.mul(tile, plane)
            let initial = bias.map { b.load(context.pointer($0, b), oc) } ?? b.constant(Float(0))
            // With one channel block (depthwise, thin groups) the interior is
            // finished in a single pass: it starts from the bias in registers
            // and stores the activated result; only the edges go through memory.
            let singlePass = channelBlock == channelsPerGroup && !interior.isEmpty
            func eachEdgePosition(_ body: (IRValue) -> Void) {
                for region in border {
                    b.loop(region.rows) { oh in
                        let outRow = b.add(outBase, b.mul(oh, geometry.output.w))
                        b.loop(region.columns) { ow in body(b.add(outRow, ow)) }
                    }
                }
            }
            if singlePass {
                eachEdgePosition { index in b.store(initial, output, index) }
            } else {
                b.loop(0..<plane) { index in b.store(initial, output, b.add(outBase, index)) }
            }

            let firstChannel = b.add(b.mul(n, inChannels), b.mul(b.divide(oc, outputsPerGroup), channelsPerGroup))
            b.loop(0..<(channelsPerGroup / channelBlock)) { block in
                let ic0 = b.mul(block, channelBlock)
                let inBases = (0..<channelBlock).map { b.mul(b.add(firstChannel, b.add(ic0, $0)), height * width) }
                let weightBases = (0..<channelBlock).map {
                    b.mul(b.add(b.mul(oc, channelsPerGroup), b.add(ic0, $0)), taps)
                }
                // Edges: tap by tap, each over the outputs where it reads inside the image.
                for region in border {
                    for (inBase, weightBase) in zip(inBases, weightBases) {
                        geometry.emitTaps(b, outBase: outBase, inBase: inBase, region: region) { tap in
                            let weight = b.load(weights, b.add(weightBase, tap))
                            return { outIndex, inIndex in
                                b.store(
                                    b.fmuladd(weight, b.load(input, inIndex), b.load(output, outIndex)), output,
                                    outIndex)
                            }
                        }
                    }
                }
                // Interior: every tap of the channel block in one pass, so each
                // output element is loaded and stored once per block, not per tap.
                guard !interior.isEmpty else { return }
                let tapWeights = weightBases.map { base in (0..<taps).map { b.load(weights, b.add(base, $0)) } }
                // Unit column stride: explicit vectors along the row (a masked
                // one for the tail); otherwise scalar code the vectorizer may widen.
                let stride = geometry.strides.w
                let width = stride <= 4 ? context.vectorWidth : 1
                let columns = interior.columns
                b.loop(interior.rows) { oh in
                    let outRow = b.add(outBase, b.mul(oh, geometry.output.w))
                    func compute(_ ow: IRValue, _ count: Int) {
                        let outIndex = b.add(outRow, ow)
                        func load(_ pointer: IRValue, _ index: IRValue, stride: Int = 1) -> IRValue {
                            width == 1
                                ? b.load(pointer, index)
                                : b.loadStridedVector(pointer, index, width: width, count: count, stride: stride)
                        }
                        func broadcast(_ scalar: IRValue) -> IRValue {
                            width == 1 ? scalar : b.splat(scalar, width: width)
                        }
                        var sum = singlePass ? broadcast(initial) : load(output, outIndex)
                        for (inBase, weights) in zip(inBases, tapWeights) {
                            for kh in 0..<geometry.kernel.h {
                                for kw in 0..<geometry.kernel.w {
                                    let inIndex = geometry.inputIndex(b, inBase: inBase, oh: oh, ow: ow, kh: kh, kw: kw)
                                    sum = b.fmuladd(
                                        broadcast(weights[kh * geometry.kernel.w + kw]),
                                        load(input, inIndex, stride: stride), sum)
                                }
                            }
                        }
                        if singlePass, let epilogue = node.epilogue { sum = b.apply(epilogue, sum) }
                        if width == 1 {
                            b.store(sum, output, outIndex)
                        } else {
                            b.storeVector(sum, output, outIndex, count: count)
                        }
                    }
                    let full = columns.count / width
                    if full > 0 {
                        b.loop(0..<full) { v in compute(b.add(b.mul(v, width), columns.lowerBound), width) }
                    }
                    if columns.count % width > 0 {
                        compute(b.constant(columns.lowerBound + full * width), columns.count % width)
                    }
                }
            }
            if singlePass {
                if let epilogue = node.epilogue {
                    eachEdgePosition { index in b.store(b.apply(epilogue, b.load(output, index)), output, index) }
                }
            } else {
                b.apply(node.epilogue, toElementsOf: output, from: outBase, count: plane)
            }
        }
    }
}
