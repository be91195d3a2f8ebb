// LogSoftmax: x − max − ln Σ e^{x − max} along one axis (opset 13), or over
// the flattened axes from `axis` on (before 13), decomposed into reductions
// and pointwise steps.

struct LogSoftmax: Operator {
    static let opType = "LogSoftmax"
    let softmaxAxis: SoftmaxAxis

    init(_ attributes: AttributeReader) throws { softmaxAxis = try SoftmaxAxis(attributes) }

    func axes(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.require(0, "input", in: float32Computed)
        let first = try softmaxAxis.normalized(x, inputs)
        return softmaxAxis.flattensTrailingAxes ? Array(first..<x.rank) : [first]
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try axes(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let axes = try axes(inputs)
        typealias Step = Decomposition.Step
        let steps: [Step] = [
            .reduce(ReduceMax.self, .input(0), axes: axes, opset: softmaxAxis.opset),  // 0: max
            Step("Sub", [.input(0), .step(0)]),  // 1: shifted
            Step("Exp", [.step(1)]),  // 2
            .reduce(ReduceSum.self, .step(2), axes: axes, opset: softmaxAxis.opset),  // 3: Σ
            Step("Log", [.step(3)]),  // 4
            Step("Sub", [.step(1), .step(4)]),  // 5
        ]
        return .decompose(Decomposition(steps: steps, outputs: [.step(5)]))
    }
}
