// Matrix products in two layouts, which specialization constant 2 picks.
// On a GPU, 64 × 64 workgroup tiles fed from panels in workgroup memory
// (workgroupTiles). On a CPU device, register tiles: each invocation computes a block of 8 rows by 8
// neighbouring columns, its dot products in one loop over the shared
// dimension, then bias and the fused activation. Where four neighbours lie
// together (B's columns; A's rows in a channels-last weight layout, or
// four steps of a row of a row-major A), one
// four-float texel fetch loads them: lavapipe gathers per fetch, and
// Winograd's products ran 2.3–2.9 times as fast, the 512² MatMul 1.4. 16 × 8 ran the
// transformer encoder ~15% faster on lavapipe but made its first call
// (lavapipe JIT-compiles each shader then) 2.5 times as long.

enum ContractionShaders {
    /// Rows of A one invocation multiplies, at most.
    static let rowBlock = 8
    /// Neighbouring output columns one invocation computes, at most.
    static let columnBlock = 8

    /// Where a product's operands lie: element (row, d) of A at
    /// `aBase + row·aRow + d·aDepth`, (d, column) of B at `bBase + d·bDepth + column·bColumn`.
    struct Layout {
        var m: Int
        var n: Int
        var k: Int
        var aRow: Int
        var aDepth: Int
        var bDepth: Int
        var bColumn: Int
    }

    /// Where a product reads A and B and writes its result.
    typealias Operands = (ShaderBuilder) throws(ShaderLowering.Unsupported) -> (
        a: ShaderBuffer, b: ShaderBuffer, output: ShaderBuffer
    )

    /// The node's own operands: inputs `a` and `b`, its first output.
    static func operands(_ context: ShaderContext, a: ValueID, b: ValueID) -> Operands {
        { builder throws(ShaderLowering.Unsupported) in
            (
                try context.buffer(a, builder), try context.buffer(b, builder),
                try context.buffer(context.output, builder)
            )
        }
    }

    /// The shader of a batch of products: ``workgroupTiles`` on a GPU where
    /// the product fills them, and ``registerTiles`` on a CPU device and
    /// for products too thin for a workgroup tile (a classifier's one row).
    /// `finish(matrix, row, column, sum)` gives the value stored for a sum before
    /// `epilogue`; `bases(matrix)` A's and B's first elements for batch
    /// matrix `matrix` (its output follows the others'); `quadBases` whether
    /// those are multiples of 4 for every matrix.
    /// `items`: which of the output's dimensions holds a bounded dim's items in order.
    static func product(
        _ context: ShaderContext, _ layout: Layout, batch: Int, items: ProductItems? = nil, operands: Operands,
        epilogue: Activation?, quadBases: (a: Bool, b: Bool),
        bases: (ShaderBuilder, SPIRVID) -> (a: SPIRVID, b: SPIRVID),
        finish: (ShaderBuilder, _ matrix: SPIRVID, _ row: SPIRVID, _ column: SPIRVID, _ sum: SPIRVID)
            throws(ShaderLowering.Unsupported) -> SPIRVID
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        func store(
            _ b: ShaderBuilder, _ output: ShaderBuffer, matrix: SPIRVID, row: SPIRVID, column: SPIRVID, sum: SPIRVID
        )
            throws(ShaderLowering.Unsupported)
        {
            var result = try finish(b, matrix, row, column, sum)
            if let epilogue {
                result = try ShaderMath(context: context, builder: b).float(epilogue.expression, [result])
            }
            b.store(result, output, b.add(b.mul(b.add(b.mul(matrix, layout.m), row), layout.n), column))
        }
        func registers(_ b: ShaderBuilder) throws(ShaderLowering.Unsupported) -> (x: Int, y: Int, z: Int) {
            try registerTiles(
                b, layout, batch: batch, items: items, operands: operands, quadBases: quadBases, bases: bases,
                store: store)
        }
        guard fillsWorkgroupTiles(m: layout.m, n: layout.n, k: layout.k, batch: batch) else {
            return try ShaderBuilder.shader(label: nil, registers)
        }
        return try ShaderBuilder.shaped(
            gpu: { b throws(ShaderLowering.Unsupported) in
                let counts = try workgroupTiles(b, m: layout.m, n: layout.n, k: layout.k, batch: batch, store: store) {
                    b, matrix throws(ShaderLowering.Unsupported) in
                    let (aBuffer, bBuffer, output) = try operands(b)
                    let (aBase, bBase) = bases(b, matrix)
                    return (
                        PanelReader.strided(b, aBuffer, base: aBase, outer: layout.aRow, depth: layout.aDepth),
                        PanelReader.strided(b, bBuffer, base: bBase, outer: layout.bColumn, depth: layout.bDepth),
                        output
                    )
                }
                b.itemAxis = items?.workgroupTileAxis(batch: batch)
                return counts
            }, cpuDevice: registers)
    }

