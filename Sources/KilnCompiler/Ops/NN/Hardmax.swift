// Hardmax: 1 at the first largest element along an axis, 0 elsewhere (opset
// 13); before 13, over the flattened axes from `axis` on (default 1).
// Decomposed into ArgMax and a comparison with the axis's positions.

struct Hardmax: Operator {
    static let opType = "Hardmax"
    let softmaxAxis: SoftmaxAxis

    init(_ attributes: AttributeReader) throws { softmaxAxis = try SoftmaxAxis(attributes) }

    func normalizedAxis(_ inputs: OpInputs) throws -> Int {
        try softmaxAxis.normalized(try inputs.require(0, "input", in: allFloats), inputs)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try normalizedAxis(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        var axis = try normalizedAxis(inputs)
        var b = DecompositionBuilder(opset: softmaxAxis.opset)
        var source = Decomposition.Operand.input(0)
        var shape = x.shape
        if softmaxAxis.flattensTrailingAxes {
            // [d₀…d_{axis−1}, d_axis…] as a matrix, the row one axis.
            shape = [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)]
            source = b.reshape(source, shape)
            axis = 1
        }
        let winner = b.add("ArgMax", [source], ["axis": .int(axis), "keepdims": .int(1)])
        var positionShape = Array(repeating: 1, count: shape.count)
        positionShape[axis] = shape[axis]
        let positions = TensorData(shape: positionShape, int64s: (0..<shape[axis]).map { Int64($0) })
        var result = b.cast(b.add("Equal", [winner, .constant(positions)]), from: .bool, to: x.dtype)
        if softmaxAxis.flattensTrailingAxes { result = b.reshape(result, x.shape) }
        return .decompose(b.finish([result]))
    }
}
