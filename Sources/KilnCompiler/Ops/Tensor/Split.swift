// Split: consecutive pieces of the input along an axis, sizes given by the
// `split` attribute (before opset 13) or constant input, else equal (the
// last piece smaller since opset 18). Decomposed into one Slice per output.

struct Split: Operator {
    static let opType = "Split"
    let axis: Int
    let attributeSizes: [Int]?
    let numOutputs: Int?

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: 0)
        attributeSizes = attributes.opset < 13 ? try attributes.ints("split") : nil
        numOutputs = attributes.opset >= 18 && attributes.has("num_outputs") ? try attributes.int("num_outputs", default: 0) : nil
    }

    /// The normalised axis and each output's size along it.
    func pieces(_ inputs: OpInputs) throws -> (axis: Int, sizes: [Int]) {
        let x = try inputs.type(0)
        guard x.rank > 0, let axis = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for \(x.shape)")
        }
        let length = x.shape[axis]
        let outputs = inputs.outputCount
        var sizes: [Int]
        if let given = try attributeSizes ?? (inputs.has(1) ? inputs.requireConstant(1, "split").int64s.map { Int(clamping: $0) } : nil) {
            sizes = given
        } else {
            let parts = numOutputs ?? outputs
            guard parts >= 1 else { throw inputs.error(.invalidAttribute, "Split needs at least one output") }
            let piece = (length + parts - 1) / parts
            sizes = (0..<parts).map { min(piece, max(0, length - $0 * piece)) }
            if numOutputs == nil, length % parts != 0 {
                throw inputs.error(.shapeMismatch, "axis of size \(length) does not split into \(parts) equal parts")
            }
        }
        guard sizes.count == outputs, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == length else {
            throw inputs.error(.shapeMismatch, "split sizes \(sizes) do not cut \(length) into \(outputs) outputs")
        }
        return (axis, sizes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        let (axis, sizes) = try pieces(inputs)
        return sizes.map { size in
            var shape = x.shape
            shape[axis] = size
            return TensorType(x.dtype, shape)
        }
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (axis, sizes) = try pieces(inputs)
        var start = 0
        var steps: [Decomposition.Step] = []
        for size in sizes {
            steps.append(
                Decomposition.Step("Slice", [.input(0), .int64s([start]), .int64s([start + size]), .int64s([axis])]))
            start += size
        }
        return .decompose(Decomposition(steps: steps, outputs: steps.indices.map { .step($0) }))
    }
}