    /// How ``workgroupTiles`` reads an operand: element (outer, d), where
    /// outer is a row of A or a column of B and d runs along the shared
    /// dimension, or 0 where `inside` (when given) is false.
    struct PanelReader {
        /// Whether neighbouring d lie next to each other in memory: the
        /// panel's copy then runs its lanes along d, else along outer.
        var depthContiguous: Bool
        var element: (_ outer: SPIRVID, _ d: SPIRVID, _ inside: SPIRVID?) -> SPIRVID

        /// An operand in `buffer` at `base + outer·outer + d·depth`.
        static func strided(
            _ b: ShaderBuilder, _ buffer: ShaderBuffer, base: SPIRVID, outer: Int, depth: Int
        ) -> PanelReader {
            PanelReader(depthContiguous: depth == 1) { index, d, inside in
                let address = b.add(base, b.add(b.mul(index, outer), b.mul(d, depth)))
                return inside.map { b.load(buffer, address, where: $0) } ?? b.load(buffer, address)
            }
        }
    }

    /// A's and B's readers and the output, for batch matrix `matrix`.
    typealias Panels = (ShaderBuilder, _ matrix: SPIRVID) throws(ShaderLowering.Unsupported)
        -> (a: PanelReader, b: PanelReader, output: ShaderBuffer)

    /// Stores a product's sum for (row, column) of matrix `matrix` in `output`, finished.
    typealias Store = (
        ShaderBuilder, ShaderBuffer, _ matrix: SPIRVID, _ row: SPIRVID, _ column: SPIRVID, _ sum: SPIRVID
    )
        throws(ShaderLowering.Unsupported) -> Void

