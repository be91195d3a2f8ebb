// Activations written as pointwise formulas (IR `Expression`): Elu, Selu,
// Celu, HardSigmoid, HardSwish, Softplus, Softsign, ThresholdedRelu, Mish,
// Gelu, Shrink, Swish and PRelu (whose slope is a second, broadcast operand). Each
// runs as one pass over memory, in float32 (half precision widened).

/// The shared definition: the op is `formula(x[, slope])`.
protocol ExpressionActivation: Operator {
    var formula: Expression { get }
}

extension ExpressionActivation {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: float32Computed)
        guard inputs.count > 1 else { return [x] }
        _ = try Broadcasting.commonType(inputs, [0, 1])
        let shape = try Broadcasting.shape(inputs)
        guard shape == x.shape else {
            throw inputs.error(.shapeMismatch, "slope of shape \(try inputs.type(1).shape) does not broadcast to \(x.shape)")
        }
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.expression(formula))) }
}

// Shorthands for writing the formulas below.
private let x = Expression.operand(0)
private func k(_ value: Float) -> Expression { .constant(Double(value)) }
private func mul(_ a: Expression, _ b: Expression) -> Expression { .binary(.multiply, a, b) }
private func add(_ a: Expression, _ b: Expression) -> Expression { .binary(.add, a, b) }
private func sub(_ a: Expression, _ b: Expression) -> Expression { .binary(.subtract, a, b) }
private func clamp(_ a: Expression, _ low: Float, _ high: Float) -> Expression {
    .binary(.minimum, .binary(.maximum, a, k(low)), k(high))
}
/// ln(1 + eˣ) without overflow: max(x, 0) + ln(1 + e^−|x|).
private let softplus = add(.binary(.maximum, x, k(0)), .unary(.log, add(k(1), .unary(.exp, .unary(.negate, .unary(.abs, x))))))

struct Elu: ExpressionActivation {
    static let opType = "Elu"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1)
        formula = .select(.compare(.less, x, k(0)), mul(k(alpha), sub(.unary(.exp, x), k(1))), x)
    }
}

struct Selu: ExpressionActivation {
    static let opType = "Selu"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1.67326319217681884765625)
        let gamma = try attributes.float("gamma", default: 1.05070102214813232421875)
        formula = .select(
            .compare(.lessOrEqual, x, k(0)), mul(k(gamma), sub(mul(k(alpha), .unary(.exp, x)), k(alpha))),
            mul(k(gamma), x))
    }
}

struct Celu: ExpressionActivation {
    static let opType = "Celu"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1)
        guard alpha != 0 else { throw attributes.error("alpha must not be 0") }
        let negative = mul(k(alpha), sub(.unary(.exp, .binary(.divide, x, k(alpha))), k(1)))
        formula = add(.binary(.maximum, x, k(0)), .binary(.minimum, k(0), negative))
    }
}

struct HardSigmoid: ExpressionActivation {
    static let opType = "HardSigmoid"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 0.2)
        let beta = try attributes.float("beta", default: 0.5)
        formula = clamp(add(mul(k(alpha), x), k(beta)), 0, 1)
    }
}

struct HardSwish: ExpressionActivation {
    static let opType = "HardSwish"
    let formula = mul(x, clamp(add(mul(k(1.0 / 6), x), k(0.5)), 0, 1))
    init(_ attributes: AttributeReader) throws {}
}

/// Swish (opset 24): x · sigmoid(αx).
struct Swish: ExpressionActivation {
    static let opType = "Swish"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1)
        formula = mul(x, .unary(.sigmoid, mul(k(alpha), x)))
    }
}

struct Softplus: ExpressionActivation {
    static let opType = "Softplus"
    let formula = softplus
    init(_ attributes: AttributeReader) throws {}
}

struct Softsign: ExpressionActivation {
    static let opType = "Softsign"
    let formula = Expression.binary(.divide, x, add(k(1), .unary(.abs, x)))
    init(_ attributes: AttributeReader) throws {}
}

struct ThresholdedRelu: ExpressionActivation {
    static let opType = "ThresholdedRelu"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1)
        formula = .select(.compare(.greater, x, k(alpha)), x, k(0))
    }
}

struct Mish: ExpressionActivation {
    static let opType = "Mish"
    let formula = mul(x, .unary(.tanh, softplus))
    init(_ attributes: AttributeReader) throws {}
}

/// Gelu: x·Φ(x) exactly (through erf), or its tanh approximation.
struct Gelu: ExpressionActivation {
    static let opType = "Gelu"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let approximate = try attributes.string("approximate", default: "none")
        switch approximate {
        case "none":
            formula = mul(mul(k(0.5), x), add(k(1), .unary(.erf, mul(x, k(0.70710678118654752)))))
        case "tanh":
            let inner = mul(k(0.79788456080286536), add(x, mul(k(0.044715), mul(x, mul(x, x)))))
            formula = mul(mul(k(0.5), x), add(k(1), .unary(.tanh, inner)))
        default:
            throw attributes.error("approximate must be 'none' or 'tanh', got '\(approximate)'")
        }
    }
}

struct Shrink: ExpressionActivation {
    static let opType = "Shrink"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let lambd = try attributes.float("lambd", default: 0.5)
        let bias = try attributes.float("bias", default: 0)
        formula = .select(
            .compare(.less, x, k(-lambd)), add(x, k(bias)),
            .select(.compare(.greater, x, k(lambd)), sub(x, k(bias)), k(0)))
    }
}

/// PRelu: x < 0 ? slope·x : x, the slope broadcast to X's shape.
struct PRelu: ExpressionActivation {
    static let opType = "PRelu"
    let formula = Expression.select(.compare(.less, x, k(0)), mul(.operand(1), x), x)
    init(_ attributes: AttributeReader) throws {}
}

/// SwiGLU (opset 28): Swish_α(A) · B, gate A and value B of one shape (no broadcasting).
struct SwiGLU: ExpressionActivation {
    static let opType = "SwiGLU"
    let formula: Expression
    init(_ attributes: AttributeReader) throws {
        let alpha = try attributes.float("alpha", default: 1)
        formula = mul(mul(x, .unary(.sigmoid, mul(k(alpha), x))), .operand(1))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "gate A", in: float32Computed)
        let b = try inputs.type(1)
        guard b == a else { throw inputs.error(.shapeMismatch, "A is \(a) but B is \(b); SwiGLU needs one type and shape") }
        return [a]
    }
}
