// Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions: each 4×4 block of
// outputs costs 36 multiplies per (input, output) channel pair instead of
// 144. The 6×6 input tiles are transformed (Bᵀ·d·B), multiplied by the
// weights transformed at compile time (G·g·Gᵀ) in 36 independent GEMMs
// over channels, and transformed back (Aᵀ·m·A) with the bias and the fused
// activation. Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks" (2016) give the matrices; the interpolation points are 0, ±1,
// ±2 and ∞, whose float32 error stays near 1e-6 of the result's scale.

extension Convolution {
    /// Winograd's tile arithmetic for one Conv node.
    struct Winograd {
        /// One F(m×m, 3×3) algorithm: its tile sizes and transforms.
        struct Algorithm: Sendable {
            /// Output rows and columns per tile (m).
            let outputTile: Int
            /// Input transform Bᵀ (n×n, n = m + 2).
            let inputTransform: [[Double]]
            /// Weight transform G (n×3).
            let weightTransform: [[Double]]
            /// Output transform Aᵀ (m×n).
            let outputTransform: [[Double]]

            /// Input rows and columns per tile (outputTile + kernel − 1).
            var inputTile: Int { outputTile + 2 }
            /// Transformed positions: one GEMM each.
            var positions: Int { inputTile * inputTile }

            /// F(4×4, 3×3): 36 multiplies per 16 outputs (4× fewer than direct).
            static let f4 = Algorithm(
                outputTile: 4,
                inputTransform: [
                    [4, 0, -5, 0, 1, 0],
                    [0, -4, -4, 1, 1, 0],
                    [0, 4, -4, -1, 1, 0],
                    [0, -2, -1, 2, 1, 0],
                    [0, 2, -1, -2, 1, 0],
                    [0, 4, 0, -5, 0, 1],
                ],
                weightTransform: [
                    [1.0 / 4, 0, 0],
                    [-1.0 / 6, -1.0 / 6, -1.0 / 6],
                    [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                    [1.0 / 24, 1.0 / 12, 1.0 / 6],
                    [1.0 / 24, -1.0 / 12, 1.0 / 6],
                    [0, 0, 1],
                ],
                outputTransform: [
                    [1, 1, 1, 1, 1, 0],
                    [0, 1, -1, 2, -2, 0],
                    [0, 1, 1, 4, 4, 0],
                    [0, 1, -1, 8, -8, 1],
                ])

            /// F(2×2, 3×3): 16 multiplies per 4 outputs (2.25× fewer), on
            /// maps too small for enough 4×4 tiles (ResNet's 7×7 layer4):
            /// 2×2 tiles waste less of the map and give the GEMMs more columns.
            static let f2 = Algorithm(
                outputTile: 2,
                inputTransform: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
                weightTransform: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
                outputTransform: [[1, 1, 1, 0], [0, 1, -1, -1]])
        }

        let algorithm: Algorithm
        let shapes: Shapes
        let tilesY: Int
        let tilesX: Int
        /// The zero-bordered input plane every tile reads inside.
        let padded: PaddedPlane

        /// The node's Winograd plan, or nil when the direct GEMM is the better
        /// (or only) choice: Winograd needs a 3×3 stride-1 undilated
        /// ungrouped kernel with constant weights, and pays off only with
        /// enough channels to make its GEMMs dense and enough tiles to
        /// amortise the transforms (at least 16, a GEMM vector of columns)
        /// while computing at most 4/3 of the map. F(4,3) where it fits,
        /// else F(2,3) (a 7×7 map is 4 tiles of 4×4 but 16 of 2×2).
        /// `images`: how many images to count tiles for (by default the
        /// batch; with a bounded batch, each extent's own choice).
        init?(_ shapes: Shapes, _ node: Node, in graph: Graph, images: Int? = nil) {
            let geometry = shapes.geometry
            guard geometry.kernel == (3, 3), geometry.strides == (1, 1), geometry.dilations == (1, 1),
                shapes.group == 1, shapes.channels >= 16, shapes.outChannels >= 16,
                let weights = node.input(1), graph[weights].constant != nil
            else { return nil }
            func fits(_ algorithm: Algorithm) -> (Int, Int)? {
                let tile = algorithm.outputTile
                let tilesY = (geometry.output.h + tile - 1) / tile
                let tilesX = (geometry.output.w + tile - 1) / tile
                let computed = tilesY * tilesX * tile * tile
                guard (images ?? shapes.batch) * tilesY * tilesX >= 16, shapes.plane * 4 >= computed * 3 else { return nil }
                return (tilesY, tilesX)
            }
            guard let (algorithm, (tilesY, tilesX)) = [Algorithm.f4, .f2].lazy.compactMap({ a in fits(a).map { (a, $0) } }).first
            else { return nil }
            self.algorithm = algorithm
            self.tilesY = tilesY
            self.tilesX = tilesX
            self.shapes = shapes
            holdsItems = shapes.followsItems && shapes.batch > 1 && graph.itemLayouts[node.outputs[0]] != nil
            var reach = geometry
            reach.output = (tilesY * algorithm.outputTile, tilesX * algorithm.outputTile)
            padded = PaddedPlane(reach)
        }

