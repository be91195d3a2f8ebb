// Gemm and MatMul on the register-blocked GEMM kernel; B transposed at run
// time (rare: weights are prepacked) falls back to rank-1 row updates.

/// Lowerings for Gemm and (batched, broadcast) MatMul.
enum MatrixMultiply {
    /// How to read B[k][j]: row-major `[K, N]` when `rowStride == N, columnStride == 1`.
    struct MatrixAccess {
        var pointer: IRValue
        var rowStride: Int
        var columnStride: Int
    }

    /// Y[row, :] (+)= alpha × Σₖ A[row, k] · B[k, :] with B read through
    /// strides, then the epilogue: the fallback for a transposed run-time B.
    private static func emitRow(
        _ b: KernelBuilder, a: IRValue, aRowBase: IRValue, aStride: Int, k: Int, alpha: Float,
        matrix: MatrixAccess, matrixBase: IRValue, output: IRValue, outputBase: IRValue, n: Int,
        accumulate: Bool, epilogue: Activation?
    ) {
        if !accumulate { b.loop(0..<n) { j in b.store(b.constant(Float(0)), output, b.add(outputBase, j)) } }
        b.loop(0..<k) { kk in
            var factor = b.load(a, b.add(aRowBase, b.mul(kk, aStride)))
            if alpha != 1 { factor = b.fmul(factor, b.constant(alpha)) }
            let rowBase = b.add(matrixBase, b.mul(kk, matrix.rowStride))
            b.loop(0..<n) { j in
                let index = b.add(outputBase, j)
                let bValue = b.load(matrix.pointer, b.add(rowBase, b.mul(j, matrix.columnStride)))
                b.store(b.fmuladd(factor, bValue, b.load(output, index)), output, index)
            }
        }
        b.apply(epilogue, toElementsOf: output, from: outputBase, count: n)
    }

    /// B as a row-major [K, N] matrix: transposed constants are prepacked at
    /// compile time; a transposed run-time B is read with strides.
    private static func matrix(
        _ context: KernelContext, _ id: ValueID, k: Int, n: Int, transposed: Bool, _ b: KernelBuilder
    ) -> MatrixAccess {
        if transposed, let data = context.constant(id) {
            let packed = data.floats.transposed(rows: n, columns: k)
            return MatrixAccess(
                pointer: context.constantPointer(packed, key: "packedB", b), rowStride: n, columnStride: 1)
        }
        let pointer = context.pointer(id, b)
        return transposed
            ? MatrixAccess(pointer: pointer, rowStride: 1, columnStride: k)
            : MatrixAccess(pointer: pointer, rowStride: n, columnStride: 1)
    }

    /// Gemm's lowering, and where its rows hold a bounded batch's items
    /// one to a row block (a classifier over a batch), a second one for a
    /// single item: at extent 1 the bound's 8-row blocks would compute 8
    /// rows for one (MobileNetV2's classifier took 0.9 ms instead of 0.37).
    static func gemmLowerings(_ context: KernelContext, _ parameters: GemmParameters) -> [KernelPlan] {
        let plan = gemm(context, parameters)
        let outputShape = context.type(context.output).shape
        let cShape = (parameters.beta == 0 ? nil : context.node.input(2)).map { context.type($0).shape }
        guard let bound = context.graph.itemBound(of: context.output), !parameters.transposeA,
            outputShape[0] % bound == 0, (cShape?.count ?? 0) < 2 || cShape?.first == 1,
            let rest = plan.fromSecondItem(bound: bound)
        else { return [plan] }
        return [gemm(context, parameters, rows: outputShape[0] / bound).forOneItem, rest]
    }

