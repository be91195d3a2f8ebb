// Constant: a tensor given by one of its value attributes.

struct Constant: Operator {
    static let opType = "Constant"
    let value: TensorData

    init(_ attributes: AttributeReader) throws {
        let present = ["value", "value_float", "value_floats", "value_int", "value_ints"].filter(attributes.has)
        guard present.count == 1 else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                present.isEmpty
                    ? "Constant needs one 'value', 'value_float(s)' or 'value_int(s)' attribute"
                    : "Constant has several value attributes (\(present.joined(separator: ", "))); it needs exactly one")
        }
        switch (present[0], attributes.raw(present[0])) {
        case ("value", .tensor(let tensor)?): value = tensor
        case ("value_float", .float(let number)?): value = TensorData(shape: [], floats: [number])
        case ("value_floats", .floats(let numbers)?): value = TensorData(shape: [numbers.count], floats: numbers)
        case ("value_int", .int(let number)?): value = TensorData(shape: [], int64s: [Int64(number)])
        case ("value_ints", .ints(let numbers)?):
            value = TensorData(shape: [numbers.count], int64s: numbers.map { Int64($0) })
        default:
            throw attributes.error("attribute '\(present[0])' has the wrong type")
        }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [value.type] }
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [value] }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.constant(value)]) }
}