        /// Tiles per GEMM column: every tile of every image.
        var tiles: Int { shapes.batch * tilesY * tilesX }
        /// Whether the images are a bounded batch's items, so that a call
        /// has only the first images' tiles.
        let holdsItems: Bool

        /// Floats from one row of V or M to the next in a call: the tiles of
        /// the call's images where they are items, so a call of n images
        /// lays them out densely, as a build for n would (the bound's rows,
        /// mostly unused, made the 14×14 and 7×7 GEMMs 40% slower at 3 of 8).
        func rowStride(_ b: KernelBuilder) -> IRValue {
            holdsItems ? b.mul(b.extent, tilesY * tilesX) : b.constant(tiles)
        }
        var paddedElements: Int { shapes.batch * shapes.channels * padded.elements }
        /// Transformed inputs V, [position][channel][tile].
        var inputElements: Int { algorithm.positions * shapes.channels * tiles }
        /// Products M, [position][output channel][tile].
        var productElements: Int { algorithm.positions * shapes.outChannels * tiles }
        var scratchElements: Int { paddedElements + inputElements + productElements }

        /// Lanes per transform vector: tiles along a row, at most a register.
        func lanes(vectorWidth: Int) -> Int {
            var width = min(4, vectorWidth)
            while width < tilesX && width < vectorWidth { width *= 2 }
            return width
        }

        /// U = G·g·Gᵀ per (output channel, input channel), laid out as
        /// [position][output channel][input channel], in double precision
        /// and rounded once.
        func transformedWeights(_ weights: [Float]) -> [Float] {
            let (outChannels, channels) = (shapes.outChannels, shapes.channels)
            let n = algorithm.inputTile
            var result = [Float](repeating: 0, count: algorithm.positions * outChannels * channels)
            // G flat, row-major n×3, and t = G·w reused across pairs: ResNet-18
            // has 2.4 M (output, input) channel pairs, and an array per pair
            // made this a noticeable share of its compile.
            let g = algorithm.weightTransform.flatMap { $0 }
            var t = [Double](repeating: 0, count: n * 3)
            for oc in 0..<outChannels {
                for c in 0..<channels {
                    let base = (oc * channels + c) * 9
                    // t = G·w (n×3), then U = t·Gᵀ (n×n), each sum in k order from 0.
                    for r in 0..<n {
                        for j in 0..<3 {
                            var sum = 0.0
                            for k in 0..<3 { sum += g[r * 3 + k] * Double(weights[base + k * 3 + j]) }
                            t[r * 3 + j] = sum
                        }
                    }
                    for r in 0..<n {
                        for s in 0..<n {
                            var sum = 0.0
                            for k in 0..<3 { sum += t[r * 3 + k] * g[s * 3 + k] }
                            result[((r * n + s) * outChannels + oc) * channels + c] = Float(sum)
                        }
                    }
                }
            }
            return result
        }
    }

    static func winogradKernels(_ context: KernelContext, _ winograd: Winograd) -> [KernelPlan] {
        [winogradInput(context, winograd), winogradGEMM(context, winograd), winogradOutput(context, winograd)]
    }

