// Identity: the output is the input; removed when lowering.

struct Identity: Operator {
    static let opType = "Identity"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try inputs.type(0)] }
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { inputs.constant(0).map { [$0] } }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.input(0)]) }
}
