// TopK: the k largest (or smallest) elements along an axis and their int64
// indices, sorted, equal values in index order (k a compile-time constant:
// an input since opset 10, an attribute before). `sorted = 0` allows any
// order; Kiln returns the sorted one.

struct TopK: Operator {
    static let opType = "TopK"
    let axis: Int
    let largest: Bool
    let attributeK: Int?

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: -1)
        largest = try attributes.flag("largest", default: true)
        _ = try attributes.flag("sorted", default: true)
        attributeK = attributes.opset < 10 ? try attributes.int("k", default: -1) : nil
    }

    func parameters(_ inputs: OpInputs) throws -> (axis: Int, k: Int) {
        let x = try inputs.require(0, "X", in: signedNumbers.union([.uint8, .uint16, .uint32, .uint64]))
        guard x.rank > 0, let axis = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for \(x.shape)")
        }
        let k: Int
        if let attributeK {
            k = attributeK
        } else {
            let value = try inputs.requireConstant(1, "K")
            guard value.elementCount == 1, let first = value.int64s.first else {
                throw inputs.error(.shapeMismatch, "K must hold one value, got \(value.shape)")
            }
            k = Int(clamping: first)
        }
        guard k >= 1, k <= x.shape[axis] else {
            throw inputs.error(.invalidAttribute, "k = \(k) must be in 1...\(x.shape[axis]) for axis \(axis) of \(x.shape)")
        }
        return (axis, k)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (axis, k) = try parameters(inputs)
        var shape = try inputs.type(0).shape
        shape[axis] = k
        return [TensorType(try inputs.type(0).dtype, shape), TensorType(.int64, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (axis, k) = try parameters(inputs)
        return .core(.topK(axis: axis, k: k, largest: largest))
    }
}
