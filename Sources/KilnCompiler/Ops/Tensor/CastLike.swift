// CastLike: Cast to the element type of a second input (opset 15), with
// Cast's `saturate` and `round_mode`.

struct CastLike: Operator {
    static let opType = "CastLike"
    let conversion: FloatConversion

    init(_ attributes: AttributeReader) throws { conversion = try FloatConversion(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(1).dtype, try inputs.type(0).shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let x = inputs.constant(0) else { return nil }
        return [x.converted(to: try inputs.type(1).dtype, conversion)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let target = try inputs.type(1).dtype
        if try inputs.type(0).dtype == target { return .replace([.input(0)]) }
        return .core(.elementwise(.cast(to: target, conversion: conversion)))
    }
}
