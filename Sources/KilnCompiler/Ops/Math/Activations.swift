// Relu, LeakyRelu, Sigmoid, Tanh and Clip: pointwise activations that run
// alone or fused into the op that produces their input.

/// The shared definition of the activation ops.
protocol ActivationOperator: Operator {
    /// The activation, given the node's (folded) inputs.
    func activation(_ inputs: OpInputs) throws -> Activation
}

extension ActivationOperator {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [try inputs.require(0, "input X", in: [.float32])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.elementwise(.activation(try activation(inputs))))
    }
}

struct Relu: ActivationOperator {
    static let opType = "Relu"
    init(_ attributes: AttributeReader) throws {}
    func activation(_ inputs: OpInputs) throws -> Activation { .relu }
}

struct LeakyRelu: ActivationOperator {
    static let opType = "LeakyRelu"
    let alpha: Float
    init(_ attributes: AttributeReader) throws { alpha = try attributes.float("alpha", default: 0.01) }
    func activation(_ inputs: OpInputs) throws -> Activation { .leakyRelu(alpha: alpha) }
}

struct Sigmoid: ActivationOperator {
    static let opType = "Sigmoid"
    init(_ attributes: AttributeReader) throws {}
    func activation(_ inputs: OpInputs) throws -> Activation { .sigmoid }
}

struct Tanh: ActivationOperator {
    static let opType = "Tanh"
    init(_ attributes: AttributeReader) throws {}
    func activation(_ inputs: OpInputs) throws -> Activation { .tanh }
}

/// Clip: bounds are attributes before opset 11, optional constant inputs since.
struct Clip: ActivationOperator {
    static let opType = "Clip"
    /// Bounds from attributes (opset < 11); nil when they come from inputs.
    let attributeBounds: (min: Float, max: Float)?

    init(_ attributes: AttributeReader) throws {
        attributeBounds =
            attributes.opset < 11
            ? (
                try attributes.float("min", default: -.greatestFiniteMagnitude),
                try attributes.float("max", default: .greatestFiniteMagnitude)
            ) : nil
    }

    func activation(_ inputs: OpInputs) throws -> Activation {
        if let attributeBounds { return .clip(min: attributeBounds.min, max: attributeBounds.max) }
        func bound(_ position: Int, _ what: String, _ absent: Float) throws -> Float {
            guard inputs.has(position) else { return absent }
            let value = try inputs.requireConstant(position, "the \(what) bound")
            guard value.elementCount == 1 else {
                throw inputs.error(.shapeMismatch, "the \(what) bound must be a scalar, got shape \(value.shape)")
            }
            return value.floats[0]
        }
        return .clip(
            min: try bound(1, "lower", -.greatestFiniteMagnitude), max: try bound(2, "upper", .greatestFiniteMagnitude))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: [.float32])
        _ = try activation(inputs)
        return [x]
    }
}
