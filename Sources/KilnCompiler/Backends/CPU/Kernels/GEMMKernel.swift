// The dense inner loop behind Gemm, MatMul and most convolutions: a block of
// rows of C accumulated in vector registers over the whole K dimension, B read
// one row panel (two vectors) at a time, each A element broadcast once.

/// Emits register-blocked C (+)= A·B for a block of rows.
struct GEMMKernel {
    /// Element (row, column) of a matrix is `pointer[base + row·rowStride + column·columnStride]`.
    struct Matrix {
        var pointer: IRValue
        var base: IRValue
        var rowStride: Int
        var columnStride: Int = 1
        /// Rows apart by the call, where that differs between calls (then
        /// `rowStride` is unused).
        var liveRowStride: IRValue? = nil

        /// Elements from row 0 to row `row`.
        func rowOffset(_ row: IRValue, _ b: KernelBuilder) -> IRValue {
            liveRowStride.map { b.mul(row, $0) } ?? b.mul(row, rowStride)
        }
    }

    /// How C starts before the products are added.
    enum Start {
        case zero
        /// C already holds values to add to (e.g. beta·C).
        case accumulate
        /// One value per row (a bias), given as IR scalars.
        case rowValues([IRValue])
        /// One value per column (a bias), read from `pointer[column]`.
        case columnValues(IRValue)
    }

    /// How the shared dimension is walked: `outer` iterations of an IR loop,
    /// each unrolling `inner` steps; step (o, i) reads A's column and B's row
    /// at the given element offsets (from the row start of A, from B's base).
    /// A plain matrix product is `outer = k, inner = 1`; a convolution reads
    /// input channels × kernel taps straight from the (padded) image.
    struct Reduction {
        var outer: Int
        var inner: Int
        var aOffset: (_ outer: IRValue, _ inner: Int) -> IRValue
        var bOffset: (_ outer: IRValue, _ inner: Int) -> IRValue
    }

    let builder: KernelBuilder
    /// Floats per hardware vector on the target.
    let vectorWidth: Int

    /// Computes rows `firstRow ..< firstRow + rows` of C = alpha·A·B (+ start),
    /// C being `n` columns wide, with `k` the shared dimension; then applies
    /// `epilogue` to those rows. `rows` should be small (≤ 6): the block
    /// lives in registers.
    func emit(
        firstRow: IRValue, rows: Int, n: Int, columnStart: IRValue? = nil, k: Int, a: Matrix, b matrixB: Matrix,
        c: Matrix, alpha: Float = 1, start: Start, epilogue: Activation?
    ) {
        emit(
            firstRow: firstRow, rows: rows, width: .fixed(n), columnStart: columnStart, k: k, a: a, b: matrixB, c: c,
            alpha: alpha, start: start, epilogue: epilogue)
    }

    /// The same for a `width` that may be known only at run time.
    func emit(
        firstRow: IRValue, rows: Int, width: Width, columnStart: IRValue? = nil, k: Int, a: Matrix, b matrixB: Matrix,
        c: Matrix, alpha: Float = 1, start: Start, epilogue: Activation?
    ) {
        let b = builder
        let reduction = Reduction(
            outer: k, inner: 1, aOffset: { kk, _ in b.mul(kk, a.columnStride) },
            bOffset: { kk, _ in matrixB.rowOffset(kk, b) })
        emit(
            firstRow: firstRow, rows: rows, width: width, columnStart: columnStart, reduction: reduction, a: a,
            b: matrixB, c: c, alpha: alpha, start: start, epilogue: epilogue)
    }

    /// How many columns are computed: a number known at build time, or
    /// one the call computes (the columns of the items a call has), which
    /// costs a loop bound and one masked panel more.
    enum Width {
        case fixed(Int)
        case live(IRValue)
    }

    /// The general form: the shared dimension walked as `reduction` says;
    /// the `n` columns computed start at `columnStart` (0 by default);
    /// `aRowBases`, when given, are the element offsets of A's `rows` rows.
    func emit(
        firstRow: IRValue, rows: Int, n: Int, columnStart: IRValue? = nil, reduction: Reduction, a: Matrix,
        aRowBases: [IRValue]? = nil, b matrixB: Matrix, c: Matrix, alpha: Float = 1, start: Start,
        epilogue: Activation?
    ) {
        emit(
            firstRow: firstRow, rows: rows, width: .fixed(n), columnStart: columnStart, reduction: reduction, a: a,
            aRowBases: aRowBases, b: matrixB, c: c, alpha: alpha, start: start, epilogue: epilogue)
    }

