// Softmax: along one axis since opset 13 (default -1); before 13, over all
// axes from `axis` on, flattened (default 1). Half types compute in float32.

struct Softmax: Operator {
    static let opType = "Softmax"
    let axis: Int
    let flattensTrailingAxes: Bool

    init(_ attributes: AttributeReader) throws {
        flattensTrailingAxes = attributes.opset < 13
        axis = try attributes.int("axis", default: flattensTrailingAxes ? 1 : -1)
    }

    func parameters(_ inputs: OpInputs) throws -> SoftmaxParameters {
        let x = try inputs.require(0, "input", in: float32Computed)
        guard let normalized = Shape.normalize(axis: axis, rank: x.rank), x.rank > 0 else {
            throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for shape \(x.shape)")
        }
        return SoftmaxParameters(axis: normalized, flattensTrailingAxes: flattensTrailingAxes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try parameters(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let dtype = try inputs.type(0).dtype
        guard dtype == .float32 else {
            return .decompose(
                .inFloat32(Self.opType, inputs, converting: [0], attributes: ["axis": .int(axis)], resultType: dtype))
        }
        return .core(.softmax(try parameters(inputs)))
    }
}
