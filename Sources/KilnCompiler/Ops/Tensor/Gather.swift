// Gather: slices of `data` along `axis` picked by integer indices
// (negative indices count from the end).

struct Gather: Operator {
    static let opType = "Gather"
    let axis: Int

    init(_ attributes: AttributeReader) throws { axis = try attributes.int("axis", default: 0) }

    func resolvedAxis(_ data: TensorType, _ inputs: OpInputs) throws -> Int {
        guard data.rank > 0, let axis = Shape.normalize(axis: axis, rank: data.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for shape \(data.shape)")
        }
        return axis
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int32, .int64])
        let axis = try resolvedAxis(data, inputs)
        // Constant indices are checked now: out of range is an error, not a
        // quietly substituted element at run time.
        // (Large index tensors are left to the run-time bounds check: reading
        // millions of them here would cost more than the check is worth.)
        if let constant = inputs.constant(1), constant.elementCount <= 1 << 16 {
            _ = try picks(constant, size: data.shape[axis], inputs)
        }
        return [TensorType(data.dtype, Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...]))]
    }

    /// `indices` as positions in 0..<size (negative ones count from the end).
    func picks(_ indices: TensorData, size: Int, _ inputs: OpInputs) throws -> [Int] {
        let values = indices.int64s
        var picks = [Int](repeating: 0, count: values.count)
        let bound = Int64(size)
        // An index loop over buffers: a constant of tens of millions of indices folds in a debug build too.
        let outOfRange = values.withUnsafeBufferPointer { values in
            picks.withUnsafeMutableBufferPointer { picks -> Int64? in
                var position = 0
                while position < values.count {
                    let index = values[position]
                    guard index >= -bound, index < bound else { return index }
                    picks[position] = Int(index < 0 ? index + bound : index)
                    position += 1
                }
                return nil
            }
        }
        if let index = outOfRange { throw inputs.error(.invalidAttribute, "index \(index) is out of range for size \(size)") }
        return picks
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        let (data, indices) = (values[0], values[1])
        let axis = try resolvedAxis(data.type, inputs)
        let (outer, size, inner) = Shape.split(data.shape, around: axis)
        let picks = try picks(indices, size: size, inputs)
        // Rows of `inner` elements: pick p of outer block o is row o·size + p.
        let rows = outer == 1 ? picks : (0..<outer).flatMap { o in picks.map { o * size + $0 } }
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        return [data.pickingRows(rows, length: inner, shape: shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.gather(axis: try resolvedAxis(try inputs.type(0), inputs))) }
}
