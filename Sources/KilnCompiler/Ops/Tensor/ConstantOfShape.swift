// ConstantOfShape: a tensor of a given (constant) shape filled with one value
// (float32 zero by default).

struct ConstantOfShape: Operator {
    static let opType = "ConstantOfShape"
    let value: TensorData

    init(_ attributes: AttributeReader) throws {
        let value = try attributes.tensor("value") ?? TensorData(shape: [1], floats: [0])
        guard value.elementCount == 1 else {
            throw attributes.error("'value' must hold one element, got shape \(value.shape)")
        }
        self.value = value
    }

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let dims = try inputs.requireConstant(0, "the shape").int64s
        guard dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Shape.maxElements) }),
            Shape.checkedElementCount(dims.map { Int($0) }) != nil
        else { throw inputs.error(.invalidAttribute, "invalid or too large shape \(dims)") }
        return dims.map { Int($0) }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(value.dtype, try shape(inputs))] }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        let shape = try shape(inputs)
        let count = shape.reduce(1, *)
        try ConstantBudget.check(bytes: count * value.dtype.byteSize, inputs)
        return [TensorData(dtype: value.dtype, shape: shape, bytes: TensorData.repeating(value.bytes, count: count))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { try constantOnly(inputs) }
}
