// Dropout at inference: the output is the input, the optional mask all true.

struct Dropout: Operator {
    static let opType = "Dropout"

    init(_ attributes: AttributeReader) throws {
        // Before opset 7, is_test = 0 asked for training behaviour.
        if attributes.opset < 7, try attributes.int("is_test", default: 0) == 0, attributes.has("is_test") {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "Dropout in training mode (is_test = 0) is not supported")
        }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        if inputs.has(2) {
            let training = try inputs.requireConstant(2, "training_mode")
            if training.int64s.contains(where: { $0 != 0 }) {
                throw inputs.error(.unsupportedFeature, "Dropout in training mode is not supported")
            }
        }
        return inputs.outputCount > 1 ? [x, TensorType(.bool, x.shape)] : [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let mask = TensorData(shape: x.shape, bools: Array(repeating: true, count: x.elementCount))
        return .replace([.input(0)] + (inputs.outputCount > 1 ? [.constant(mask)] : []))
    }
}
