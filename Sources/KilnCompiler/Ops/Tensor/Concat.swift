// Concat: tensors of one element type joined along an axis.

struct Concat: Operator {
    static let opType = "Concat"
    let axis: Int

    init(_ attributes: AttributeReader) throws {
        guard attributes.has("axis") else { throw attributes.error("Concat needs an 'axis' attribute") }
        axis = try attributes.int("axis", default: 0)
    }

    /// The normalised axis and the output shape.
    func layout(_ inputs: OpInputs) throws -> (axis: Int, shape: [Int], dtype: DType) {
        let first = try inputs.type(0)
        guard let axis = Shape.normalize(axis: axis, rank: first.rank), first.rank > 0 else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for rank \(first.rank)")
        }
        var shape = first.shape
        for position in 1..<inputs.count {
            let type = try inputs.type(position)
            guard type.dtype == first.dtype, type.rank == shape.count,
                type.shape.indices.allSatisfy({ $0 == axis || type.shape[$0] == shape[$0] })
            else {
                throw inputs.error(
                    .shapeMismatch, "cannot concatenate \(inputs.types.compactMap { $0 }) along axis \(axis)")
            }
            shape[axis] += type.shape[axis]
        }
        return (axis, shape, first.dtype)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let layout = try layout(inputs)
        return [TensorType(layout.dtype, layout.shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let parts = inputs.allConstant else { return nil }
        let (axis, shape, dtype) = try layout(inputs)
        let outer = shape[..<axis].reduce(1, *)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(shape.reduce(1, *) * dtype.byteSize)
        for o in 0..<outer {
            for part in parts {
                let chunk = part.shape[axis...].reduce(1, *) * dtype.byteSize
                bytes.append(contentsOf: part.bytes[o * chunk..<(o + 1) * chunk])
            }
        }
        return [TensorData(dtype: dtype, shape: shape, bytes: bytes)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.concat(axis: try layout(inputs).axis))
    }
}
