// MeanVarianceNormalization: (X − E[X]) / (√Var[X] + 1e-9) over `axes`
// (default N, H, W: per channel), as ONNX's function body defines it;
// decomposed into reductions and arithmetic.

struct MeanVarianceNormalization: Operator {
    static let opType = "MeanVarianceNormalization"
    let axes: [Int]
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axes = try attributes.ints("axes") ?? [0, 2, 3]
        opset = attributes.opset
    }

    func normalizedAxes(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.require(0, "X", in: float32Computed)
        let normalized = axes.compactMap { Shape.normalize(axis: $0, rank: x.rank) }
        guard normalized.count == axes.count, Set(normalized).count == axes.count else {
            throw inputs.error(.invalidAttribute, "axes \(axes) are out of range or repeated for \(x.shape)")
        }
        return normalized.sorted()
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try normalizedAxes(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let axes = try normalizedAxes(inputs)
        let dtype = try inputs.type(0).dtype
        var b = DecompositionBuilder(opset: opset)
        let (centered, variance) = b.centeredAndVariance(.input(0), axes: axes)
        let epsilon = TensorData(dtype: dtype, shape: [], converting: [1e-9])
        let result = b.add("Div", [centered, b.add("Add", [b.add("Sqrt", [variance]), .constant(epsilon)])])
        return .decompose(b.finish([result]))
    }
}
