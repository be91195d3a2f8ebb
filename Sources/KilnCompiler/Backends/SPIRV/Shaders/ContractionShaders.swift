// Matrix products: one invocation per output element, its dot product
// in a loop over the shared dimension, then bias and the fused activation.

enum ContractionShaders {
    /// Y = alpha · op(A) · op(B) + beta · C.
    static func gemm(_ context: ShaderContext, _ parameters: GemmParameters) throws(ShaderLowering.Unsupported) -> ShaderPlan {
        guard let aID = context.input(0), let bID = context.input(1) else { throw context.unsupported("Gemm needs A and B") }
        let outputShape = context.shape(context.output)
        let (m, n) = (outputShape[0], outputShape[1])
        let aShape = context.shape(aID)
        let k = parameters.transposeA ? aShape[0] : aShape[1]
        let cID = parameters.beta == 0 ? nil : context.input(2)
        let cStrides = cID.map { Shape.broadcastStrides(from: context.shape($0), to: [m, n]) }
        // Element strides of A's rows and depth, B's depth and columns.
        let (aRow, aDepth) = parameters.transposeA ? (1, m) : (k, 1)
        let (bDepth, bColumn) = parameters.transposeB ? (1, k) : (n, 1)
        return try perElement(context, count: m * n) { b, index throws(ShaderLowering.Unsupported) in
            let (row, column) = (b.div(index, n), b.mod(index, n))
            let (a, bMatrix) = (try context.buffer(aID, b), try context.buffer(bID, b))
            let sum = dot(b, k: k, a: a, aBase: b.mul(row, aRow), aStep: aDepth, b: bMatrix, bBase: b.mul(column, bColumn), bStep: bDepth, start: b.f(0))
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
        return try perElement(context, count: batch.reduce(1, *) * m * n) { b, index throws(ShaderLowering.Unsupported) in
            let matrix = b.div(index, m * n)
            let within = b.mod(index, m * n)
            let (row, column) = (b.div(within, n), b.mod(within, n))
            let coordinates = b.coordinates(of: matrix, in: batch)
            let start = try bias.map { id throws(ShaderLowering.Unsupported) in b.load(try context.buffer(id, b), column) } ?? b.f(0)
            return dot(
                b, k: k, a: try context.buffer(aID, b), aBase: b.add(b.linear(coordinates, aStrides), b.mul(row, k)), aStep: 1,
                b: try context.buffer(bID, b), bBase: b.add(b.linear(coordinates, bStrides), column), bStep: n, start: start)
        }
    }

    /// start + Σ_{d < k} a[aBase + d·aStep] · b[bBase + d·bStep].
    static func dot(
        _ builder: ShaderBuilder, k: Int, a: ShaderBuffer, aBase: SPIRVID, aStep: Int, b: ShaderBuffer, bBase: SPIRVID,
        bStep: Int, start: SPIRVID
    ) -> SPIRVID {
        let sum = builder.variable(start)
        builder.loop(k) { d in
            let product = builder.fma(
                builder.load(a, builder.add(aBase, builder.mul(d, aStep))),
                builder.load(b, builder.add(bBase, builder.mul(d, bStep))), builder.read(sum))
            builder.write(sum, product)
        }
        return builder.read(sum)
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
