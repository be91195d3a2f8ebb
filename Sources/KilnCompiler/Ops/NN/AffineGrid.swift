// AffineGrid (opset 20): the sampling grid GridSample reads, from a batch of
// affine matrices θ ([N, 2, 3] for 2-D, [N, 3, 4] for 3-D) and the output
// size, a compile-time constant. The normalised coordinates of every output
// position, (x, y[, z], 1), form a constant matrix; the grid is its product
// with each θᵀ.

struct AffineGrid: Operator {
    static let opType = "AffineGrid"
    let alignCorners: Bool
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        alignCorners = try attributes.flag("align_corners")
        opset = attributes.opset
    }

    /// The spatial size ([H, W] or [D, H, W]) and the batch.
    func size(_ inputs: OpInputs) throws -> (batch: Int, spatial: [Int]) {
        let theta = try inputs.require(0, "theta", in: float32Computed)
        let size = try inputs.requireConstant(1, "size").int64s
        guard size.count == 4 || size.count == 5, size.allSatisfy({ (1...(1 << 20)).contains($0) }) else {
            throw inputs.error(.shapeMismatch, "size must be [N, C, H, W] or [N, C, D, H, W] of positive sizes, got \(size)")
        }
        let spatial = size.dropFirst(2).map { Int($0) }
        guard theta.shape == [Int(size[0]), spatial.count, spatial.count + 1] else {
            throw inputs.error(.shapeMismatch, "theta \(theta.shape) must be [\(size[0]), \(spatial.count), \(spatial.count + 1)]")
        }
        try ConstantBudget.check(bytes: 4 * (spatial.count + 1) * spatial.reduce(1, *), inputs)
        return (Int(size[0]), spatial)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (batch, spatial) = try size(inputs)
        return [TensorType(try inputs.type(0).dtype, [batch] + spatial + [spatial.count])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (batch, spatial) = try size(inputs)
        let dtype = try inputs.type(0).dtype
        /// Position i of an axis of `length`, normalised to [−1, 1].
        func coordinate(_ i: Int, _ length: Int) -> Float {
            alignCorners ? -1 + Float(i) * 2 / Float(length - 1) : -1 + Float(2 * i + 1) / Float(length)
        }
        // Rows (x, y[, z], 1) in row-major order of the output positions; x follows the last axis.
        let count = spatial.reduce(1, *)
        var rows: [Float] = []
        rows.reserveCapacity(count * (spatial.count + 1))
        for flat in 0..<count {
            var rest = flat
            var indices = [Int](repeating: 0, count: spatial.count)
            for axis in spatial.indices.reversed() {
                indices[axis] = rest % spatial[axis]
                rest /= spatial[axis]
            }
            rows += spatial.indices.reversed().map { coordinate(indices[$0], spatial[$0]) } + [1]
        }
        var b = DecompositionBuilder(opset: max(opset, 13))
        let base = TensorData(shape: [count, spatial.count + 1], floats: rows)
        let theta = b.add("Transpose", [b.cast(.input(0), from: dtype, to: .float32)], ["perm": .ints([0, 2, 1])])
        let grid = b.reshape(b.add("MatMul", [.constant(base), theta]), [batch] + spatial + [spatial.count])
        let result = b.cast(grid, from: .float32, to: dtype)
        return .decompose(b.finish([result]))
    }
}
