// Relu, LeakyRelu, Sigmoid, Tanh and Clip: pointwise activations that run
// alone or fused into the op that produces their input.

/// The shared definition of the activation ops.
protocol ActivationOperator: Operator {
    /// The activation, given the node's (folded) inputs.
    func activation(_ inputs: OpInputs) throws -> Activation
}

extension ActivationOperator {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [try inputs.require(0, "input X", in: float32Computed)]
    }

    /// float32 runs the activation kernel (fusable into its producer);
    /// half types run the same function as a formula, computed in float32.
    func lower(_ inputs: OpInputs) throws -> Lowering {
        let activation = try activation(inputs)
        guard try inputs.type(0).dtype == .float32 else { return .core(.elementwise(.expression(activation.expression))) }
        return .core(.elementwise(.activation(activation)))
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

/// Clip: bounds are attributes before opset 11, optional inputs since, on
/// every numeric type. Constant float32 bounds make the fusable activation;
/// bounds computed at run time or other element types make a formula.
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

    /// The activation, when the bounds are known at compile time.
    func activation(_ inputs: OpInputs) throws -> Activation {
        if let attributeBounds { return .clip(min: attributeBounds.min, max: attributeBounds.max) }
        func bound(_ position: Int, _ what: String, _ absent: Float) throws -> Float {
            guard inputs.has(position) else { return absent }
            let value = try inputs.requireConstant(position, "the \(what) bound")
            return value.floats[0]
        }
        return .clip(
            min: try bound(1, "lower", -.greatestFiniteMagnitude), max: try bound(2, "upper", .greatestFiniteMagnitude))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: allFloats.union(integerTypes))
        for (position, what) in [(1, "lower"), (2, "upper")] where inputs.has(position) {
            let bound = try inputs.require(position, "the \(what) bound", in: [x.dtype])
            guard bound.elementCount == 1 else {
                throw inputs.error(.shapeMismatch, "the \(what) bound must be a scalar, got shape \(bound.shape)")
            }
        }
        return [x]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let x = inputs.constant(0) else { return nil }
        var bounds: [Double?] = [nil, nil]
        if let attributeBounds {
            bounds = [Double(attributeBounds.min), Double(attributeBounds.max)]
        } else {
            for position in [1, 2] where inputs.has(position) {
                guard let value = inputs.constant(position) else { return nil }
                bounds[position - 1] = value.doubles[0]
            }
        }
        let values = x.doubles.map { value -> Double in
            var result = value
            if let low = bounds[0], result < low { result = low }
            if let high = bounds[1], result > high { result = high }
            return result
        }
        return [TensorData(dtype: x.dtype, shape: x.shape, converting: values)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let dtype = try inputs.type(0).dtype
        let constantBounds = attributeBounds != nil || [1, 2].allSatisfy { !inputs.has($0) || inputs.constant($0) != nil }
        if dtype == .float32 && constantBounds { return .core(.elementwise(.activation(try activation(inputs)))) }
        if let attributeBounds {
            let formula = Activation.clip(min: attributeBounds.min, max: attributeBounds.max).expression
            return .core(.elementwise(.expression(formula)))
        }
        // Absent inputs are not operands: the upper bound is operand 1 without a lower one.
        let low: Expression? = inputs.has(1) ? .operand(1) : nil
        let high: Expression? = inputs.has(2) ? .operand(inputs.has(1) ? 2 : 1) : nil
        return .core(.elementwise(.expression(.clamp(.operand(0), low: low, high: high))))
    }
}
