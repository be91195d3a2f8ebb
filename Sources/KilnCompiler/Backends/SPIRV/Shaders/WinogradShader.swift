// Winograd F(m×m, 3×3) for stride-1 3×3 convolutions: the CPU build's
// algorithm (Convolution.Winograd: the same matrices, the same choice of
// F(4,3) or F(2,3) by the map's tiles, the weights transformed at compile
// time) as three shaders over the Vulkan build's scratch: the input
// transform V = Bᵀ·d·B of every tile, one matrix product per transformed
// position over the channels (ContractionShaders.product: M = U·V), and
// the output transform Aᵀ·M·A with the bias and the fused activation.
// The direct shader's cost on lavapipe is its multiply-adds once loads are
// gathers; F(4,3) does 4 times fewer and F(2,3) 2.25 times fewer.

enum WinogradShader {
    /// The three shaders of a convolution Winograd suits (as for the CPU
    /// build: 3×3, stride 1, one group, constant weights, 16 channels or
    /// more, enough tiles), or nil for the direct shader.
    static func shaders(
        _ context: ShaderContext, _ parameters: ConvolutionParameters
    ) throws(ShaderLowering.Unsupported) -> [ShaderPlan]? {
        guard context.allowsWinograd, parameters.expansion == nil,
            let shapes = Convolution.Shapes(context.node, parameters, in: context.graph),
            let winograd = Convolution.Winograd(shapes, context.node, in: context.graph),
            let xID = context.input(0), let wID = context.input(1), let weights = context.graph[wID].constant
        else { return nil }
        let algorithm = winograd.algorithm
        let (m, n) = (algorithm.outputTile, algorithm.inputTile)
        let geometry = shapes.geometry
        let (channels, outChannels) = (shapes.channels, shapes.outChannels)
        let tilesX = winograd.tilesX
        let tilesPerImage = winograd.tilesY * tilesX
        // Every step runs image-major: below an extent, only the first images' work.
        let itemMajor = context.holdsItems(context.output)
        // Columns of V and M per image. Where the product's register tiles
        // would be packed with its rows (few columns), they trim to a call's
        // images only if each image spans whole tiles (ContractionShaders'
        // itemColumns): a 28×28 map's 49 tiles are padded to 56 (14% more
        // product, against 8 times the product at 1 image of 8). Padding
        // columns are never written, and their products never read.
        let blocks = ContractionShaders.columnBlock
        let fewColumns = (shapes.batch * tilesPerImage + blocks - 1) / blocks < ShaderBuilder.localSize
        let columnsPerImage =
            itemMajor && fewColumns && tilesPerImage > blocks && tilesPerImage % blocks != 0
            ? (tilesPerImage + blocks - 1) / blocks * blocks : tilesPerImage
        let tiles = shapes.batch * columnsPerImage
        // Scratch: V [position][channel][tile], then M [position][output channel][tile].
        let transformedOffset = context.scratchOffset
        let productOffset = transformedOffset + 4 * algorithm.positions * channels * tiles
        let scratchBytes = 4 * algorithm.positions * (channels + outChannels) * tiles

        var input = try ShaderBuilder.perUnit(
            shapes.batch * channels * tilesPerImage, label: "winograd-input", itemMajor: itemMajor
        ) {
            b, index throws(ShaderLowering.Unsupported) in
            let x = try context.buffer(xID, b)
            let transformed = context.arena(transformedOffset, b)
            let tile = b.mod(index, tilesPerImage)
            let plane = b.div(index, tilesPerImage)  // image · channels + channel
            // The tile's first input row and column; those before the map wrap past the unsigned bounds tests.
            let top = b.sub(b.mul(b.div(tile, tilesX), m), geometry.padBegin.h)
            let left = b.sub(b.mul(b.mod(tile, tilesX), m), geometry.padBegin.w)
            let planeBase = b.mul(plane, geometry.input.h * geometry.input.w)
            let d = (0..<n).map { i in
                let row = b.add(top, i)
                let rowInside = b.less(row, b.u(geometry.input.h))
                let rowBase = b.add(planeBase, b.mul(row, geometry.input.w))
                return (0..<n).map { j in
                    let column = b.add(left, j)
                    return b.load(x, b.add(rowBase, column), where: b.and(rowInside, b.less(column, b.u(geometry.input.w))))
                }
            }
            let v = sandwich(b, algorithm.inputTransform, d)
            let image = b.div(plane, channels)
            let first = b.add(b.mul(b.mod(plane, channels), tiles), b.add(b.mul(image, columnsPerImage), tile))
            for position in 0..<(n * n) {
                b.store(v[position / n][position % n], transformed, b.add(first, position * channels * tiles))
            }
        }
        input.scratchBytes = scratchBytes

        // U as the CPU build keeps it, [position][output channel][channel],
        // where four neighbouring channels make one four-float fetch: the
        // blob then holds these bytes once for both builds (ResNet-18's are
        // 88 MB), and lavapipe ran its Winograd products 24% faster than
        // from a channels-last copy. Otherwise channels-last, where a
        // block's 8 rows lie together (two fetches per channel).
        let transformed = winograd.transformedWeights(weights.floats)
        let perPosition = outChannels * channels
        let shared = channels % 4 == 0
        let u =
            shared
            ? transformed
            : (0..<(n * n)).flatMap { position in
                ConvolutionShader.channelsLast(
                    Array(transformed[(position * perPosition)..<((position + 1) * perPosition)]),
                    outChannels: outChannels)
            }
        let layout = ContractionShaders.Layout(
            m: outChannels, n: tiles, k: channels, aRow: shared ? channels : 1, aDepth: shared ? 1 : outChannels,
            bDepth: tiles, bColumn: 1)
        var product = try ContractionShaders.product(
            context, layout, batch: n * n, items: itemMajor ? .itemColumns(perItem: columnsPerImage) : nil,
            operands: { b in
                (context.constants(u, key: "winograd", b), context.arena(transformedOffset, b), context.arena(productOffset, b))
            },
            epilogue: nil, quadBases: ((outChannels * channels) % 4 == 0, (channels * tiles) % 4 == 0),
            bases: { b, position in (b.mul(position, outChannels * channels), b.mul(position, channels * tiles)) },
            finish: { _, _, _, _, sum in sum })
        product.label = "winograd-gemm"
        product.scratchBytes = scratchBytes

        let (outHeight, outWidth) = (geometry.output.h, geometry.output.w)
        var output = try ShaderBuilder.perUnit(
            shapes.batch * outChannels * tilesPerImage, label: "winograd-output", itemMajor: itemMajor
        ) {
            b, index throws(ShaderLowering.Unsupported) in
            let products = context.arena(productOffset, b)
            let y = try context.buffer(context.output, b)
            let tile = b.mod(index, tilesPerImage)
            let plane = b.div(index, tilesPerImage)  // image · output channels + channel
            let channel = b.mod(plane, outChannels)
            let image = b.div(plane, outChannels)
            let first = b.add(b.mul(channel, tiles), b.add(b.mul(image, columnsPerImage), tile))
            let values = (0..<n).map { i in
                (0..<n).map { j in b.load(products, b.add(first, (i * n + j) * outChannels * tiles)) }
            }
            let result = sandwich(b, algorithm.outputTransform, values)
            let bias = try context.input(2).map { id throws(ShaderLowering.Unsupported) in b.load(try context.buffer(id, b), channel) }
            let math = ShaderMath(context: context, builder: b)
            let top = b.mul(b.div(tile, tilesX), m)
            let left = b.mul(b.mod(tile, tilesX), m)
            let planeBase = b.mul(plane, outHeight * outWidth)
            for r in 0..<m {
                let row = b.add(top, r)
                for c in 0..<m {
                    var value = bias.map { b.fadd(result[r][c], $0) } ?? result[r][c]
                    if let epilogue = context.node.epilogue { value = try math.float(epilogue.expression, [value]) }
                    let column = b.add(left, c)
                    let at = b.add(planeBase, b.add(b.mul(row, outWidth), column))
                    // Tiles past the map's last row or column (a 14×14 map is 4 × 4 tiles of 4) store what lies inside.
                    let storeInRow = { b.store(value, y, at, column: column, below: outWidth, tile: m) }
                    if outHeight % m == 0 { storeInRow() } else { b.ifThen(b.less(row, b.u(outHeight)), storeInRow) }
                }
            }
        }
        output.scratchBytes = scratchBytes
        return [input, product, output].map { plan in
            var plan = plan
            plan.isWinograd = true
            return plan
        }
    }

