// Pad's decomposition, checked by folding it on constants: negative pads
// crop, each mode builds the right pieces.

import Testing

@testable import KilnCompiler

@Suite struct PadTests {
    /// Pads the constant [0, 1, 2, 3, 4] and returns the folded result.
    func pad(_ mode: String, _ pads: [Int64], value: Float? = nil) throws -> [Float] {
        var graph = Graph(modelFile: "pad.onnx", opset: 13)
        let x = graph.addValue(Value(name: "x", constant: TensorData(shape: [5], floats: [0, 1, 2, 3, 4])))
        let p = graph.addValue(Value(name: "p", constant: TensorData(shape: [2], int64s: pads)))
        var inputs: [ValueID?] = [x, p]
        if let value { inputs.append(graph.addValue(Value(name: "v", constant: TensorData(shape: [], floats: [value])))) }
        let y = graph.addValue(Value(name: "y"))
        graph.nodes = [Node(name: "pad", opType: "Pad", inputs: inputs, outputs: [y], attributes: ["mode": .string(mode)])]
        graph.outputs = [y]
        try graph.resolveOperators()
        try graph.inferShapesAndFold()
        try graph.lowerToCore()
        #expect(graph.nodes.isEmpty, "a constant input folds every step")
        return try #require(graph[y].constant).floats
    }

    @Test func eachModeBuildsItsPieces() throws {
        #expect(try pad("constant", [-1, 2], value: 9) == [1, 2, 3, 4, 9, 9])
        #expect(try pad("edge", [2, 1]) == [0, 0, 0, 1, 2, 3, 4, 4])
        #expect(try pad("reflect", [2, 4]) == [2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0])
        #expect(try pad("wrap", [2, 3]) == [3, 4, 0, 1, 2, 3, 4, 0, 1, 2])
        #expect(try pad("reflect", [-2, 1]) == [2, 3, 4, 3])
    }

    @Test func padsThatDoNotFitAreErrors() throws {
        // Reflect can mirror at most size − 1 elements.
        #expect(throws: CompileError.self) { try pad("reflect", [5, 0]) }
        #expect(throws: CompileError.self) { try pad("constant", [-3, -3]) }
    }
}
