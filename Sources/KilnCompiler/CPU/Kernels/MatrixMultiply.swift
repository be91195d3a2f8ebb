// Gemm and MatMul: one output row at a time, accumulated as rank-1 updates so
// the innermost loop runs along a contiguous row of B and the output.

/// Lowerings for Gemm and (batched, broadcast) MatMul.
enum MatrixMultiply {
    /// How to read B[k][j]: row-major `[K, N]` when `rowStride == N, columnStride == 1`.
    struct MatrixAccess {
        var pointer: IRValue
        var rowStride: Int
        var columnStride: Int
    }

    /// Y[row, :] (+)= alpha × Σₖ A[row, k] · B[k, :], then the epilogue.
    private static func emitRow(
        _ b: KernelBuilder, a: IRValue, aRowBase: IRValue, aStride: Int, k: Int, alpha: Float,
        matrix: MatrixAccess, matrixBase: IRValue, output: IRValue, outputBase: IRValue, n: Int,
        initialize: (IRValue) -> IRValue, epilogue: Activation?
    ) {
        b.loop(0..<n) { j in b.store(initialize(j), output, b.add(outputBase, j)) }
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
            let values = data.floats
            var packed = [Float](repeating: 0, count: k * n)
            for row in 0..<n { for column in 0..<k { packed[column * n + row] = values[row * k + column] } }
            return MatrixAccess(pointer: context.constantPointer(packed, key: "packedB", b), rowStride: n, columnStride: 1)
        }
        let pointer = context.pointer(id, b)
        return transposed
            ? MatrixAccess(pointer: pointer, rowStride: 1, columnStride: k)
            : MatrixAccess(pointer: pointer, rowStride: n, columnStride: 1)
    }

    static func gemm(_ context: KernelContext) -> KernelPlan {
        let node = context.node
        let aID = node.inputs[0]!
        let bID = node.inputs[1]!
        let transA = node.int("transA", default: 0) != 0
        let transB = node.int("transB", default: 0) != 0
        let alpha = node.float("alpha", default: 1)
        let beta = node.float("beta", default: 1)
        let outputShape = context.type(context.output).shape
        let (m, n) = (outputShape[0], outputShape[1])
        let aShape = context.type(aID).shape
        let k = transA ? aShape[0] : aShape[1]
        let cID = node.input(2)
        let cStrides = cID.map { Shape.broadcastStrides(from: context.type($0).shape, to: [m, n]) }

        return KernelPlan(tileCount: m) { b, row in
            let a = context.pointer(aID, b)
            let bMatrix = matrix(context, bID, k: k, n: n, transposed: transB, b)
            let output = context.pointer(context.output, b)
            let c = cID.map { context.pointer($0, b) }
            emitRow(
                b, a: a, aRowBase: transA ? row : b.mul(row, k), aStride: transA ? m : 1, k: k, alpha: alpha,
                matrix: bMatrix, matrixBase: b.constant(0), output: output, outputBase: b.mul(row, n), n: n,
                initialize: { j in
                    guard let c, let strides = cStrides, beta != 0 else { return b.constant(Float(0)) }
                    let value = b.load(c, b.linear([row, j], strides))
                    return beta == 1 ? value : b.fmul(value, b.constant(beta))
                }, epilogue: node.epilogue)
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

        return KernelPlan(tileCount: batchCount * m) { b, tile in
            let batchIndex = b.divide(tile, m)
            let row = m == 1 ? b.constant(0) : b.remainder(tile, m)
            let coordinates = batchShapeStrides.enumerated().map { axis, stride in
                b.remainder(b.divide(batchIndex, stride), batch[axis])
            }
            let aBase = b.add(b.linear(coordinates, aBatchStrides), b.mul(row, k))
            let bBase = b.linear(coordinates, bBatchStrides)
            let output = context.pointer(context.output, b)
            emitRow(
                b, a: context.pointer(aID, b), aRowBase: aBase, aStride: 1, k: k, alpha: 1,
                matrix: MatrixAccess(pointer: context.pointer(bID, b), rowStride: n, columnStride: 1),
                matrixBase: bBase, output: output, outputBase: b.mul(tile, n), n: n,
                initialize: { _ in b.constant(Float(0)) }, epilogue: node.epilogue)
        }
    }
}
