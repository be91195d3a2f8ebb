// Cast: elements converted to another type (floats to integers truncate
// toward zero; anything to bool is `!= 0`). Into the float8 types,
// `saturate` (opset 19) clamps out-of-range values to the largest finite
// one instead of ∞ or NaN; into float8e8m0, `round_mode` (opset 24) picks
// the power of two.

struct Cast: Operator {
    static let opType = "Cast"
    let to: DType
    let conversion: FloatConversion

    init(_ attributes: AttributeReader) throws {
        let code = try attributes.int("to", default: 0)
        guard let to = DType(rawValue: code) else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                "Cast to \(DTypeName.name(of: code)) is not supported")
        }
        self.to = to
        conversion = try FloatConversion(attributes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(to, try inputs.type(0).shape)] }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        inputs.constant(0).map { [$0.converted(to: to, conversion)] }
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        if try inputs.type(0).dtype == to { return .replace([.input(0)]) }
        return .core(.elementwise(.cast(to: to, conversion: conversion)))
    }
}

extension FloatConversion {
    /// Cast's and CastLike's `saturate` and `round_mode` attributes.
    init(_ attributes: AttributeReader) throws {
        let saturate = try attributes.flag("saturate", default: true)
        let mode = try attributes.string("round_mode", default: "up")
        guard let rounding = ScaleExponent.Rounding(rawValue: mode) else {
            throw attributes.error("round_mode must be 'up', 'down' or 'nearest', got '\(mode)'")
        }
        self.init(saturate: saturate, rounding: rounding)
    }
}
