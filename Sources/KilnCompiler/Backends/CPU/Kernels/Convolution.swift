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
        /// Whether the kernels trim to a bounded batch's extent; false for
        /// the lowering of one item (``singleItem(_:_:in:)``), which runs alone.
        var followsItems = true

        init?(_ node: Node, _ parameters: ConvolutionParameters, in graph: Graph) {
            guard let x = node.input(0).flatMap({ graph[$0].type?.shape }), x.count == 4,
                let w = node.input(1).flatMap({ graph[$0].type?.shape }), w.count == 4,
                let y = node.outputs.first.flatMap({ graph[$0].type?.shape }), y.count == 4
            else { return nil }
            let geometry = parameters.geometry
            batch = x[0]
            // A fused expansion's 1×1 convolution makes the depthwise input's channels.
            channels = parameters.expansion == nil ? x[1] : y[1]
            outChannels = y[1]
            group = parameters.group
            plane = y[2] * y[3]
            taps = w[2] * w[3]
            self.geometry = geometry
            let unitStrides = geometry.strides == (1, 1)
            let noPadding = geometry.padBegin == (0, 0) && geometry.padEnd == (0, 0)
            pointwise = taps == 1 && unitStrides && noPadding
        }

        /// GEMM pays off once a group has a few output channels to block.
        var usesGEMM: Bool { outChannels / group >= 2 }
        /// B rows are shifted views of the (padded) image, or of its phase
        /// planes for strides up to 4 (no im2col), unless a strided image's
        /// phase rows are so much wider than the output that the discarded
        /// columns would cost more than the copy saves.
        var implicit: Bool {
            guard !pointwise else { return false }
            if geometry.strides == (1, 1) { return true }
            let phases = PhasePlanes(geometry)
            return geometry.strides.h <= 4 && geometry.strides.w <= 4
                && (phases.width - geometry.output.w) * 8 <= phases.width
        }
        var padded: Bool { geometry.padBegin != (0, 0) || geometry.padEnd != (0, 0) }
        /// The padded image's size.
        var paddedHeight: Int { PaddedPlane(geometry).paddedHeight }
        var paddedWidth: Int { PaddedPlane(geometry).paddedWidth }
        /// Output positions computed per channel in the phase planes' row
        /// pitch: rows are `PhasePlanes.width` apart, the columns past the
        /// output width in each row are discarded.
        var wideColumns: Int { (geometry.output.h - 1) * PhasePlanes(geometry).width + geometry.output.w }
        var paddedElements: Int { padded ? batch * channels * paddedHeight * paddedWidth : 0 }
        /// The implicit GEMM reads a copy of the image unless it is already
        /// its own (single, unpadded) phase plane.
        var copiesPhases: Bool { padded || geometry.strides != (1, 1) }
        var phaseElements: Int { copiesPhases ? batch * channels * PhasePlanes(geometry).channelElements : 0 }
        /// The im2col matrix: [batch][channels·taps][plane].
        var columnElements: Int { batch * channels * taps * plane }
    }

    static func scratchElements(
        _ node: Node, _ parameters: ConvolutionParameters, in graph: Graph, vectorWidth: Int
    ) -> Int {
        guard parameters.expansion == nil, let shapes = Shapes(node, parameters, in: graph) else { return 0 }
        guard shapes.usesGEMM else { return shapes.paddedElements }
        let single = singleItem(shapes, node, in: graph).flatMap { Winograd($0, node, in: graph)?.scratchElements }
        return max(single ?? 0, boundScratchElements(node, shapes, in: graph, vectorWidth: vectorWidth))
    }

    /// Scratch of the lowerings that run at the bound (or every extent).
    private static func boundScratchElements(_ node: Node, _ shapes: Shapes, in graph: Graph, vectorWidth: Int) -> Int {
        // Each lowering an extent of a bounded batch may run needs its scratch.
        let plans = winogradPlans(shapes, node, in: graph)
        guard plans.count == 1, let only = plans.first else {
            return plans.map { plan in
                plan.winograd?.scratchElements ?? directScratchElements(node, shapes, in: graph, vectorWidth: vectorWidth)
            }.max() ?? 0
        }
        if let winograd = only.winograd { return winograd.scratchElements }
        return directScratchElements(node, shapes, in: graph, vectorWidth: vectorWidth)
    }

    /// Scratch of the lowerings other than Winograd.
    private static func directScratchElements(_ node: Node, _ shapes: Shapes, in graph: Graph, vectorWidth: Int) -> Int {
        if usesChannelVectors(shapes, node, in: graph, vectorWidth: vectorWidth) { return shapes.paddedElements }
        let prefix = shapes.pointwise ? 0 : shapes.implicit ? shapes.phaseElements : shapes.columnElements
        if shapes.pointwise { return 0 }
        return shapes.implicit ? prefix + shapes.batch * shapes.outChannels * shapes.wideColumns : prefix
    }

    static func lower(_ context: KernelContext, _ parameters: ConvolutionParameters) throws -> [KernelPlan] {
        if parameters.expansion != nil { return [try expandedDepthwise(context, parameters)] }
        guard let shapes = Shapes(context.node, parameters, in: context.graph) else {
            throw CompileError(.backend, at: context.location, "internal error: Conv shapes were not inferred")
        }
        guard shapes.usesGEMM else {
            // Depthwise tiles pad their own channel just before using it, while it is in cache.
            let depthwise = shapes.channels == shapes.group && shapes.outChannels == shapes.group && shapes.padded
            return (shapes.padded && !depthwise ? [pad(context, shapes)] : []) + [
                direct(context, shapes, padsItself: depthwise)
            ]
        }
        let lowered = boundLowerings(context, shapes)
        guard let one = singleItem(shapes, context.node, in: context.graph),
            let bound = context.graph.itemBound(of: context.output),
            let winograd = Winograd(one, context.node, in: context.graph)
        else { return lowered }
        // One item gets the Winograd lowering a static build of one image
        // would: the bound's GEMM chunks and transforms are laid out for
        // several images, which one image pays for (ResNet-18's Winograd
        // GEMMs took 1.3–1.7 times as long at extent 1). The direct GEMMs
        // run per image already: another lowering would cost compile time for nothing.
        return winogradKernels(context, winograd).map(\.forOneItem) + lowered.compactMap { $0.fromSecondItem(bound: bound) }
    }

    /// `shapes` for one item of a bounded batch (as many images as one
    /// item holds), when the node's result holds the items; nil otherwise.
    static func singleItem(_ shapes: Shapes, _ node: Node, in graph: Graph) -> Shapes? {
        guard let bound = graph.itemBound(of: node.outputs[0]), shapes.batch % bound == 0 else { return nil }
        var one = shapes
        (one.batch, one.followsItems) = (shapes.batch / bound, false)
        return one
    }

    /// The GEMM lowerings at the bound: one, or one per range of extents that chooses differently.
    private static func boundLowerings(_ context: KernelContext, _ shapes: Shapes) -> [KernelPlan] {
        let plans = winogradPlans(shapes, context.node, in: context.graph)
        guard plans.count == 1, let only = plans.first else {
            // A bounded batch whose extents choose differently: each choice
            // runs only at its extents.
            return plans.flatMap { plan in
                let kernels = plan.winograd.map { winogradKernels(context, $0) } ?? directGEMMKernels(context, shapes)
                return kernels.map { kernel in
                    var kernel = kernel
                    kernel.extents = plan.extents
                    return kernel
                }
            }
        }
        if let winograd = only.winograd { return winogradKernels(context, winograd) }
        return directGEMMKernels(context, shapes)
    }

    /// Whether a convolution runs as Winograd (and which) or not, by the
    /// extents of a bounded batch that choose it: Winograd needs enough
    /// tiles, so a small extent may choose F(2,3) or the direct GEMM where
    /// the bound chooses F(4,3). One plan over every extent otherwise.
    static func winogradPlans(
        _ shapes: Shapes, _ node: Node, in graph: Graph
    ) -> [(winograd: Winograd?, extents: ClosedRange<Int>?)] {
        guard shapes.followsItems, let bound = graph.itemBound(of: node.outputs[0]) else {
            return [(Winograd(shapes, node, in: graph), nil)]
        }
        var plans: [(winograd: Winograd?, extents: ClosedRange<Int>?)] = []
        // From 16 images on every map has Winograd's 16 tiles: the choice no longer changes.
        for extent in 1...min(bound, 16) {
            let winograd = Winograd(shapes, node, in: graph, images: extent)
            if let last = plans.last, last.winograd?.algorithm.outputTile == winograd?.algorithm.outputTile,
                let range = last.extents
            {
                plans[plans.count - 1].extents = range.lowerBound...extent
            } else {
                plans.append((winograd, extent...extent))
            }
        }
        if let range = plans[plans.count - 1].extents { plans[plans.count - 1].extents = range.lowerBound...bound }
        return plans.count == 1 ? [(plans[0].winograd, nil)] : plans
    }

    /// The GEMM lowerings other than Winograd.
    private static func directGEMMKernels(_ context: KernelContext, _ shapes: Shapes) -> [KernelPlan] {
        if usesChannelVectors(shapes, context.node, in: context.graph, vectorWidth: context.vectorWidth) {
            return channelVectorKernels(context, shapes)
        }
        if shapes.pointwise { return [gemm(context, shapes, columns: nil)] }
        if shapes.implicit {
            return (shapes.copiesPhases ? [splitPhases(context, shapes)] : []) + [
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
        // A is read straight from the image (zero-padded into scratch if the
        // windows need it), at any stride and dilation: no im2col.
        let pitch = shapes.padded ? shapes.paddedWidth : geometry.input.w
        let planeSize = (shapes.padded ? shapes.paddedHeight : geometry.input.h) * pitch
        let source = PositionSource(
            pointer: { b in shapes.padded ? context.scratchPointer(b) : input(b) }, channelStride: planeSize,
            tapOffset: { tap in
                (tap / geometry.kernel.w) * geometry.dilations.h * pitch + (tap % geometry.kernel.w)
                    * geometry.dilations.w
            },
            positionOffset: { b, p in
                let row = b.mul(b.divide(p, geometry.output.w), geometry.strides.h * pitch)
                return b.add(row, b.mul(b.remainder(p, geometry.output.w), geometry.strides.w))
            })
        return (shapes.padded ? [pad(context, shapes)] : []) + [channelVectorGEMM(context, shapes, source: source)]
    }

    /// Copies each image channel into the scratch with its zero border.
    static func pad(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        KernelPlan(tileCount: shapes.batch * shapes.channels, label: "pad", items: .linear(shapes.batch * shapes.channels)) { b, tile in
            emitPadChannel(
                b, shapes, input: context.pointer(context.node.inputs[0]!, b), padded: context.scratchPointer(b),
                imageChannel: tile, vectorWidth: context.vectorWidth)
        }
    }

    /// Writes one (image, channel) plane into scratch with its zero border.
    static func emitPadChannel(
        _ b: KernelBuilder, _ shapes: Shapes, input: IRValue, padded: IRValue, imageChannel: IRValue, vectorWidth: Int
    ) {
        PaddedPlane(shapes.geometry).emit(
            b, input: input, padded: padded, plane: imageChannel, fill: 0, vectorWidth: vectorWidth)
    }

    /// Copies each image channel into scratch as its phase planes (for
    /// stride 1, the plane with its zero border).
    static func splitPhases(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let phases = PhasePlanes(shapes.geometry)
        let label = phases.phases == 1 ? "pad" : "phases"
        return KernelPlan(tileCount: shapes.batch * shapes.channels, label: label, items: .linear(shapes.batch * shapes.channels)) { b, tile in
            phases.emit(
                b, input: context.pointer(context.node.inputs[0]!, b), output: context.scratchPointer(b), index: tile,
                vectorWidth: context.vectorWidth)
        }
    }

    /// Convolution as a GEMM whose B rows are shifted views of the phase
    /// planes: reduction step (channel, tap) reads them at the tap's
    /// constant offset. Results land in "wide" rows of the planes' pitch.
    static func implicitGEMM(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let geometry = shapes.geometry
        let phases = PhasePlanes(geometry)
        let tapOffsets = (0..<shapes.taps).map { tap in
            phases.tapOffset(kh: tap / geometry.kernel.w, kw: tap % geometry.kernel.w)
        }
        return groupedGEMM(
            context, shapes, columns: shapes.wideColumns, channelStride: phases.channelElements, taps: shapes.taps,
            tapOffset: { tapOffsets[$0] },
            source: { b in
                shapes.copiesPhases ? context.scratchPointer(b) : context.pointer(context.node.inputs[0]!, b)
            },
            output: { b in b.offset(context.scratchPointer(b), shapes.phaseElements) }, epilogue: nil)
    }

    /// Copies the valid columns of the wide rows into the output, applying the epilogue.
    static func compact(_ context: KernelContext, _ shapes: Shapes) -> KernelPlan {
        let geometry = shapes.geometry
        let pitch = PhasePlanes(geometry).width
        let wide = shapes.wideColumns
        let epilogue = context.node.epilogue
        return KernelPlan(tileCount: shapes.batch * shapes.outChannels, label: "compact", items: .linear(shapes.batch * shapes.outChannels)) { b, tile in
            let source = b.offset(context.scratchPointer(b), shapes.phaseElements)
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
        return KernelPlan(tileCount: shapes.batch * shapes.channels, label: "im2col", items: .linear(shapes.batch * shapes.channels)) { b, tile in
            let input = context.pointer(xID, b)
            let columns = context.scratchPointer(b)
            let inBase = b.mul(tile, inPlane)
            let vector = geometry.strides.w <= 4 ? context.vectorWidth : 1
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
                        b.fill(count: valid.lowerBound, with: 0, columns, outRow, width: vector)
                        let first = b.constant(valid.lowerBound)
                        let start = geometry.inputIndex(b, inBase: inBase, oh: oh, ow: first, kh: kh, kw: kw)
                        // Strided rows are read as wide vectors and deinterleaved.
                        b.forEachVector(count: valid.count, width: vector) { offset, lanes in
                            let value = b.loadStridedVector(
                                input, b.add(start, b.mul(offset, geometry.strides.w)), width: vector, count: lanes,
                                stride: geometry.strides.w)
                            b.storeVector(value, columns, b.add(outRow, b.add(first, offset)), count: lanes)
                        }
                        b.fill(
                            count: geometry.output.w - valid.upperBound, with: 0, columns,
                            b.add(outRow, valid.upperBound), width: vector)
                    } otherwise: {
                        b.fill(count: geometry.output.w, with: 0, columns, outRow, width: vector)
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
        return KernelPlan(tileCount: chunks.count * blocks, label: "gemm", items: TileItems(blocks: blocks, stride: 1)) { b, chunkedTile in
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

    /// Direct convolution (depthwise and other thin groups), over an image
    /// with no padding or the zero-bordered copy in scratch: every output's
    /// window lies inside it, so rows run on SIMD vectors (strided inputs are
    /// deinterleaved) with no bounds checks. Blocks of input channels are
    /// summed per pass; with a single block (depthwise) each output is
    /// finished in registers, bias first and activation last.
    /// Output rows a single-pass direct convolution computes together.
    static let rowsPerPass = 4

    static func direct(_ context: KernelContext, _ shapes: Shapes, padsItself: Bool) -> KernelPlan {
        let node = context.node
        let xID = node.inputs[0]!
        let wID = node.inputs[1]!
        let plane = PaddedPlane(shapes.geometry)
        var geometry = shapes.geometry
        if shapes.padded {
            geometry.input = (plane.paddedHeight, plane.paddedWidth)
            geometry.padBegin = (0, 0)
            geometry.padEnd = (0, 0)
        }
        let channelsPerGroup = shapes.channels / shapes.group
        let outputsPerGroup = shapes.outChannels / shapes.group
        let taps = shapes.taps
        // Input channels summed per pass over the output: enough taps to
        // amortise the output load/store, few enough to keep weights in registers.
        let channelBlock = [8, 4, 3, 2, 1].first { channelsPerGroup % $0 == 0 && $0 * taps <= 32 } ?? 1
        let singlePass = channelBlock == channelsPerGroup
        let stride = geometry.strides.w
        let width = stride <= 4 ? context.vectorWidth : 1

        return KernelPlan(tileCount: shapes.batch * shapes.outChannels, items: .linear(shapes.batch * shapes.outChannels)) { b, tile in
            let input = shapes.padded ? context.scratchPointer(b) : context.pointer(xID, b)
            if padsItself {
                // Depthwise: tile (image, channel) reads exactly that channel.
                plane.emit(
                    b, input: context.pointer(xID, b), padded: input, plane: tile, fill: 0,
                    vectorWidth: context.vectorWidth)
            }
            let weights = context.pointer(wID, b)
            let output = context.pointer(context.output, b)
            let image = b.divide(tile, shapes.outChannels)
            let oc = b.remainder(tile, shapes.outChannels)
            let outBase = b.mul(tile, shapes.plane)
            let initial = node.input(2).map { b.load(context.pointer($0, b), oc) } ?? b.constant(Float(0))
            if !singlePass {
                b.fill(count: shapes.plane, with: 0, output, outBase, width: context.vectorWidth)
            }
            let firstChannel = b.add(
                b.mul(image, shapes.channels), b.mul(b.divide(oc, outputsPerGroup), channelsPerGroup))
            b.loop(0..<(channelsPerGroup / channelBlock)) { block in
                let ic0 = b.mul(block, channelBlock)
                let inBases = (0..<channelBlock).map {
                    b.mul(b.add(firstChannel, b.add(ic0, $0)), geometry.input.h * geometry.input.w)
                }
                let tapWeights = (0..<channelBlock).map { c in
                    let base = b.mul(b.add(b.mul(oc, channelsPerGroup), b.add(ic0, c)), taps)
                    return (0..<taps).map { b.load(weights, b.add(base, $0)) }
                }
                let rows = DirectRows(
                    geometry: geometry, width: width, input: input, inBases: inBases, tapWeights: tapWeights,
                    output: output, outBase: outBase, initial: initial,
                    firstBlock: singlePass ? nil : b.lessThan(block, 1), epilogue: singlePass ? node.epilogue : nil)
                // Depthwise (one input channel per output) takes several rows
                // per pass; wider groups already reuse each load across channels.
                rows.emit(b, rowsPerPass: singlePass && channelsPerGroup == 1 ? rowsPerPass : 1)
            }
            if !singlePass {
                b.apply(node.epilogue, toElementsOf: output, from: outBase, count: shapes.plane)
            }
        }
    }
}

/// The output rows of one channel of a direct convolution, over an input
/// every window lies inside (unpadded, or a zero-bordered copy).
struct DirectRows {
    var geometry: WindowGeometry
    /// Lanes per vector along an output row (1: scalar, for wide strides).
    var width: Int
    var input: IRValue
    /// Element offset in `input` of each input channel summed.
    var inBases: [IRValue]
    /// Per input channel, the kernel's taps (row-major) as IR scalars.
    var tapWeights: [[IRValue]]
    var output: IRValue
    /// Element offset in `output` of the channel's first output row.
    var outBase: IRValue
    /// The bias (0 without one).
    var initial: IRValue
    /// Nil: the sums are complete here (they start at `initial`). Otherwise
    /// they add to what `output` holds, and `initial` joins when this is true.
    var firstBlock: IRValue?
    /// Applied before the store (complete sums only).
    var epilogue: Activation?

    /// Emits every output row, `rowsPerPass` at a time: an input vector
    /// several rows read (same channel, input row and column tap) is loaded
    /// once. Each sum still adds its taps in (channel, kh, kw) order, so the
    /// result does not depend on `rowsPerPass`.
    func emit(_ b: KernelBuilder, rowsPerPass: Int) {
        let rows = max(1, min(rowsPerPass, geometry.output.h))
        b.loop(0..<(geometry.output.h / rows)) { pass in emit(b, from: b.mul(pass, rows), rows: rows) }
        if geometry.output.h % rows > 0 {
            emit(b, from: b.constant(geometry.output.h / rows * rows), rows: geometry.output.h % rows)
        }
    }

    private func emit(_ b: KernelBuilder, from oh0: IRValue, rows: Int) {
        let stride = geometry.strides.w
        b.forEachVector(count: geometry.output.w, width: width) { ow, lanes in
            func load(_ pointer: IRValue, _ index: IRValue, stride: Int = 1) -> IRValue {
                width == 1
                    ? b.load(pointer, index)
                    : b.loadStridedVector(pointer, index, width: width, count: lanes, stride: stride)
            }
            func broadcast(_ scalar: IRValue) -> IRValue { width == 1 ? scalar : b.splat(scalar, width: width) }
            var loaded: [[Int]: IRValue] = [:]
            for row in 0..<rows {
                let oh = b.add(oh0, row)
                let outIndex = b.add(b.add(outBase, b.mul(oh, geometry.output.w)), ow)
                var sum = firstBlock == nil ? broadcast(initial) : load(output, outIndex)
                for (c, (inBase, weights)) in zip(inBases, tapWeights).enumerated() {
                    for kh in 0..<geometry.kernel.h {
                        for kw in 0..<geometry.kernel.w {
                            let key = [c, row * geometry.strides.h + kh * geometry.dilations.h, kw]
                            let value =
                                loaded[key]
                                ?? load(
                                    input, geometry.inputIndex(b, inBase: inBase, oh: oh, ow: ow, kh: kh, kw: kw),
                                    stride: stride)
                            loaded[key] = value
                            sum = b.fmuladd(broadcast(weights[kh * geometry.kernel.w + kw]), value, sum)
                        }
                    }
                }
                if let firstBlock {
                    // The bias joins with the first block.
                    sum = b.select(firstBlock, b.fadd(sum, broadcast(initial)), sum)
                }
                if let epilogue { sum = b.apply(epilogue, sum) }
                if width == 1 {
                    b.store(sum, output, outIndex)
                } else {
                    b.storeVector(sum, output, outIndex, count: lanes)
                }
            }
        }
    }
}
