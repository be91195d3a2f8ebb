// Where: elements of X where the condition holds, else of Y (all three broadcast).

struct Where: Operator {
    static let opType = "Where"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try inputs.require(0, "the condition", in: [.bool])
        let dtype = try Broadcasting.commonType(inputs, [1, 2])
        return [TensorType(dtype, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 3 else { return nil }
        let shape = try Broadcasting.shape(inputs)
        let indices = Broadcasting.elementIndices(values, shape: shape)
        let condition = values[0].int64s
        // Pick bytes from X or Y: concatenate them and index into the pair.
        let joined = TensorData(
            dtype: values[1].dtype, shape: [values[1].elementCount + values[2].elementCount],
            bytes: values[1].bytes + values[2].bytes)
        let sources = (0..<indices[0].count).map { i in
            condition[indices[0][i]] != 0 ? indices[1][i] : values[1].elementCount + indices[2][i]
        }
        return [joined.picking(sources, shape: shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.select)) }
}
