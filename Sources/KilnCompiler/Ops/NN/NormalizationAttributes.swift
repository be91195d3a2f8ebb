// What LayerNormalization and RMSNormalization parse alike: the first
// normalised axis (the rest follow it), ε, and a stash type of float32.

struct NormalizationAttributes: Sendable {
    let axis: Int
    let epsilon: Float
    /// The model's opset, which decides how ReduceMean steps take their axes.
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: -1)
        epsilon = try attributes.float("epsilon", default: 1e-5)
        let stash = try attributes.int("stash_type", default: 1)
        guard stash == 1 else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "stash_type \(stash) is not supported (only float32, 1)")
        }
        opset = attributes.opset
    }

    /// The normalised axes of input 0 (from `axis` to the last).
    func axes(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.type(0)
        guard x.rank > 0, let first = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for shape \(x.shape)")
        }
        return Array(first..<x.rank)
    }
}