    /// Invocations run along the output's columns, each computing a block of
    /// rows by a few neighbouring columns, so each element of A it loads feeds
    /// several multiply-adds (every load is a gather on lavapipe); the
    /// block of rows is the grid's row. Where 4
    /// neighbouring columns of B (or rows of A) lie next to each other and
    /// start a four-float texel, one fetch loads them (ShaderBuilder.load4).
    private static func registerTiles(
        _ b: ShaderBuilder, _ layout: Layout, batch: Int, items: ProductItems?, operands: Operands,
        quadBases: (a: Bool, b: Bool), bases: (ShaderBuilder, SPIRVID) -> (a: SPIRVID, b: SPIRVID), store: Store
    ) throws(ShaderLowering.Unsupported) -> (x: Int, y: Int, z: Int) {
        let block = [rowBlock, 4, 2, 1].first { layout.m % $0 == 0 } ?? 1
        let blocksPerMatrix = layout.m / block
        var columns = Swift.min(columnBlock, layout.n)
        // The grid's rows run matrix-major, then along the matrix's rows; its units along the columns.
        // A matrix holds whole items' rows; a block of rows or a tile of columns may hold parts of two.
        var gridItems: ShaderItems? = items.map {
            switch $0 {
            case .columns, .itemColumns: .units
            case .matrices: .wholeRows
            case .rows: .rows
            }
        }
        // Packed with the rows, units trim only where each item spans whole
        // ones (ShaderBuilder.grid): narrower tiles where an item's columns
        // are fewer than 8 (a 7×7 map's 4 Winograd tiles; WinogradShader
        // pads longer runs to a multiple of 8), four-float fetches kept where they can be.
        let rows = batch * blocksPerMatrix
        if case .itemColumns(let perItem) = items, ShaderBuilder.packsRows(units: (layout.n + columns - 1) / columns, rows: rows),
            let whole = [columns, 4, 2].first(where: { $0 <= columns && perItem % $0 == 0 })
        {
            columns = whole
            gridItems = .wholeUnits
        }
        let tiles = (layout.n + columns - 1) / columns
        return try b.grid(tiles, rows: rows, items: gridItems) {
            b, tile, row throws(ShaderLowering.Unsupported) in
            let matrix = b.div(row, blocksPerMatrix)
            let firstRow = b.mul(b.mod(row, blocksPerMatrix), block)
            let firstColumn = b.mul(tile, columns)
            let (aBuffer, bBuffer, output) = try operands(b)
            let (aBase, bBase) = bases(b, matrix)
            let bQuads =
                layout.bColumn == 1 && columns % 4 == 0 && layout.n % 4 == 0 && layout.bDepth % 4 == 0
                && quadBases.b && ShaderBuilder.isQuadAligned(bBuffer)
            let aQuads =
                layout.aRow == 1 && block % 4 == 0 && layout.aDepth % 4 == 0
                && quadBases.a && ShaderBuilder.isQuadAligned(aBuffer)
            // sums[r][p]: row firstRow + r, column firstColumn + p.
            let sums = (0..<block).map { _ in (0..<columns).map { _ in b.variable(b.f(0)) } }
            // A last tile's columns past n read column n − 1 (in bounds; with
            // quads, the last quad) and are not stored.
            let step = bQuads ? 4 : 1
            let columnBases = stride(from: 0, to: columns, by: step).map { p in
                let column =
                    layout.n % columns == 0
                    ? b.add(firstColumn, p)
                    : b.m.value(
                        .select, b.uint,
                        [
                            b.less(b.add(firstColumn, p), b.u(layout.n)), b.add(firstColumn, p), b.u(layout.n - step),
                        ])
                return b.add(bBase, b.mul(column, layout.bColumn))
            }
            let rowBase = b.add(aBase, b.mul(firstRow, layout.aRow))
            /// One step along the shared dimension: B's values at depth d times A's `rows` there.
            func accumulate(_ d: SPIRVID, _ rows: [SPIRVID]) {
                let values = columnBases.flatMap { first in
                    let at = b.add(first, b.mul(d, layout.bDepth))
                    return bQuads ? b.load4(bBuffer, at) : [b.load(bBuffer, at)]
                }
                for (r, a) in rows.enumerated() {
                    for (p, value) in values.enumerated() { b.write(sums[r][p], b.fma(a, value, b.read(sums[r][p]))) }
                }
            }
            // A row-major A (the CPU's own layout of weights, a MatMul's
            // activations) has four neighbouring depths of a row together:
            // one fetch per row loads four steps' worth, the sums still
            // accumulated in depth order (the transformer encoder's MatMuls
            // ran 22% faster on lavapipe).
            let aDepthQuads =
                !aQuads && layout.aDepth == 1 && layout.aRow % 4 == 0 && layout.k % 4 == 0
                && quadBases.a && ShaderBuilder.isQuadAligned(aBuffer)
            if aDepthQuads {
                b.loop(layout.k / 4) { quad in
                    let first = b.mul(quad, 4)
                    let rows = (0..<block).map { r in b.load4(aBuffer, b.add(rowBase, b.add(first, r * layout.aRow))) }
                    for step in 0..<4 { accumulate(b.add(first, step), rows.map { $0[step] }) }
                }
            } else {
                b.loop(layout.k) { d in
                    let depth = b.add(rowBase, b.mul(d, layout.aDepth))
                    accumulate(
                        d,
                        aQuads
                            ? stride(from: 0, to: block, by: 4).flatMap { r in b.load4(aBuffer, b.add(depth, r)) }
                            : (0..<block).map { r in b.load(aBuffer, b.add(depth, r * layout.aRow)) })
                }
            }
            for r in 0..<block {
                for p in 0..<columns {
                    let column = b.add(firstColumn, p)
                    let inside = layout.n % columns == 0 ? nil : b.less(column, b.u(layout.n))
                    try b.ifThen(inside) { () throws(ShaderLowering.Unsupported) in
                        try store(b, output, matrix, b.add(firstRow, r), column, b.read(sums[r][p]))
                    }
                }
            }
        }
    }