    /// `rows`: the rows of Y to compute (all by default), from the first;
    /// fewer only where A is not transposed and C does not vary by row.
    static func gemm(_ context: KernelContext, _ parameters: GemmParameters, rows: Int? = nil) -> KernelPlan {
        let node = context.node
        let aID = node.inputs[0]!
        let bID = node.inputs[1]!
        let transA = parameters.transposeA
        let transB = parameters.transposeB
        let alpha = parameters.alpha
        let beta = parameters.beta
        let outputShape = context.type(context.output).shape
        let (m, n) = (rows ?? outputShape[0], outputShape[1])
        let aShape = context.type(aID).shape
        let k = transA ? aShape[0] : aShape[1]
        let cID = beta == 0 ? nil : node.input(2)
        let cStrides = cID.map { Shape.broadcastStrides(from: context.type($0).shape, to: [m, n]) }
        // A transposed run-time B cannot be read as row panels; take the strided path.
        let blocked = !(transB && context.constant(bID) == nil)
        let rowBlock = blocked ? GEMMKernel.rowBlock(for: m, columns: n, vectorWidth: context.vectorWidth) : 1

        let chunks = GEMMKernel.ColumnChunks(columns: n, depth: k, context: context)
        let blocks = m / rowBlock
        return KernelPlan(tileCount: (blocked ? chunks.count : 1) * blocks, items: TileItems(blocks: blocks, stride: 1)) { b, chunkedTile in
            let tile = b.remainder(chunkedTile, blocks)
            let a = context.pointer(aID, b)
            let bMatrix = matrix(context, bID, k: k, n: n, transposed: transB, b)
            let output = context.pointer(context.output, b)
            let firstRow = b.mul(tile, rowBlock)
            // Y starts as beta·C (broadcast) over the columns a tile computes, or zero.
            func initialize(_ columnStart: IRValue, _ columns: Int) {
                guard let cID, let cStrides else { return }
                let c = context.pointer(cID, b)
                for r in 0..<rowBlock {
                    let row = b.add(firstRow, r)
                    b.loop(0..<columns) { local in
                        let j = b.add(columnStart, local)
                        let value = b.load(c, b.linear([row, j], cStrides))
                        b.store(beta == 1 ? value : b.fmul(value, b.constant(beta)), output, b.add(b.mul(row, n), j))
                    }
                }
            }
            let aMatrix = GEMMKernel.Matrix(
                pointer: a, base: b.constant(0), rowStride: transA ? 1 : k, columnStride: transA ? m : 1)
            if blocked {
                chunks.emit(b, index: b.divide(chunkedTile, blocks)) { columnStart, columns in
                    initialize(columnStart, columns)
                    GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                        firstRow: firstRow, rows: rowBlock, n: columns, columnStart: columnStart, k: k, a: aMatrix,
                        b: .init(pointer: bMatrix.pointer, base: b.constant(0), rowStride: bMatrix.rowStride),
                        c: .init(pointer: output, base: b.constant(0), rowStride: n), alpha: alpha,
                        start: cID == nil ? .zero : .accumulate, epilogue: node.epilogue)
                }
            } else {
                initialize(b.constant(0), n)
                emitRow(
                    b, a: a, aRowBase: transA ? firstRow : b.mul(firstRow, k), aStride: transA ? m : 1, k: k,
                    alpha: alpha, matrix: bMatrix, matrixBase: b.constant(0), output: output,
                    outputBase: b.mul(firstRow, n), n: n, accumulate: cID != nil, epilogue: node.epilogue)
            }
        }
    }

    static func matMul(_ context: KernelContext) -> KernelPlan {
        let node = context.node
        let aID = node.inputs[0]!
        let bID = node.inputs[1]!
        let aShape = context.type(aID).shape
        let bShape = context.type(bID).shape
        // Promote vectors to matrices; the output buffer's layout is unchanged by it.
        let a2 = aShape.count == 1 ? [1] + aShape : aShape
        let b2 = bShape.count == 1 ? bShape + [1] : bShape
        let (m, k, n) = (a2[a2.count - 2], a2[a2.count - 1], b2[b2.count - 1])
        let aBatch = Array(a2.dropLast(2))
        let bBatch = Array(b2.dropLast(2))
        let batch = Shape.broadcast([aBatch, bBatch]) ?? []
        let batchCount = batch.reduce(1, *)
        // Element strides of each operand's matrices along the broadcast batch axes.
        let aBatchStrides = Shape.broadcastStrides(from: aBatch, to: batch).map { $0 * m * k }
        let bBatchStrides = Shape.broadcastStrides(from: bBatch, to: batch).map { $0 * k * n }
        let batchShapeStrides = Shape.strides(of: batch)
        let rowBlock = GEMMKernel.rowBlock(for: m, columns: n, vectorWidth: context.vectorWidth)
        let blocksPerMatrix = m / rowBlock
        let depthBlock = DepthBlocks.blockSize(k: k)
        let chunks = GEMMKernel.ColumnChunks(columns: n, depth: depthBlock, context: context)
        let depth = DepthBlocks(
            k: k, rowBlocks: blocksPerMatrix, rowBlock: rowBlock, otherTiles: chunks.count * batchCount)
        let rowGroupsPerMatrix = blocksPerMatrix / depth.rowBlocksPerGroup

        let groups = batchCount * rowGroupsPerMatrix
        return KernelPlan(tileCount: chunks.count * groups, items: TileItems(blocks: groups, stride: 1)) { b, chunkedTile in
            let tile = b.remainder(chunkedTile, groups)
            let batchIndex = b.divide(tile, rowGroupsPerMatrix)
            let groupRow = b.mul(b.remainder(tile, rowGroupsPerMatrix), depth.rowBlocksPerGroup * rowBlock)
            let coordinates = batchShapeStrides.enumerated().map { axis, stride in
                b.remainder(b.divide(batchIndex, stride), batch[axis])
            }
            let (a, bMatrix, c) = (context.pointer(aID, b), context.pointer(bID, b), context.pointer(context.output, b))
            // A fused bias (one value per column) is where the sums start.
            let initial: GEMMKernel.Start = node.input(2).map { .columnValues(context.pointer($0, b)) } ?? .zero
            let (aBase, bBase) = (b.linear(coordinates, aBatchStrides), b.linear(coordinates, bBatchStrides))
            chunks.emit(b, index: b.divide(chunkedTile, groups)) { columnStart, columns in
                depth.emit(b, from: initial) { first, size, start, epilogue in
                    b.loop(0..<depth.rowBlocksPerGroup) { block in
                        GEMMKernel(builder: b, vectorWidth: context.vectorWidth).emit(
                            firstRow: b.add(groupRow, b.mul(block, rowBlock)), rows: rowBlock, n: columns,
                            columnStart: columnStart, k: size,
                            a: .init(pointer: a, base: b.add(aBase, first), rowStride: k),
                            b: .init(pointer: bMatrix, base: b.add(bBase, b.mul(first, n)), rowStride: n),
                            c: .init(pointer: c, base: b.mul(batchIndex, m * n), rowStride: n),
                            start: start, epilogue: epilogue ? node.epilogue : nil)
                    }
                }
            }
        }
    }

    /// The shared dimension of a deep product cut into blocks, GotoBLAS
    /// style: a tile (column chunk, group of row blocks) walks the blocks in
    /// order, each over every row block of its group, so a block of B
    /// (depth × chunk) and of A (group rows × depth) stay in L2 while they
    /// are reused. Without it a 2048-deep product re-read A from memory once
    /// per 32-column chunk. Each C element still sums k = 0, 1, … in order
    /// through a stored float, so the result is the same as one pass.
    struct DepthBlocks {
        /// Depth per block (the last may be shorter), and how many.
        let size: Int
        let count: Int
        let last: Int
        let rowBlocksPerGroup: Int

        /// Products up to this deep run in one pass, one row block per tile.
        static let maximumDepth = 512
        /// Rows of A a group shares a depth block across.
        static let groupRows = 128
        /// Tiles a product keeps however it is blocked, so a few workers
        /// can share it (a [128, 1024] × [1024, 256] product is one column
        /// chunk: 128-row groups would leave one tile).
        static let minimumTiles = 8

        /// Depth per block for a product `k` deep (k itself when shallow).
        static func blockSize(k: Int) -> Int { (k + blockCount(k: k) - 1) / blockCount(k: k) }

        /// Blocks for a product `k` deep (1 when shallow, empty included).
        static func blockCount(k: Int) -> Int { k > maximumDepth ? (k + 255) / 256 : 1 }

        /// `otherTiles`: how many tiles each row group is split into anyway
        /// (column chunks × batch).
        init(k: Int, rowBlocks: Int, rowBlock: Int, otherTiles: Int) {
            size = DepthBlocks.blockSize(k: k)
            count = DepthBlocks.blockCount(k: k)
            last = k - (count - 1) * size
            let groupsWanted = (DepthBlocks.minimumTiles + otherTiles - 1) / max(otherTiles, 1)
            let most = max(1, min(DepthBlocks.groupRows / rowBlock, rowBlocks / max(groupsWanted, 1)))
            rowBlocksPerGroup = count == 1 ? 1 : (1...min(most, rowBlocks)).last { rowBlocks % $0 == 0 } ?? 1
        }

        /// Emits `body(first depth index, depth, start, applies the epilogue)`
        /// for every block in order: the first starts from `initial` (zero,
        /// or a bias), the rest accumulate, the last finishes with the epilogue.
        func emit(
            _ b: KernelBuilder, from initial: GEMMKernel.Start, _ body: (IRValue, Int, GEMMKernel.Start, Bool) -> Void
        ) {
            guard count > 1 else { return body(b.constant(0), size, initial, true) }
            body(b.constant(0), size, initial, false)
            if count > 2 {
                b.loop(1..<(count - 1)) { index in body(b.mul(index, size), size, .accumulate, false) }
            }
            body(b.constant((count - 1) * size), last, .accumulate, true)
        }
    }
}
