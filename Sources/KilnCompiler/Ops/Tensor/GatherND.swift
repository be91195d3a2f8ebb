// GatherND: the slices of data that index tuples name (the scatter kernels'
// addressing, read instead of written).

/// GatherND: the slices of `data` that the index tuples on the last axis of
/// `indices` name; a tuple outside `data` gives zeros. With `batch_dims` b,
/// the first b axes of both are batch axes: each tuple gets its batch
/// coordinates prepended (a constant), which leaves a batch_dims 0 gather.
struct GatherND: Operator {
    static let opType = "GatherND"
    let batchDimensions: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        batchDimensions = try attributes.int("batch_dims", default: 0)
        guard batchDimensions >= 0 else { throw attributes.error("batch_dims must not be negative, got \(batchDimensions)") }
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int64, .int32])
        let b = batchDimensions
        guard b < min(data.rank, indices.rank), Array(indices.shape[..<b]) == Array(data.shape[..<b]) else {
            throw inputs.error(
                .shapeMismatch, "batch_dims \(b) needs the first \(b) axes of data \(data.shape) and indices \(indices.shape) to agree")
        }
        guard let depth = indices.shape.last, depth >= 1, depth <= data.rank - b else {
            throw inputs.error(.shapeMismatch, "indices \(indices.shape) must end in a tuple length of 1...\(data.rank - b)")
        }
        return [TensorType(data.dtype, Array(indices.shape.dropLast()) + Array(data.shape[(b + depth)...]))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let indices = try inputs.type(1)
        if batchDimensions == 0 && indices.dtype == .int64 { return .core(.gatherND) }
        var b = DecompositionBuilder(opset: opset)
        var tuples = b.cast(.input(1), from: indices.dtype, to: .int64)
        if batchDimensions > 0 {
            // The batch coordinates of every tuple: position p's first batch_dims indices.
            let positions = Array(indices.shape.dropLast())
            let strides = Shape.strides(of: positions)
            var coordinates: [Int64] = []
            coordinates.reserveCapacity(positions.reduce(1, *) * batchDimensions)
            for flat in 0..<positions.reduce(1, *) {
                for axis in 0..<batchDimensions { coordinates.append(Int64(flat / strides[axis] % positions[axis])) }
            }
            let batch = TensorData(shape: positions + [batchDimensions], int64s: coordinates)
            tuples = b.add("Concat", [.constant(batch), tuples], ["axis": .int(-1)])
        }
        let result = b.add("GatherND", [.input(0), tuples])
        return .decompose(b.finish([result]))
    }
}