    /// A workgroup tile's rows and columns of the output.
    static let workgroupTile = 64
    /// The depth of the panels of A and B a workgroup stages at a time.
    static let panelDepth = 16
    /// Rows and columns of the tile each lane computes (strided by 8 lanes).
    private static let laneTile = 8

    /// Whether a product is wide enough, and its grid small enough, for
    /// ``workgroupTiles``: a tile at least half full in both directions and a
    /// shared dimension of at least one panel. (Chosen by reasoning about
    /// GPUs' memory traffic; no GPU has measured it yet: lavapipe runs
    /// ``registerTiles``, and the tests reach this layout there.)
    static func fillsWorkgroupTiles(m: Int, n: Int, k: Int, batch: Int) -> Bool {
        let half = workgroupTile / 2
        let counts = [n, m].map { ($0 + workgroupTile - 1) / workgroupTile } + [batch]
        return m >= half && n >= half && k >= panelDepth && counts.allSatisfy { $0 <= ShaderBuilder.maximumGroups }
    }

    /// A GPU's layout of m × n products over k (a batch of them): each
    /// workgroup computes a 64 × 64 tile of one matrix of the output (x: its
    /// columns, y: its rows, z: the matrix), `panels` saying where its
    /// operands lie and `store` storing each sum.
    /// Per step along the shared dimension its lanes copy a 64 × 16 panel of
    /// A and a 16 × 64 one of B into workgroup memory, each element read once
    /// from the buffers, neighbouring lanes reading neighbouring elements;
    /// then each lane multiplies the panels' 8 rows × 8 columns it owns
    /// (rows lane / 8 + 8i, columns lane mod 8 + 8j), so every
    /// element of A read from workgroup memory feeds 8 multiply-adds, and a
    /// lane's neighbours read neighbouring words. Register tiles read A
    /// 64 times per 512 columns and B once per 8 rows; this reads each once
    /// per 64.
    static func workgroupTiles(
        _ b: ShaderBuilder, m: Int, n: Int, k: Int, batch: Int, store: Store, panels: Panels
    ) throws(ShaderLowering.Unsupported) -> (x: Int, y: Int, z: Int) {
        let (tile, depth, lanes) = (workgroupTile, panelDepth, ShaderBuilder.localSize)
        precondition(lanes == tile && (tile * depth) % lanes == 0, "a lane per row or column of the tile")
        // A panel's pitch: two words past the tile (≡ 2 mod 32 banks), so the
        // 32 lanes of a warp storing a depth-contiguous copy, (d, outer) =
        // (lane mod 16, lane / 16), hit 32 different banks: 2·d + outer.
        let pitch = tile + 2
        let (panelA, panelB) = (b.workgroupArray(depth * pitch), b.workgroupArray(depth * pitch))
        let lane = b.lane
        let (laneColumn, laneRow) = (b.mod(lane, laneTile), b.div(lane, laneTile))
        let firstColumn = b.mul(b.workgroupID(0), tile)
        let firstRow = b.mul(b.workgroupID(1), tile)
        let matrix = batch == 1 ? b.u(0) : b.workgroupID(2)
        let (readA, readB, output) = try panels(b, matrix)
        let sums = (0..<laneTile).map { _ in (0..<laneTile).map { _ in b.variable(b.f(0)) } }
        // Each lane copies 16 elements of each panel: copy t is the panel's
        // (outer, d), lanes running along whichever the operand holds contiguously.
        func stage(_ panel: SPIRVID, _ reader: PanelReader, first: SPIRVID, extent: Int, firstDepth: SPIRVID) {
            for t in 0..<(tile * depth / lanes) {
                let (outer, d) =
                    reader.depthContiguous
                    ? (b.add(b.div(lane, depth), t * lanes / depth), b.mod(lane, depth))
                    : (lane, b.u(t))
                let (index, at) = (b.add(first, outer), b.add(firstDepth, d))
                let inside = b.and(
                    extent % tile == 0 ? nil : b.less(index, b.u(extent)), k % depth == 0 ? nil : b.less(at, b.u(k)))
                b.m.statement(
                    .store, [b.sharedElement(panel, b.add(b.mul(d, pitch), outer)), reader.element(index, at, inside)])
            }
        }
        b.loop((k + depth - 1) / depth) { step in
            let firstDepth = b.mul(step, depth)
            stage(panelA, readA, first: firstRow, extent: m, firstDepth: firstDepth)
            stage(panelB, readB, first: firstColumn, extent: n, firstDepth: firstDepth)
            b.barrier()
            b.loop(depth) { d in
                let row = b.mul(d, pitch)
                let a = (0..<laneTile).map { i in
                    b.m.value(.load, b.float, [b.sharedElement(panelA, b.add(row, b.add(laneRow, i * laneTile)))])
                }
                let values = (0..<laneTile).map { j in
                    b.m.value(.load, b.float, [b.sharedElement(panelB, b.add(row, b.add(laneColumn, j * laneTile)))])
                }
                for i in 0..<laneTile {
                    for j in 0..<laneTile { b.write(sums[i][j], b.fma(a[i], values[j], b.read(sums[i][j]))) }
                }
            }
            // Nobody stages the next panels before every lane has read these.
            b.barrier()
        }
        for i in 0..<laneTile {
            for j in 0..<laneTile {
                let row = b.add(firstRow, b.add(laneRow, i * laneTile))
                let column = b.add(firstColumn, b.add(laneColumn, j * laneTile))
                let inside = b.and(m % tile == 0 ? nil : b.less(row, b.u(m)), n % tile == 0 ? nil : b.less(column, b.u(n)))
                try b.ifThen(inside) { () throws(ShaderLowering.Unsupported) in
                    try store(b, output, matrix, row, column, b.read(sums[i][j]))
                }
            }
        }
        return ((n + tile - 1) / tile, (m + tile - 1) / tile, batch)
    }

