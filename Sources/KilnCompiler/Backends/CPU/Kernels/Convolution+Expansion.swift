// A depthwise convolution that computes its own input, a 1×1 "expand"
// convolution (see Passes/FuseExpansionIntoDepthwise.swift). A tile is
// (image, band of output rows, block of channels): the expansion of just
// the input rows the band's windows read goes into the worker's private
// scratch, and the depthwise taps consume it channel by channel while it is
// still in the L2 cache. Bands overlap by the window's extra rows, which are
// expanded twice; bands are as tall as the cache allows, so that is a few
// percent of the expansion at most.

extension Convolution {
    /// How a fused expansion + depthwise convolution is tiled.
    struct Expansion {
        /// The rows of one band: output rows `firstOutput ..< firstOutput +
        /// outputRows`, reading input rows `firstInput ..< firstInput +
        /// inputRows` (clipped to the image; rows of padding above and
        /// below are zero in the padded copy).
        struct Band {
            var firstOutput: Int
            var outputRows: Int
            var firstInput: Int
            var inputRows: Int
            /// The band's window geometry over its zero-bordered copy.
            var plane: PaddedPlane
            var geometry: WindowGeometry
        }

        let batch: Int
        let inChannels: Int
        let channels: Int
        let geometry: WindowGeometry
        /// Channels per tile: the expansion's register block of rows.
        let channelBlock: Int
        let bands: [Band]

        var blocks: Int { channels / channelBlock }
        var tileCount: Int { batch * bands.count * blocks }
        /// The expanded block ([channel][input row][column]) comes first in the
        /// worker's scratch, the current channel's padded copy after it.
        var expandedElements: Int {
            let rows = bands.map(\.inputRows).max() ?? 0
            return (channelBlock * rows * geometry.input.w + 15) / 16 * 16
        }
        var workerScratchElements: Int { expandedElements + (bands.map(\.plane.elements).max() ?? 0) }

        /// At most this many bands: each is its own code.
        static let maximumBands = 8

        init?(
            _ node: Node, _ parameters: ConvolutionParameters, in graph: Graph, cacheBytes: Int, vectorWidth: Int
        ) {
            guard parameters.expansion != nil, let x = node.input(0).map({ graph.type(of: $0).shape }), x.count == 4,
                let y = node.outputs.first.map({ graph.type(of: $0).shape }), y.count == 4
            else { return nil }
            let geometry = parameters.geometry
            batch = x[0]
            inChannels = x[1]
            channels = y[1]
            self.geometry = geometry
            // A band's input rows and the block they expand to take half of
            // the L2 cache, so the input rows stay there while every block
            // of channels reads them.
            let rowBytes = (inChannels + 8) * geometry.input.w * 4
            let maximumSpan = max(1, cacheBytes / 2 / max(rowBytes, 1))
            let extra = (geometry.kernel.h - 1) * geometry.dilations.h + 1
            var rows = min(geometry.output.h, max(1, (maximumSpan - extra) / geometry.strides.h + 1))
            let count = min(Self.maximumBands, (geometry.output.h + rows - 1) / rows)
            rows = (geometry.output.h + count - 1) / count
            var bands: [Band] = []
            var first = 0
            while first < geometry.output.h {
                let outputRows = min(rows, geometry.output.h - first)
                bands.append(Self.band(geometry, firstOutput: first, outputRows: outputRows))
                first += outputRows
            }
            self.bands = bands
            let columns = (bands.map(\.inputRows).max() ?? 0) * geometry.input.w
            channelBlock = GEMMKernel.rowBlock(for: channels, columns: columns, vectorWidth: vectorWidth)
        }

        private static func band(_ geometry: WindowGeometry, firstOutput: Int, outputRows: Int) -> Band {
            let start = firstOutput * geometry.strides.h - geometry.padBegin.h
            let span = (outputRows - 1) * geometry.strides.h + (geometry.kernel.h - 1) * geometry.dilations.h + 1
            let firstInput = max(start, 0)
            let inputRows = max(0, min(start + span, geometry.input.h) - firstInput)
            var band = geometry
            band.input = (inputRows, geometry.input.w)
            band.output = (outputRows, geometry.output.w)
            let top = inputRows > 0 ? firstInput - start : span
            band.padBegin = (top, geometry.padBegin.w)
            band.padEnd = (max(0, span - top - inputRows), geometry.padEnd.w)
            let plane = PaddedPlane(band)
            band.input = (plane.paddedHeight, plane.paddedWidth)
            band.padBegin = (0, 0)
            band.padEnd = (0, 0)
            return Band(
                firstOutput: firstOutput, outputRows: outputRows, firstInput: firstInput, inputRows: inputRows,
                plane: plane, geometry: band)
        }
    }

