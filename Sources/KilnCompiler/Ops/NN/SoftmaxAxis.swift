// The axis of the softmax family (LogSoftmax, Hardmax): one axis since opset
// 13 (default −1); before 13, all axes from `axis` on, flattened (default 1).

struct SoftmaxAxis: Sendable {
    let axis: Int
    let flattensTrailingAxes: Bool
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        opset = attributes.opset
        flattensTrailingAxes = attributes.opset < 13
        axis = try attributes.int("axis", default: flattensTrailingAxes ? 1 : -1)
    }

    /// The normalised axis of `x`.
    func normalized(_ x: TensorType, _ inputs: OpInputs) throws -> Int {
        guard x.rank > 0, let normalized = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for shape \(x.shape)")
        }
        return normalized
    }
}