    /// Y = alpha · op(A) · op(B) + beta · C.
    static func gemm(
        _ context: ShaderContext, _ parameters: GemmParameters
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let aID = context.input(0), let bID = context.input(1) else {
            throw context.unsupported("Gemm needs A and B")
        }
        let outputShape = context.shape(context.output)
        let (m, n) = (outputShape[0], outputShape[1])
        let k = parameters.transposeA ? context.shape(aID)[0] : context.shape(aID)[1]
        let cID = parameters.beta == 0 ? nil : context.input(2)
        let cStrides = cID.map { Shape.broadcastStrides(from: context.shape($0), to: [m, n]) }
        let (aRow, aDepth) = parameters.transposeA ? (1, m) : (k, 1)
        // A constant transposed B (a classifier's weights) is read as the CPU
        // build packs it, [K][N]: four columns a fetch instead of one, and the
        // weights blob stores the bytes once for a model built for both.
        var packedB: [Float]?
        if parameters.transposeB, let data = context.graph[bID].constant, data.dtype == .float32 {
            packedB = data.floats.transposed(rows: n, columns: k)
        }
        let (bDepth, bColumn) = parameters.transposeB && packedB == nil ? (1, k) : (n, 1)
        let layout = Layout(m: m, n: n, k: k, aRow: aRow, aDepth: aDepth, bDepth: bDepth, bColumn: bColumn)
        var gemmOperands = operands(context, a: aID, b: bID)
        if let packedB {
            gemmOperands = { builder throws(ShaderLowering.Unsupported) in
                (
                    try context.buffer(aID, builder), context.constants(packedB, key: "packedB", builder),
                    try context.buffer(context.output, builder)
                )
            }
        }
        return try product(
            context, layout, batch: 1, items: context.holdsItems(context.output) ? .rows : nil,
            operands: gemmOperands, epilogue: context.node.epilogue,
            quadBases: (true, true), bases: { b, _ in (b.u(0), b.u(0)) }
        ) {
            b, _, row, column, sum throws(ShaderLowering.Unsupported) in
            var y = parameters.alpha == 1 ? sum : b.fmul(sum, b.f(parameters.alpha))
            if let cID, let cStrides {
                let c = b.load(try context.buffer(cID, b), b.linear([row, column], cStrides))
                y = b.fma(c, b.f(parameters.beta), y)
            }
            return y
        }
    }

