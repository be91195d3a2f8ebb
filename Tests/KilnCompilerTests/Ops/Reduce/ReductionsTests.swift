// Reductions: where the axes come from at each opset, keepdims, empty axes,
// bad axes; and LayerNormalization's decomposition with its statistics outputs.

import Testing

@testable import KilnCompiler

@Suite struct ReductionsTests {
    let x = OpInputs(.value(.float32, [2, 3, 4]))

    @Test func axesAreAnAttributeBeforeOpset18AndAnInputSince() throws {
        let old = try ReduceMean.parse(["axes": .ints([0, -1])], opset: 13)
        #expect(try old.lower(x).coreOp == .reduce(ReduceParameters(kind: .mean, axes: [0, 2], keepsDimensions: true)))
        #expect(try old.inferTypes(x) == [TensorType(.float32, [1, 3, 1])])
        let new = try ReduceMean.parse(["keepdims": .int(0)], opset: 18)
        let withAxes = OpInputs(.value(.float32, [2, 3, 4]), .int64s([1]))
        #expect(try new.inferTypes(withAxes) == [TensorType(.float32, [2, 4])])
        // ReduceSum moved its axes to an input already at opset 13.
        let sum = try ReduceSum.parse(opset: 13)
        #expect(try sum.lower(withAxes).coreOp == .reduce(ReduceParameters(kind: .sum, axes: [1], keepsDimensions: true)))
    }

    @Test func emptyAxesReduceEverythingUnlessNoop() throws {
        #expect(try ReduceMax.parse(["keepdims": .int(0)]).inferTypes(x) == [TensorType(.float32, [])])
        let noop = try ReduceMax.parse(["noop_with_empty_axes": .int(1)], opset: 18)
        #expect(try noop.inferTypes(x) == [TensorType(.float32, [2, 3, 4])])
        #expect(try noop.lower(x).replacements?.count == 1)
    }

    @Test func badAxesAreErrors() throws {
        expectCompileError(.invalidAttribute, "out of range or repeated") {
            try ReduceSum.parse(opset: 13).inferTypes(OpInputs(.value(.float32, [2, 3]), .int64s([1, -1])))
        }
        expectCompileError(.unsupportedFeature, "axes", "compile-time constant") {
            try ReduceSum.parse(opset: 13).inferTypes(OpInputs(.value(.float32, [2, 3]), .value(.int64, [1])))
        }
    }

    @Test func layerNormalizationDecomposesAndReturnsItsStatistics() throws {
        var graph = Graph(modelFile: "ln.onnx", opset: 17)
        let input = graph.addValue(Value(name: "x", type: TensorType(.float32, [2, 3, 8])))
        let scale = graph.addValue(Value(name: "s", constant: TensorData(shape: [8], floats: Array(repeating: 1, count: 8))))
        let outputs = ["y", "mean", "inv"].map { graph.addValue(Value(name: $0)) }
        graph.inputs = [input]
        graph.nodes = [Node(name: "ln", opType: "LayerNormalization", inputs: [input, scale], outputs: outputs)]
        graph.outputs = outputs
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        #expect(graph.type(of: outputs[1]) == TensorType(.float32, [2, 3, 1]))
        try graph.lowerToCore()
        try graph.verify()
        let cores = graph.nodes.compactMap(\.core)
        #expect(cores.filter { if case .reduce = $0 { true } else { false } }.count == 2)
        // Each requested output is produced by a step of the decomposition.
        for output in outputs { #expect(graph.nodes.contains { $0.outputs.contains(output) }) }
    }
}
