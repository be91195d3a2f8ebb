// GatherND: the slices of data that index tuples name (the scatter kernels'
// addressing, read instead of written).

/// GatherND (batch_dims 0): the slices of `data` that the index tuples on
/// the last axis of `indices` name; a tuple outside `data` gives zeros.
struct GatherND: Operator {
    static let opType = "GatherND"

    init(_ attributes: AttributeReader) throws {
        let batchDimensions = try attributes.int("batch_dims", default: 0)
        guard batchDimensions == 0 else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "GatherND batch_dims \(batchDimensions) is not supported (only 0)")
        }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int64])
        guard let depth = indices.shape.last, depth >= 1, depth <= data.rank else {
            throw inputs.error(.shapeMismatch, "indices \(indices.shape) must end in a tuple length of 1...\(data.rank)")
        }
        return [TensorType(data.dtype, Array(indices.shape.dropLast()) + Array(data.shape[depth...]))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.gatherND) }
}