    /// The general form for a `width` that may be known only at run time
    /// (C's columns stored contiguously then).
    func emit(
        firstRow: IRValue, rows: Int, width: Width, columnStart: IRValue? = nil, reduction: Reduction, a: Matrix,
        aRowBases: [IRValue]? = nil, b matrixB: Matrix, c: Matrix, alpha: Float = 1, start: Start,
        epilogue: Activation?
    ) {
        let b = builder
        let columnStart = columnStart ?? b.constant(0)
        let rowBases = (0..<rows).map { b.add(c.base, c.rowOffset(b.add(firstRow, $0), b)) }
        // Rows of A are evenly spaced unless the caller places each one.
        let aRows = aRowBases ?? (0..<rows).map { b.add(a.base, a.rowOffset(b.add(firstRow, $0), b)) }

        /// One panel: consecutive full-width vectors holding `lanes` valid
        /// columns each (a short last vector is masked), starting at column
        /// `local` of the chunk, accumulated over the whole reduction.
        func panel(_ local: IRValue, lanes: [Int]) {
            panel(local, lanes: lanes.map { .count($0) })
        }
        func panel(_ local: IRValue, lanes: [Lanes]) {
            let width = vectorWidth
            let column = b.add(columnStart, local)
            let offsets = lanes.indices.map { $0 * width }
            func load(_ pointer: IRValue, _ index: IRValue, _ lanes: Lanes) -> IRValue {
                switch lanes {
                case .count(let count): b.loadVector(pointer, index, width: width, count: count)
                case .mask(let mask): b.loadVector(pointer, index, width: width, mask: mask)
                }
            }
            let accumulators = (0..<rows).map { row in
                zip(lanes, offsets).map { count, offset -> IRValue in
                    let initial: IRValue
                    switch start {
                    case .zero: initial = b.splat(b.constant(Float(0)), width: width)
                    case .accumulate:
                        initial = load(c.pointer, b.add(rowBases[row], b.add(column, offset)), count)
                    case .rowValues(let values): initial = b.splat(values[row], width: width)
                    case .columnValues(let pointer):
                        initial = load(pointer, b.add(column, offset), count)
                    }
                    return b.variable(initial)
                }
            }
            // Unrolled, a depth loop whose B rows lie a call's stride apart
            // had LLVM load rows ahead and spill them (a bounded ResNet-18's
            // 14×14 GEMMs took 35% longer than a static build's); rolled,
            // it runs as fast as the static one.
            b.loop(0..<reduction.outer, unrolls: matrixB.liveRowStride == nil) { outer in
                for inner in 0..<reduction.inner {
                    let bRow = b.add(matrixB.base, reduction.bOffset(outer, inner))
                    let panelValues = zip(lanes, offsets).map { count, offset in
                        load(matrixB.pointer, b.add(bRow, b.add(column, offset)), count)
                    }
                    let aColumn = reduction.aOffset(outer, inner)
                    for row in 0..<rows {
                        var scalar = b.load(a.pointer, b.add(aRows[row], aColumn))
                        if alpha != 1 { scalar = b.fmul(scalar, b.constant(alpha)) }
                        let broadcast = b.splat(scalar, width: width)
                        for v in lanes.indices {
                            let accumulator = accumulators[row][v]
                            b.write(accumulator, b.fmuladd(broadcast, panelValues[v], b.read(accumulator)))
                        }
                    }
                }
            }
            // The block is final here: the epilogue runs in registers, before the one store.
            for row in 0..<rows {
                for (v, offset) in offsets.enumerated() {
                    let sum = b.read(accumulators[row][v])
                    let value = epilogue.map { b.apply($0, sum) } ?? sum
                    switch lanes[v] {
                    case .count(let count) where c.columnStride == 1:
                        b.storeVector(value, c.pointer, b.add(rowBases[row], b.add(column, offset)), count: count)
                    case .count(let count):
                        // C is stored transposed (columns strided): scatter once.
                        b.scatterVector(
                            value, c.pointer,
                            b.add(rowBases[row], b.mul(b.add(column, offset), c.columnStride)), stride: c.columnStride,
                            count: count)
                    case .mask(let mask):
                        b.storeVector(value, c.pointer, b.add(rowBases[row], b.add(column, offset)), mask: mask)
                    }
                }
            }
        }

        precondition(matrixB.columnStride == 1, "B panels are read as contiguous vectors")
        let n: Int
        switch width {
        case .fixed(let fixed): n = fixed
        case .live(let live):
            precondition(c.columnStride == 1, "a run-time width stores C's columns contiguously")
            // Two-vector panels while whole ones remain, then at most one
            // masked panel for the rest (0 ..< 2 vectors of columns).
            let wide = 2 * vectorWidth
            let live = b.maximum(live, 0)
            let panels = b.divide(live, wide)
            b.loop(from: b.constant(0), to: panels) { block in panel(b.mul(block, wide), lanes: [vectorWidth, vectorWidth]) }
            let column = b.mul(panels, wide)
            let rest = b.sub(live, column)
            b.ifElse(b.notLessThan(rest, vectorWidth + 1)) {
                panel(column, lanes: [.count(vectorWidth),
                                      .mask(b.laneMask(width: vectorWidth, count: b.add(rest, -vectorWidth)))])
            } otherwise: {
                b.ifElse(b.notLessThan(rest, 1)) {
                    panel(column, lanes: [.mask(b.laneMask(width: vectorWidth, count: rest))])
                } otherwise: {}
            }
            return
        }
        let full = n / vectorWidth
        let tail = n % vectorWidth
        let tailLanes = tail > 0 ? [tail] : []
        if full + tailLanes.count <= GEMMKernel.maxPanelVectors {
            // Narrow C: every column in one pass over the reduction.
            panel(b.constant(0), lanes: Array(repeating: vectorWidth, count: full) + tailLanes)
        } else {
            let wide = 2 * vectorWidth
            b.loop(0..<(n / wide)) { block in panel(b.mul(block, wide), lanes: [vectorWidth, vectorWidth]) }
            let column = n / wide * wide
            let rest = n - column
            if rest > 0 {
                panel(b.constant(column), lanes: rest > vectorWidth ? [vectorWidth, rest - vectorWidth] : [rest])
            }
        }
    }

