// Expand: the input broadcast to a (constant) shape, NumPy style: a strided
// copy whose broadcast axes have stride 0.

struct Expand: Operator {
    static let opType = "Expand"
    init(_ attributes: AttributeReader) throws {}

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.type(0)
        let requested = try inputs.requireConstant(1, "the shape").int64s
        guard requested.allSatisfy({ $0 >= 0 && $0 <= Int64(Shape.maxElements) }),
            let shape = Shape.broadcast([x.shape, requested.map { Int($0) }])
        else { throw inputs.error(.shapeMismatch, "\(x.shape) does not broadcast to \(requested)") }
        return shape
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(0).dtype, try shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let x = inputs.constant(0) else { return nil }
        let shape = try shape(inputs)
        try ConstantBudget.check(bytes: shape.reduce(1, *) * x.dtype.byteSize, inputs)
        return [x.strided(shape: shape, strides: Shape.broadcastStrides(from: x.shape, to: shape))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let strides = Shape.broadcastStrides(from: try inputs.type(0).shape, to: try shape(inputs))
        return .core(.stridedCopy(offset: 0, strides: strides))
    }
}
