// GatherElements: one element of `data` per index, along `axis`; the output
// has the indices' shape (same rank as data, other extents no larger).
// Negative indices count from the end.

struct GatherElements: Operator {
    static let opType = "GatherElements"
    let axis: Int

    init(_ attributes: AttributeReader) throws { axis = try attributes.int("axis", default: 0) }

    func resolvedAxis(_ inputs: OpInputs) throws -> Int {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int32, .int64])
        guard data.rank > 0, let axis = Shape.normalize(axis: axis, rank: data.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for shape \(data.shape)")
        }
        guard indices.rank == data.rank,
            zip(indices.shape, data.shape).enumerated().allSatisfy({ $0.offset == axis || $0.element.0 <= $0.element.1 })
        else {
            throw inputs.error(
                .shapeMismatch,
                "indices \(indices.shape) must have data's rank and, off axis \(axis), extents no larger than data \(data.shape)")
        }
        return axis
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try resolvedAxis(inputs)
        return [TensorType(try inputs.type(0).dtype, try inputs.type(1).shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        let axis = try resolvedAxis(inputs)
        let (data, indices) = (values[0], values[1])
        let size = data.shape[axis]
        let dataStrides = Shape.strides(of: data.shape)
        let indexStrides = Shape.strides(of: indices.shape)
        var sources: [Int] = []
        sources.reserveCapacity(indices.elementCount)
        for (position, index) in indices.int64s.enumerated() {
            guard (-Int64(size)..<Int64(size)).contains(index) else {
                throw inputs.error(.invalidAttribute, "index \(index) is out of range for size \(size)")
            }
            var offset = 0
            for dimension in 0..<indices.shape.count {
                let coordinate = position / indexStrides[dimension] % indices.shape[dimension]
                let picked = dimension == axis ? Int(index < 0 ? index + Int64(size) : index) : coordinate
                offset += picked * dataStrides[dimension]
            }
            sources.append(offset)
        }
        return [data.picking(sources, shape: indices.shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.gatherElements(axis: try resolvedAxis(inputs))) }
}
