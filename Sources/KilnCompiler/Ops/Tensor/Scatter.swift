// ScatterElements (and its deprecated form Scatter) and ScatterND: a copy
// of `data` with `updates` written (or added, multiplied, maxed, minned) at
// the places `indices` name. Negative indices count from the end; indices
// outside the tensor are skipped where ONNX Runtime reports an error.

/// Reads `reduction` (opset 16+; max and min from 18).
private func scatterReduction(_ attributes: AttributeReader) throws -> ScatterReduction {
    let name = try attributes.string("reduction", default: "none")
    guard let reduction = ScatterReduction(rawValue: name) else {
        throw attributes.error("reduction must be none, add, mul, max or min, got '\(name)'")
    }
    return reduction
}

/// ScatterElements: updates[i] lands at i with its `axis` coordinate replaced by indices[i].
struct ScatterElements: Operator {
    static let opType = "ScatterElements"
    let axis: Int
    let reduction: ScatterReduction

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: 0)
        reduction = try scatterReduction(attributes)
    }

    func resolvedAxis(_ inputs: OpInputs) throws -> Int {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int32, .int64])
        let updates = try inputs.require(2, "updates", in: [data.dtype])
        guard data.rank > 0, let axis = Shape.normalize(axis: axis, rank: data.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for \(data.shape)")
        }
        guard updates.shape == indices.shape, indices.rank == data.rank,
            zip(indices.shape, data.shape).enumerated().allSatisfy({ $0.offset == axis || $0.element.0 <= $0.element.1 })
        else {
            throw inputs.error(
                .shapeMismatch, "indices \(indices.shape) and updates \(updates.shape) must match, with data \(data.shape)'s rank")
        }
        return axis
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try resolvedAxis(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.scatterElements(axis: try resolvedAxis(inputs), reduction: reduction))
    }
}

/// Scatter (opsets 9–10): ScatterElements without a reduction.
struct Scatter: Operator {
    static let opType = "Scatter"
    let elements: ScatterElements

    init(_ attributes: AttributeReader) throws { elements = try ScatterElements(attributes) }
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { try elements.inferTypes(inputs) }
    func lower(_ inputs: OpInputs) throws -> Lowering { try elements.lower(inputs) }
}

/// ScatterND: each index tuple (the last axis of `indices`) names a slice of `data`.
struct ScatterND: Operator {
    static let opType = "ScatterND"
    let reduction: ScatterReduction

    init(_ attributes: AttributeReader) throws { reduction = try scatterReduction(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let data = try inputs.type(0)
        let indices = try inputs.require(1, "indices", in: [.int64])
        let updates = try inputs.require(2, "updates", in: [data.dtype])
        guard let depth = indices.shape.last, depth >= 1, depth <= data.rank,
            updates.shape == Array(indices.shape.dropLast()) + Array(data.shape[depth...])
        else {
            throw inputs.error(
                .shapeMismatch,
                "indices \(indices.shape) and updates \(updates.shape) do not fit data \(data.shape) "
                    + "(updates must be indices' leading axes then data's axes past the index depth)")
        }
        return [data]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.scatterND(reduction: reduction)) }
}
