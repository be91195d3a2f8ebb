// Matrix products: each invocation computes a block of 8 rows by 8
// neighbouring columns, its dot products in one loop over the shared
// dimension, then bias and the fused activation. Where four neighbours lie
// together (B's columns, or A's rows in a channels-last weight layout), one
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
    typealias Operands = (ShaderBuilder) throws(ShaderLowering.Unsupported) -> (a: ShaderBuffer, b: ShaderBuffer, output: ShaderBuffer)

    /// The node's own operands: inputs `a` and `b`, its first output.
    static func operands(_ context: ShaderContext, a: ValueID, b: ValueID) -> Operands {
        { builder throws(ShaderLowering.Unsupported) in
            (try context.buffer(a, builder), try context.buffer(b, builder), try context.buffer(context.output, builder))
        }
    }

    /// Invocations run along the output's columns, each computing a block of
    /// rows by a few neighbouring columns, so each element of A it loads feeds
    /// several multiply-adds (every load is a gather on lavapipe); the
    /// block of rows is the grid's row. `finish(row, column, sum)` gives the value stored for a sum
    /// before `epilogue`; `bases(matrix)` A's and B's first elements for
    /// batch matrix `matrix` (its output follows the others'); `quadBases`
    /// whether those are multiples of 4 for every matrix. Where 4
    /// neighbouring columns of B (or rows of A) lie next to each other and
    /// start a four-float texel, one fetch loads them (ShaderBuilder.load4).
    static func product(
        _ context: ShaderContext, _ layout: Layout, batch: Int, operands: Operands, epilogue: Activation?,
        quadBases: (a: Bool, b: Bool),
        bases: (ShaderBuilder, SPIRVID) -> (a: SPIRVID, b: SPIRVID),
        finish: (ShaderBuilder, SPIRVID, SPIRVID, SPIRVID) throws(ShaderLowering.Unsupported) -> SPIRVID
    ) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        let block = [rowBlock, 4, 2, 1].first { layout.m % $0 == 0 } ?? 1
        let blocksPerMatrix = layout.m / block
        let columns = Swift.min(columnBlock, layout.n)
        let tiles = (layout.n + columns - 1) / columns
        return try ShaderBuilder.grid(tiles, rows: batch * blocksPerMatrix) { b, tile, row throws(ShaderLowering.Unsupported) in
            let matrix = b.div(row, blocksPerMatrix)
            let firstRow = b.mul(b.mod(row, blocksPerMatrix), block)
            let firstColumn = b.mul(tile, columns)
            let (aBuffer, bBuffer, output) = try operands(b)
            let (aBase, bBase) = bases(b, matrix)
            let bQuads = layout.bColumn == 1 && columns % 4 == 0 && layout.n % 4 == 0 && layout.bDepth % 4 == 0
                && quadBases.b && ShaderBuilder.isQuadAligned(bBuffer)
            let aQuads = layout.aRow == 1 && block % 4 == 0 && layout.aDepth % 4 == 0
                && quadBases.a && ShaderBuilder.isQuadAligned(aBuffer)
            // sums[r][p]: row firstRow + r, column firstColumn + p.
            let sums = (0..<block).map { _ in (0..<columns).map { _ in b.variable(b.f(0)) } }
            // A last tile's columns past n read column n − 1 (in bounds; with
            // quads, the last quad) and are not stored.
            let step = bQuads ? 4 : 1
            let columnBases = stride(from: 0, to: columns, by: step).map { p in
                let column = layout.n % columns == 0 ? b.add(firstColumn, p) : b.m.value(.select, b.uint, [
                    b.less(b.add(firstColumn, p), b.u(layout.n)), b.add(firstColumn, p), b.u(layout.n - step),
                ])
                return b.add(bBase, b.mul(column, layout.bColumn))
            }
            let rowBase = b.add(aBase, b.mul(firstRow, layout.aRow))
            b.loop(layout.k) { d in
                let values = columnBases.flatMap { first in
                    let at = b.add(first, b.mul(d, layout.bDepth))
                    return bQuads ? b.load4(bBuffer, at) : [b.load(bBuffer, at)]
                }
                let depth = b.add(rowBase, b.mul(d, layout.aDepth))
                let rows = aQuads
                    ? stride(from: 0, to: block, by: 4).flatMap { r in b.load4(aBuffer, b.add(depth, r)) }
                    : (0..<block).map { r in b.load(aBuffer, b.add(depth, r * layout.aRow)) }
                for (r, a) in rows.enumerated() {
                    for (p, value) in values.enumerated() { b.write(sums[r][p], b.fma(a, value, b.read(sums[r][p]))) }
                }
            }
            let math = ShaderMath(context: context, builder: b)
            for r in 0..<block {
                let outRow = b.add(firstRow, r)
                for p in 0..<columns {
                    let column = b.add(firstColumn, p)
                    var result = try finish(b, outRow, column, b.read(sums[r][p]))
                    if let epilogue { result = try math.float(epilogue.expression, [result]) }
                    let at = b.add(b.mul(b.add(b.mul(matrix, layout.m), outRow), layout.n), column)
                    b.store(result, output, at, column: column, below: layout.n, tile: columns)
                }
            }
        }
    }

    /// Y = alpha · op(A) · op(B) + beta · C.
    static func gemm(_ context: ShaderContext, _ parameters: GemmParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let aID = context.input(0), let bID = context.input(1) else { throw context.unsupported("Gemm needs A and B") }
        let outputShape = context.shape(context.output)
        let (m, n) = (outputShape[0], outputShape[1])
        let k = parameters.transposeA ? context.shape(aID)[0] : context.shape(aID)[1]
        let cID = parameters.beta == 0 ? nil : context.input(2)
        let cStrides = cID.map { Shape.broadcastStrides(from: context.shape($0), to: [m, n]) }
        let (aRow, aDepth) = parameters.transposeA ? (1, m) : (k, 1)
        let (bDepth, bColumn) = parameters.transposeB ? (1, k) : (n, 1)
        let layout = Layout(m: m, n: n, k: k, aRow: aRow, aDepth: aDepth, bDepth: bDepth, bColumn: bColumn)
        return try product(
            context, layout, batch: 1, operands: operands(context, a: aID, b: bID), epilogue: context.node.epilogue,
            quadBases: (true, true), bases: { b, _ in (b.u(0), b.u(0)) }
        ) {
            b, row, column, sum throws(ShaderLowering.Unsupported) in
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
        guard let aID = context.input(0), let bID = context.input(1) else { throw context.unsupported("MatMul needs A and B") }
        let (aShape, bShape) = (context.shape(aID), context.shape(bID))
        let a2 = aShape.count == 1 ? [1] + aShape : aShape
        let b2 = bShape.count == 1 ? bShape + [1] : bShape
        let (m, k, n) = (a2[a2.count - 2], a2[a2.count - 1], b2[b2.count - 1])
        let (aBatch, bBatch) = (Array(a2.dropLast(2)), Array(b2.dropLast(2)))
        guard let batch = Shape.broadcast([aBatch, bBatch]) else { throw context.unsupported("batch axes do not broadcast") }
        let aStrides = Shape.broadcastStrides(from: aBatch, to: batch).map { $0 * m * k }
        let bStrides = Shape.broadcastStrides(from: bBatch, to: batch).map { $0 * k * n }
        let bias = context.input(2)
        let layout = Layout(m: m, n: n, k: k, aRow: k, aDepth: 1, bDepth: n, bColumn: 1)
        return try product(
            context, layout, batch: batch.reduce(1, *), operands: operands(context, a: aID, b: bID),
            epilogue: context.node.epilogue, quadBases: (aStrides.allSatisfy { $0 % 4 == 0 }, bStrides.allSatisfy { $0 % 4 == 0 }),
            bases: { b, matrix in
                let coordinates = b.coordinates(of: matrix, in: batch)
                return (b.linear(coordinates, aStrides), b.linear(coordinates, bStrides))
            }
        ) { b, _, column, sum throws(ShaderLowering.Unsupported) in
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
        try ShaderBuilder.perUnit(count) { b, index throws(ShaderLowering.Unsupported) in
            var value = try compute(b, index)
            if let epilogue = context.node.epilogue {
                value = try ShaderMath(context: context, builder: b).float(epilogue.expression, [value])
            }
            b.store(value, try context.buffer(context.output, b), index)
        }
    }
}
