// Elementwise activations that can run on their own or fused after a producer.

/// A pointwise activation function.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    case tanh
}

extension Activation {
    /// The same function as a formula over operand 0, for element types the
    /// activation kernels (float32 only) do not take. NaN stays NaN.
    public var expression: Expression {
        let x = Expression.operand(0)
        switch self {
        case .relu: return .select(.compare(.less, x, .constant(0)), .constant(0), x)
        case .leakyRelu(let alpha):
            return .select(.compare(.less, x, .constant(0)), .binary(.multiply, x, .constant(Double(alpha))), x)
        case .clip(let low, let high): return Expression.clamp(x, low: .constant(Double(low)), high: .constant(Double(high)))
        case .sigmoid: return .unary(.sigmoid, x)
        case .tanh: return .unary(.tanh, x)
        }
    }
}

extension Expression {
    /// `value` limited to [low, high] (either may be nil: unbounded); NaN stays NaN.
    public static func clamp(_ value: Expression, low: Expression?, high: Expression?) -> Expression {
        var result = value
        if let low { result = .select(.compare(.less, result, low), low, result) }
        if let high { result = .select(.compare(.greater, result, high), high, result) }
        return result
    }
}
