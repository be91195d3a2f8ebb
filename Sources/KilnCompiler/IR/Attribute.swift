// Node attributes, decoded from ONNX once so passes never see protobuf types.

/// One attribute value of a node.
public enum Attribute: Sendable, Equatable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(TensorData)
    case floats([Float])
    case ints([Int])
    case strings([String])
}