    /// Batched, broadcasting A · B (rank-1 operands promoted), plus an optional bias per column.
    static func matMul(_ context: ShaderContext) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let aID = context.input(0), let bID = context.input(1) else {
            throw context.unsupported("MatMul needs A and B")
        }
        let (aShape, bShape) = (context.shape(aID), context.shape(bID))
        let a2 = aShape.count == 1 ? [1] + aShape : aShape
        let b2 = bShape.count == 1 ? bShape + [1] : bShape
        let (m, k, n) = (a2[a2.count - 2], a2[a2.count - 1], b2[b2.count - 1])
        let (aBatch, bBatch) = (Array(a2.dropLast(2)), Array(b2.dropLast(2)))
        guard let batch = Shape.broadcast([aBatch, bBatch]) else {
            throw context.unsupported("batch axes do not broadcast")
        }
        let aStrides = Shape.broadcastStrides(from: aBatch, to: batch).map { $0 * m * k }
        let bStrides = Shape.broadcastStrides(from: bBatch, to: batch).map { $0 * k * n }
        let bias = context.input(2)
        let layout = Layout(m: m, n: n, k: k, aRow: k, aDepth: 1, bDepth: n, bColumn: 1)
        // The output's item axis (its first that is not 1) among the batch axes, the rows or the columns.
        var items: ProductItems?
        if context.holdsItems(context.output), let axis = context.graph.itemLayouts[context.output]?.axis {
            let rank = context.shape(context.output).count
            items = axis < rank - 2 ? .matrices : axis == rank - 2 || rank == 1 ? .rows : .columns
            if aShape.count == 1 || bShape.count == 1 { items = nil }  // a promoted operand's axes shift
        }
        return try product(
            context, layout, batch: batch.reduce(1, *), items: items, operands: operands(context, a: aID, b: bID),
            epilogue: context.node.epilogue,
            quadBases: (aStrides.allSatisfy { $0 % 4 == 0 }, bStrides.allSatisfy { $0 % 4 == 0 }),
            bases: { b, matrix in
                let coordinates = b.coordinates(of: matrix, in: batch)
                return (b.linear(coordinates, aStrides), b.linear(coordinates, bStrides))
            }
        ) { b, _, _, column, sum throws(ShaderLowering.Unsupported) in
            guard let bias else { return sum }
            return b.fadd(sum, b.load(try context.buffer(bias, b), column))
        }
    }

    /// One invocation per element of the node's output, `compute` giving its
    /// value before the fused activation.
    static func perElement(
        _ context: ShaderContext, count: Int,
        _ compute: (ShaderBuilder, SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let itemMajor = count == context.type(context.output).elementCount && context.holdsItems(context.output)
        return try ShaderBuilder.perUnit(count, itemMajor: itemMajor) { b, index throws(ShaderLowering.Unsupported) in
            var value = try compute(b, index)
            if let epilogue = context.node.epilogue {
                value = try ShaderMath(context: context, builder: b).float(epilogue.expression, [value])
            }
            b.store(value, try context.buffer(context.output, b), index)
        }
    }
}

/// Which dimension of a product's output holds a bounded dim's items in order.
enum ProductItems {
    /// The rows of one matrix (a batch of 1).
    case rows
    /// The columns (a convolution's images × positions).
    case columns
    /// The columns, each item spanning `perItem` of them (a Winograd
    /// product's tiles of one image): register tiles may then hold whole items.
    case itemColumns(perItem: Int)
    /// The batch's matrices.
    case matrices

    /// The axis of ``ContractionShaders/workgroupTiles``' counts: columns
    /// along x, rows along y, matrices along z.
    func workgroupTileAxis(batch: Int) -> Int? {
        switch self {
        case .columns, .itemColumns: 0
        case .rows: batch == 1 ? 1 : nil
        case .matrices: batch > 1 ? 2 : nil
        }
    }
}
