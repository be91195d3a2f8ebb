// Convolutions over small images (late CNN layers: 7×7, 14×14) with many
// output channels: vectors run along output channels instead of output
// positions, so no lane is spent on a short row or a padded pitch. The GEMM
// computes Yᵀ (positions × channels) in registers, starting from the bias,
// and scatters each finished, activated vector into Y's channel planes.

extension Convolution {
    /// Where A (positions × reduction) is read from for a channel-vector GEMM.
    struct PositionSource {
        /// The image data (padded image, im2col matrix or the input).
        var pointer: (KernelBuilder) -> IRValue
        /// Elements between consecutive input channels of one image.
        var channelStride: Int
        /// Offset of tap `t` within a channel.
        var tapOffset: (Int) -> Int
        /// Offset of output position `p` (row-major over the output plane).
        var positionOffset: (KernelBuilder, IRValue) -> IRValue
    }

    /// Vectors along output channels pay off when the output plane is small
    /// and each group has at least two vectors of output channels; the
    /// weights must be constants to be repacked at compile time.
    static func usesChannelVectors(_ shapes: Shapes, _ node: Node, in graph: Graph, vectorWidth: Int) -> Bool {
        guard let weights = node.input(1), graph[weights].constant != nil else { return false }
        return shapes.plane <= 16 * vectorWidth && shapes.outChannels / shapes.group >= 2 * vectorWidth
    }

    /// Wᵀ as the channel-vector GEMM reads it: packed chunk by chunk,
    /// [group][chunk][depth][chunk size] (the last chunk zero-padded), so a
    /// tile streams one contiguous block of B.
    struct ChannelVectorPacking {
        let groups: Int
        let outputsPerGroup: Int
        /// Channels of a group × kernel taps.
        let depth: Int
        let chunks: GEMMKernel.ColumnChunks
        /// Floats of one chunk: its depth × its size.
        var panel: Int { depth * chunks.size }

        init(_ shapes: Shapes, vectorWidth: Int, cacheBytes: Int) {
            (groups, outputsPerGroup) = (shapes.group, shapes.outChannels / shapes.group)
            depth = shapes.channels / shapes.group * shapes.taps
            chunks = GEMMKernel.ColumnChunks(
                columns: outputsPerGroup, depth: depth, vectorWidth: vectorWidth, cacheBytes: cacheBytes)
        }

        /// `weights` ([output channel][channel][row][column]) packed.
        func pack(_ weights: [Float]) -> [Float] {
            precondition(
                weights.count == groups * outputsPerGroup * depth, "the kernel does not match the convolution's shapes")
            var values = [Float](repeating: 0, count: groups * chunks.count * panel)
            for group in 0..<groups {
                for j in 0..<outputsPerGroup {
                    let row = (group * outputsPerGroup + j) * depth
                    let destination = (group * chunks.count + j / chunks.size) * panel + j % chunks.size
                    for k in 0..<depth { values[destination + k * chunks.size] = weights[row + k] }
                }
            }
            return values
        }
    }

    /// How the CPU build on a target (`vectorWidth`, `cacheBytes`) packs a
    /// convolution's weights for the channel-vector GEMM, where it lowers the
    /// node that way and no bounded dim makes the lowering vary by extent;
    /// nil otherwise. The Vulkan build reads those bytes where it can, so the
    /// weights blob stores them once.
    static func channelVectorPacking(
        _ node: Node, _ parameters: ConvolutionParameters, in graph: Graph, vectorWidth: Int, cacheBytes: Int
    ) -> ChannelVectorPacking? {
        guard parameters.expansion == nil, graph.itemBound(of: node.outputs[0]) == nil,
            let shapes = Shapes(node, parameters, in: graph), shapes.usesGEMM,
            Winograd(shapes, node, in: graph) == nil,
            usesChannelVectors(shapes, node, in: graph, vectorWidth: vectorWidth)
        else { return nil }
        return ChannelVectorPacking(shapes, vectorWidth: vectorWidth, cacheBytes: cacheBytes)
    }

    /// Y[n][g·OCg + j][p] = bias + Σ A[p][(c, t)] · Wᵀ[g][(c, t)][j], with Wᵀ
    /// packed at compile time, then the fused activation.
    static func channelVectorGEMM(_ context: KernelContext, _ shapes: Shapes, source: PositionSource) -> KernelPlan {
        let node = context.node
        let packing = ChannelVectorPacking(shapes, vectorWidth: context.vectorWidth, cacheBytes: context.cacheBytes)
        let (outputsPerGroup, chunks, panel) = (packing.outputsPerGroup, packing.chunks, packing.panel)
        let channelsPerGroup = shapes.channels / shapes.group
        let rowBlock = GEMMKernel.rowBlock(
            for: shapes.plane, columns: outputsPerGroup, vectorWidth: context.vectorWidth)
        let blocksPerImage = shapes.plane / rowBlock
        let blocks = shapes.batch * shapes.group * blocksPerImage
        return KernelPlan(tileCount: chunks.count * blocks, label: "gemm", items: TileItems(blocks: blocks, stride: 1)) { b, chunkedTile in
            let packed = context.constantPointer(key: "transposedWeights", b) {
                let values = packing.pack(context.constant(node.inputs[1]!)?.floats ?? [])
                return TensorData(shape: [values.count], floats: values).bytes
            }
            let tile = b.remainder(chunkedTile, blocks)
            let image = b.divide(tile, shapes.group * blocksPerImage)
            let group = b.remainder(b.divide(tile, blocksPerImage), shapes.group)
            let firstPosition = b.mul(b.remainder(tile, blocksPerImage), rowBlock)
            let firstChannel = b.add(b.mul(image, shapes.channels), b.mul(group, channelsPerGroup))
            let imageBase = b.mul(firstChannel, source.channelStride)
            let rowBases = (0..<rowBlock).map { b.add(imageBase, source.positionOffset(b, b.add(firstPosition, $0))) }
            let reduction = GEMMKernel.Reduction(
                outer: channelsPerGroup, inner: shapes.taps,
                aOffset: { channel, tap in b.add(b.mul(channel, source.channelStride), source.tapOffset(tap)) },
                bOffset: { channel, tap in b.mul(b.add(b.mul(channel, shapes.taps), tap), chunks.size) })
            let (input, output) = (source.pointer(b), context.pointer(context.output, b))
            let start: GEMMKernel.Start =
                node.input(2).map {
                    .columnValues(b.elementPointer(context.pointer($0, b), b.mul(group, outputsPerGroup)))
                }
                ?? .zero
            let chunk = b.divide(chunkedTile, blocks)
            // B columns are chunk-local in the packing; C's are absolute, so B's
            // base steps back by the chunk's first column.
            let panelBase = b.mul(b.add(b.mul(group, chunks.count), chunk), panel)
            chunks.emit(b, index: chunk) { columnStart, count in
                GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                    firstRow: firstPosition, rows: rowBlock, n: count, columnStart: columnStart, reduction: reduction,
                    a: .init(pointer: input, base: b.constant(0), rowStride: 0), aRowBases: rowBases,
                    b: .init(pointer: packed, base: b.sub(panelBase, columnStart), rowStride: 0),
                    c: .init(
                        pointer: output,
                        base: b.mul(
                            b.add(b.mul(image, shapes.outChannels), b.mul(group, outputsPerGroup)), shapes.plane),
                        rowStride: 1, columnStride: shapes.plane),
                    start: start, epilogue: node.epilogue)
            }
        }
    }
}