    /// The valid lanes of one vector of a panel: the first `count`, or those a run-time `mask` selects.
    private enum Lanes {
        case count(Int)
        case mask(IRValue)
    }

    /// Splits C's columns into chunks small enough that a chunk of B (all
    /// `depth` rows) stays in the L2 cache while every row block passes over
    /// it. Tiles are (chunk, row block), chunk-major, so consecutive tiles
    /// reuse the chunk.
    struct ColumnChunks {
        let total: Int
        let size: Int
        var count: Int { (total + size - 1) / size }

        /// `items`: when the columns hold a bounded dim's items (each
        /// `columns / items` wide, in order), chunks are whole items, so a
        /// call at a small extent runs only the chunks of its items.
        init(columns: Int, depth: Int, context: KernelContext, items: Int? = nil) {
            self.init(
                columns: columns, depth: depth, vectorWidth: context.vectorWidth, cacheBytes: context.cacheBytes,
                items: items)
        }

        /// The chunks on a target with `vectorWidth` floats a register and `cacheBytes` of L2.
        init(columns: Int, depth: Int, vectorWidth: Int, cacheBytes: Int, items: Int? = nil) {
            let budget = cacheBytes * 3 / 8 / 4  // floats: B gets 3/8 of L2, A and C the rest
            let panel = 2 * vectorWidth
            total = columns
            let largest = min(columns, max(panel, budget / max(depth, 1) / panel * panel))
            if let items, items > 1, columns % items == 0 {
                // As many whole items as the cache holds, the same number in
                // every chunk: a chunk the call holds only part of multiplies
                // only its items' columns (GEMMKernel.Width.live).
                let perItem = columns / items
                let fitting = max(1, largest / perItem)
                size = (1...min(fitting, items)).last { items % $0 == 0 }.map { $0 * perItem } ?? perItem
                return
            }
            // As many chunks as the cache needs, but of near-equal width, to
            // a vector rather than a two-vector panel: a 784-column B is
            // 400 + 384 (not 768 + 16, nor 416 + 368) and a 512-column one
            // 176 + 176 + 160 (not 192 + 192 + 128), so the tiles a worker
            // pool splits statically carry equal work.
            let count = (columns + largest - 1) / max(largest, 1)
            let even = (columns + count - 1) / max(count, 1)
            size = count <= 1 ? columns : min(columns, (even + vectorWidth - 1) / vectorWidth * vectorWidth)
        }

        /// Emits `body(start, count)` for chunk `index`; the last, shorter
        /// chunk gets its own code so every loop bound stays constant.
        func emit(_ b: KernelBuilder, index: IRValue, _ body: (IRValue, Int) -> Void) {
            let last = total - (count - 1) * size
            if count == 1 {
                body(b.constant(0), total)
            } else if last == size {
                body(b.mul(index, size), size)
            } else {
                b.ifElse(b.lessThan(index, count - 1)) {
                    body(b.mul(index, size), size)
                } otherwise: {
                    body(b.constant((count - 1) * size), last)
                }
            }
        }
    }

    /// Rows per register block for a matrix of `m` rows: a divisor of `m`
    /// so every tile is a full block, and at most what the register file
    /// holds: rows × panel vectors accumulators + the panel + 1 broadcast
    /// (32 registers with AVX-512, 16 below).
    static func rowBlock(for m: Int, columns: Int, vectorWidth: Int) -> Int {
        let vectors = (columns + vectorWidth - 1) / vectorWidth
        let panelVectors = vectors <= maxPanelVectors ? max(vectors, 1) : 2
        let maxRows = max(1, (registers(vectorWidth: vectorWidth) - panelVectors - 1) / panelVectors)
        let candidates = [8, 7, 6, 5, 4, 3, 2].filter { $0 <= maxRows }
        return candidates.first { m % $0 == 0 } ?? 1
    }

    /// Vector registers of the target: 32 with AVX-512, 16 below.
    static func registers(vectorWidth: Int) -> Int { vectorWidth >= 16 ? 32 : 16 }

    /// Whether `n` columns are computed in one panel (every column in one
    /// pass over the reduction) and a block of `rows` rows still fits the
    /// registers then.
    static func isNarrow(_ n: Int, rows: Int, vectorWidth: Int) -> Bool {
        let vectors = (n + vectorWidth - 1) / vectorWidth
        return vectors <= maxPanelVectors && rows * vectors + vectors + 1 <= registers(vectorWidth: vectorWidth)
    }

    /// C narrower than this many vectors is computed in a single panel.
    static let maxPanelVectors = 4
}
