// Dropout at inference (or in training with ratio 0): the output is the
// input, the optional mask all true (bool since opset 10; before, of the
// input's type, all ones).

struct Dropout: Operator {
    static let opType = "Dropout"
    /// The mask's element type: bool since opset 10, the input's type before.
    let boolMask: Bool

    init(_ attributes: AttributeReader) throws {
        boolMask = attributes.opset >= 10
        // The drop ratio and seed only matter in training.
        attributes.ignore("ratio", "seed")
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
            // Training with ratio 0 drops nothing and scales by 1: the inference result.
            let ratio = inputs.has(1) ? try inputs.requireConstant(1, "ratio").doubles : [0.5]
            if training.int64s.contains(where: { $0 != 0 }) && ratio.contains(where: { $0 != 0 }) {
                throw inputs.error(
                    .unsupportedFeature,
                    "Dropout in training mode drops random elements; Kiln compiles inference "
                        + "(training_mode 0, or a ratio of 0)")
            }
        }
        return inputs.outputCount > 1 ? [x, TensorType(boolMask ? .bool : x.dtype, x.shape)] : [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let ones = Array(repeating: Int64(1), count: x.elementCount)
        let mask = TensorData(dtype: boolMask ? .bool : x.dtype, shape: x.shape, converting: ones)
        return .replace([.input(0)] + (inputs.outputCount > 1 ? [.constant(mask)] : []))
    }
}
