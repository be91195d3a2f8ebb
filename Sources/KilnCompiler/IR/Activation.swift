// Elementwise activations that can run on their own or fused after a producer.

/// A pointwise activation function.
public enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    case tanh
}