    /// Per (image, channel): pads the plane into scratch while it is in
    /// cache, then writes V = Bᵀ·d·B for every tile, a vector of tiles along
    /// a tile row at a time (each lane reads its tile's columns, 4 apart).
    static func winogradInput(_ context: KernelContext, _ w: Winograd) -> KernelPlan {
        let shapes = w.shapes
        let lanes = w.lanes(vectorWidth: context.vectorWidth)
        let tilesPerImage = w.tilesY * w.tilesX
        let algorithm = w.algorithm
        let (m, n) = (algorithm.outputTile, algorithm.inputTile)
        return KernelPlan(tileCount: shapes.batch * shapes.channels, label: "winograd-input", items: .linear(shapes.batch * shapes.channels)) { b, tile in
            let padded = context.scratchPointer(b)
            let transformed = b.offset(padded, w.paddedElements)
            w.padded.emit(
                b, input: context.pointer(context.node.inputs[0]!, b), padded: padded, plane: tile, fill: 0,
                vectorWidth: context.vectorWidth)
            let planeBase = b.mul(tile, w.padded.elements)
            let image = b.divide(tile, shapes.channels)
            let channel = b.remainder(tile, shapes.channels)
            let rowStride = w.rowStride(b)
            let positionStride = b.mul(rowStride, shapes.channels)
            b.loop(0..<w.tilesY) { ty in
                let rowBase = b.add(planeBase, b.mul(ty, m * w.padded.paddedWidth))
                let column = b.add(b.mul(image, tilesPerImage), b.mul(ty, w.tilesX))
                for x0 in stride(from: 0, to: w.tilesX, by: lanes) {
                    let count = min(lanes, w.tilesX - x0)
                    let d = (0..<n).map { i in
                        (0..<n).map { j in
                            b.loadStridedVector(
                                padded, b.add(rowBase, i * w.padded.paddedWidth + x0 * m + j),
                                width: lanes, count: count, stride: m)
                        }
                    }
                    let v = b.sandwich(algorithm.inputTransform, d)
                    let row = b.add(b.mul(channel, rowStride), b.add(column, x0))
                    for position in 0..<algorithm.positions {
                        b.storeVector(
                            v[position / n][position % n], transformed,
                            b.add(row, b.mul(positionStride, position)), count: count)
                    }
                }
            }
        }
    }

    /// M[position] = U[position] · V[position]: 36 GEMMs of
    /// [output channels × channels] · [channels × tiles], tiled by
    /// (column chunk, position, block of output channels).
    static func winogradGEMM(_ context: KernelContext, _ w: Winograd) -> KernelPlan {
        let shapes = w.shapes
        let rowBlock = GEMMKernel.rowBlock(for: shapes.outChannels, columns: w.tiles, vectorWidth: context.vectorWidth)
        let blocks = shapes.outChannels / rowBlock
        // With a bounded batch the columns (each image's tiles in turn) are chunked by whole images.
        let items = w.holdsItems ? shapes.batch : nil
        let chunks = GEMMKernel.ColumnChunks(columns: w.tiles, depth: shapes.channels, context: context, items: items)
        let node = context.node
        let positions = w.algorithm.positions
        let tileCount = chunks.count * positions * blocks
        return KernelPlan(
            tileCount: tileCount, label: "winograd-gemm",
            // Columns are the images' tiles, image by image: items run along the chunks.
            items: TileItems(blocks: chunks.count, stride: positions * blocks)
        ) { b, chunkedTile in
            let tile = b.remainder(chunkedTile, positions * blocks)
            let position = b.divide(tile, blocks)
            let firstRow = b.mul(b.remainder(tile, blocks), rowBlock)
            let weights = context.constantPointer(key: "winogradWeights\(w.algorithm.outputTile)", b) {
                let transformed = w.transformedWeights(context.constant(node.inputs[1]!)?.floats ?? [])
                return TensorData(shape: [transformed.count], floats: transformed).bytes
            }
            let transformed = b.offset(context.scratchPointer(b), w.paddedElements)
            let products = b.offset(transformed, w.inputElements)
            chunks.emit(b, index: b.divide(chunkedTile, positions * blocks)) { columnStart, count in
                let rowStride = w.rowStride(b)
                func gemm(_ width: GEMMKernel.Width) {
                    GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                        firstRow: firstRow, rows: rowBlock, width: width, columnStart: columnStart, k: shapes.channels,
                        a: .init(pointer: weights, base: b.mul(position, shapes.outChannels * shapes.channels),
                                 rowStride: shapes.channels),
                        b: .init(pointer: transformed, base: b.mul(b.mul(position, shapes.channels), rowStride),
                                 rowStride: w.tiles, liveRowStride: rowStride),
                        c: .init(pointer: products, base: b.mul(b.mul(position, shapes.outChannels), rowStride),
                                 rowStride: w.tiles, liveRowStride: rowStride),
                        start: .zero, epilogue: nil)
                }
                // A chunk of several images, the last of them past the
                // call's extent, multiplies only the images the call has:
                // so few that their columns make one panel, in that panel
                // (as a build for them would); more, in panels up to the
                // call's last column.
                let perImage = w.tiles / shapes.batch
                guard items != nil, count > perImage, count % perImage == 0 else { return gemm(.fixed(count)) }
                let held = b.sub(b.extent, b.divide(columnStart, perImage))
                let narrow = (1..<count / perImage).filter {
                    GEMMKernel.isNarrow($0 * perImage, rows: rowBlock, vectorWidth: context.vectorWidth)
                }
                func images(_ remaining: ArraySlice<Int>) {
                    guard let first = remaining.first else { return gemm(.live(b.mul(held, perImage))) }
                    b.ifElse(b.lessThan(held, first + 1)) {
                        gemm(.fixed(first * perImage))
                    } otherwise: {
                        images(remaining.dropFirst())
                    }
                }
                b.ifElse(b.lessThan(held, count / perImage)) { images(narrow[...]) } otherwise: { gemm(.fixed(count)) }
            }
        }
    }

