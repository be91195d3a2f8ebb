// Size: the element count as an int64 scalar; a constant, since shapes are static.

struct Size: Operator {
    static let opType = "Size"
    static let readsOnlyShapes = true
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try inputs.type(0)
        return [TensorType(.int64, [])]
    }

    func count(_ inputs: OpInputs) throws -> TensorData {
        TensorData(shape: [], int64s: [Int64(try inputs.type(0).elementCount)])
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [try count(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.constant(try count(inputs))]) }
}