    /// T·X·Tᵀ for a constant T (r×n) and an n×n block of values.
    private static func sandwich(_ b: ShaderBuilder, _ t: [[Double]], _ x: [[SPIRVID]]) -> [[SPIRVID]] {
        let left = t.map { coefficients in x[0].indices.map { j in combination(b, coefficients, x.map { $0[j] }) } }
        return left.map { row in t.map { coefficients in combination(b, coefficients, row) } }
    }

    /// Σ coefficients[k] · values[k], skipping zeros and multiplying by ±1 as an add or subtract.
    private static func combination(_ b: ShaderBuilder, _ coefficients: [Double], _ values: [SPIRVID]) -> SPIRVID {
        var sum: SPIRVID?
        // The positive terms first, so a sum starts without a negation where it can.
        let terms = zip(coefficients, values).filter { $0.0 != 0 }.sorted { ($0.0 > 0) && !($1.0 > 0) }
        for (coefficient, value) in terms {
            guard let partial = sum else {
                sum = coefficient == 1 ? value : b.fmul(value, b.f(Float(coefficient)))
                continue
            }
            switch coefficient {
            case 1: sum = b.fadd(partial, value)
            case -1: sum = b.fsub(partial, value)
            default: sum = b.fma(value, b.f(Float(coefficient)), partial)
            }
        }
        return sum ?? b.f(0)
    }
}