    /// Per (image, output channel): Y = Aᵀ·m·A + bias for every tile, the
    /// activation applied, each output row's four columns per lane
    /// interleaved into one contiguous (masked) store.
    static func winogradOutput(_ context: KernelContext, _ w: Winograd) -> KernelPlan {
        let shapes = w.shapes
        let geometry = shapes.geometry
        let lanes = w.lanes(vectorWidth: context.vectorWidth)
        let tilesPerImage = w.tilesY * w.tilesX
        let node = context.node
        let algorithm = w.algorithm
        let (tileSize, n) = (algorithm.outputTile, algorithm.inputTile)
        return KernelPlan(tileCount: shapes.batch * shapes.outChannels, label: "winograd-output", items: .linear(shapes.batch * shapes.outChannels)) { b, tile in
            let products = b.offset(context.scratchPointer(b), w.paddedElements + w.inputElements)
            let output = context.pointer(context.output, b)
            let image = b.divide(tile, shapes.outChannels)
            let channel = b.remainder(tile, shapes.outChannels)
            let bias = node.input(2).map { b.load(context.pointer($0, b), channel) }
            let outBase = b.mul(tile, shapes.plane)
            let rowStride = w.rowStride(b)
            let positionStride = b.mul(rowStride, shapes.outChannels)
            b.loop(0..<w.tilesY) { ty in
                let column = b.add(b.add(b.mul(channel, rowStride), b.mul(image, tilesPerImage)), b.mul(ty, w.tilesX))
                for x0 in stride(from: 0, to: w.tilesX, by: lanes) {
                    let count = min(lanes, w.tilesX - x0)
                    let m = (0..<n).map { r in
                        (0..<n).map { s in
                            b.loadVector(
                                products, b.add(b.add(column, b.mul(positionStride, r * n + s)), x0),
                                width: lanes, count: count)
                        }
                    }
                    let y = b.sandwich(algorithm.outputTransform, m)
                    let columns = min(tileSize * count, geometry.output.w - x0 * tileSize)
                    for p in 0..<tileSize {
                        let values = y[p].map { value -> IRValue in
                            let biased = bias.map { b.fadd(value, b.splat($0, width: lanes)) } ?? value
                            return node.epilogue.map { b.apply($0, biased) } ?? biased
                        }
                        let store = {
                            let row = b.add(b.mul(ty, tileSize), p)
                            b.storeVector(
                                b.interleave(values), output,
                                b.add(outBase, b.add(b.mul(row, geometry.output.w), x0 * tileSize)), count: columns)
                        }
                        // Only the last tile row can hang past the image.
                        let rowsInLastTile = geometry.output.h - (w.tilesY - 1) * tileSize
                        if p < rowsInLastTile {
                            store()
                        } else {
                            b.ifElse(b.lessThan(ty, w.tilesY - 1), then: store, otherwise: {})
                        }
                    }
                }
            }
        }
    }
}

extension KernelBuilder {
    /// T·X·Tᵀ for a constant matrix T (rows × n) and an n × n grid of
    /// values: the Winograd transforms. Zero coefficients cost nothing and
    /// ±1 cost an add or subtract.
    func sandwich(_ matrix: [[Double]], _ grid: [[IRValue]]) -> [[IRValue]] {
        let columns = grid[0].indices
        let left = matrix.map { row in columns.map { j in combine(row, grid.map { $0[j] }) } }
        return left.map { row in matrix.map { combine($0, row) } }
    }

    /// Σ coefficients[i] · values[i], skipping zeros.
    func combine(_ coefficients: [Double], _ values: [IRValue]) -> IRValue {
        let terms = zip(coefficients, values).filter { $0.0 != 0 }
        // Start from a +1 term when there is one: no multiply.
        let ordered = terms.sorted { ($0.0 == 1 ? 0 : 1) < ($1.0 == 1 ? 0 : 1) }
        guard let (firstCoefficient, firstValue) = ordered.first else { return constant(Float(0), like: values[0]) }
        var sum = firstCoefficient == 1 ? firstValue : fmul(constant(Float(firstCoefficient), like: firstValue), firstValue)
        for (coefficient, value) in ordered.dropFirst() {
            switch coefficient {
            case 1: sum = fadd(sum, value)
            case -1: sum = fsub(sum, value)
            default: sum = fmuladd(constant(Float(coefficient), like: value), value, sum)
            }
        }
        return sum
    }
}
