// Cast: elements converted to another type (floats to integers truncate
// toward zero; anything to bool is `!= 0`).

struct Cast: Operator {
    static let opType = "Cast"
    let to: DType

    init(_ attributes: AttributeReader) throws {
        // `saturate` only changes casts to float8 types, which Kiln refuses.
        attributes.ignore("saturate")
        let code = try attributes.int("to", default: 0)
        guard let to = DType(rawValue: code) else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                "Cast to \(DTypeName.name(of: code)) is not supported")
        }
        self.to = to
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(to, try inputs.type(0).shape)] }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        inputs.constant(0).map { [$0.converted(to: to)] }
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        if try inputs.type(0).dtype == to { return .replace([.input(0)]) }
        return .core(.elementwise(.cast(to: to)))
    }
}