    static func workerScratchElements(
        _ node: Node, _ parameters: ConvolutionParameters, in graph: Graph, target: TargetSelection
    ) -> Int {
        Expansion(node, parameters, in: graph, cacheBytes: target.cacheBytes, vectorWidth: target.vectorWidth)?
            .workerScratchElements ?? 0
    }

    /// The fused kernel: inputs X, W, B, W₁, B₁ (biases optional).
    static func expandedDepthwise(_ context: KernelContext, _ parameters: ConvolutionParameters) throws -> KernelPlan {
        let node = context.node
        guard
            let tiling = Expansion(
                node, parameters, in: context.graph, cacheBytes: context.cacheBytes, vectorWidth: context.vectorWidth),
            let x = node.input(0), let depthwiseWeights = node.input(1), let expandWeights = node.input(3)
        else {
            throw CompileError(.backend, at: context.location, "internal error: fused expansion shapes were not inferred")
        }
        let geometry = tiling.geometry
        let (height, width) = geometry.input
        let taps = geometry.kernel.h * geometry.kernel.w
        let outputPlane = geometry.output.h * geometry.output.w
        let lanes = geometry.strides.w <= 4 ? context.vectorWidth : 1
        let blockRows = tiling.channelBlock
        let activation = parameters.expansion?.activation

        func emitBand(_ b: KernelBuilder, _ band: Expansion.Band, image: IRValue, block: IRValue) {
            let expanded = context.workerScratchPointer(b)
            let padded = context.workerScratchPointer(b, elementOffset: tiling.expandedElements)
            let firstChannel = b.mul(block, blockRows)
            let columns = band.inputRows * width
            if columns > 0 {
                let start: GEMMKernel.Start =
                    node.input(4).map { id in
                        let bias = context.pointer(id, b)
                        return .rowValues((0..<blockRows).map { b.load(bias, b.add(firstChannel, $0)) })
                    } ?? .zero
                GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                    firstRow: b.constant(0), rows: blockRows, n: columns, k: tiling.inChannels,
                    a: .init(
                        pointer: context.pointer(expandWeights, b), base: b.mul(firstChannel, tiling.inChannels),
                        rowStride: tiling.inChannels),
                    b: .init(
                        pointer: context.pointer(x, b),
                        base: b.add(b.mul(image, tiling.inChannels * height * width), band.firstInput * width),
                        rowStride: height * width),
                    c: .init(pointer: expanded, base: b.constant(0), rowStride: columns),
                    start: start, epilogue: activation)
            }
            let weights = context.pointer(depthwiseWeights, b)
            let bias = node.input(2).map { context.pointer($0, b) }
            let output = context.pointer(context.output, b)
            b.loop(0..<blockRows) { row in
                let channel = b.add(firstChannel, row)
                band.plane.emit(
                    b, input: b.elementPointer(expanded, b.mul(row, columns)), padded: padded, plane: b.constant(0),
                    fill: 0, vectorWidth: context.vectorWidth)
                let imageChannel = b.add(b.mul(image, tiling.channels), channel)
                DirectRows(
                    geometry: band.geometry, width: lanes, input: padded, inBases: [b.constant(0)],
                    tapWeights: [(0..<taps).map { b.load(weights, b.add(b.mul(channel, taps), $0)) }],
                    output: output,
                    outBase: b.add(b.mul(imageChannel, outputPlane), band.firstOutput * geometry.output.w),
                    initial: bias.map { b.load($0, channel) } ?? b.constant(Float(0)), firstBlock: nil,
                    epilogue: node.epilogue
                ).emit(b, rowsPerPass: rowsPerPass)
            }
        }

        let (blocks, bands) = (tiling.blocks, tiling.bands)
        return KernelPlan(tileCount: tiling.tileCount, label: "expand+depthwise", items: .linear(tiling.tileCount)) { b, tile in
            let block = b.remainder(tile, blocks)
            let image = b.divide(tile, blocks * bands.count)
            let bandIndex = b.remainder(b.divide(tile, blocks), bands.count)
            // Each band has its own constant row counts: one branch per band.
            func emit(from index: Int) {
                if index == bands.count - 1 {
                    emitBand(b, bands[index], image: image, block: block)
                } else {
                    b.ifElse(b.lessThan(bandIndex, index + 1)) {
                        emitBand(b, bands[index], image: image, block: block)
                    } otherwise: {
                        emit(from: index + 1)
                    }
                }
            }
            emit(from: 0)
        }
    }
}
