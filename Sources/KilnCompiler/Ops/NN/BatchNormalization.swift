// BatchNormalization in inference mode: a per-channel affine map with
// constant statistics (folded into a preceding convolution when it can be).

struct BatchNormalization: Operator {
    static let opType = "BatchNormalization"
    let epsilon: Float

    init(_ attributes: AttributeReader) throws {
        epsilon = try attributes.float("epsilon", default: 1e-5)
        // The running-statistics update rate only matters in training.
        attributes.ignore("momentum")
        if attributes.opset < 9, try attributes.int("spatial", default: 1) != 1 {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                "BatchNormalization with spatial = 0 (statistics per activation) is not supported")
        }
        if attributes.opset < 7 { attributes.ignore("is_test", "consumed_inputs") }
        if try attributes.int("training_mode", default: 0) != 0 {
            throw CompileError(
                .unsupportedFeature, at: attributes.location,
                "BatchNormalization in training mode is not supported; export the model in inference mode")
        }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        if inputs.outputCount > 1 {
            throw inputs.error(
                .unsupportedFeature,
                "BatchNormalization's training outputs (running mean and variance) are not supported; "
                    + "export the model in inference mode")
        }
        let x = try inputs.require(0, "input X", in: [.float32])
        guard x.rank >= 2 else {
            throw inputs.error(.shapeMismatch, "BatchNormalization needs rank ≥ 2, got \(x.shape)")
        }
        _ = try affine(inputs, channels: x.shape[1])
        return [x]
    }

    /// `y = x · scale[c] + shift[c]`.
    func affine(_ inputs: OpInputs, channels: Int) throws -> (scale: [Float], shift: [Float]) {
        var statistics: [[Float]] = []
        for (position, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")] {
            let value = try inputs.requireConstant(position, "the \(what)")
            guard value.elementCount == channels else {
                throw inputs.error(
                    .shapeMismatch, "the \(what) has \(value.elementCount) values for \(channels) channels")
            }
            statistics.append(value.floats)
        }
        let (gamma, beta, mean, variance) = (statistics[0], statistics[1], statistics[2], statistics[3])
        let scale = zip(gamma, variance).map { $0 / (($1 + epsilon).squareRoot()) }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
        return (scale, shift)
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (scale, shift) = try affine(inputs, channels: try inputs.type(0).shape[1])
        return .core(.elementwise(.channelAffine(scale: scale, shift: shift)))
    }
}
