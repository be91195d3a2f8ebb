// Fused elementwise nodes compute exactly what the unfused nodes computed:
// float32 arithmetic rounds after every step either way, so the results
// must be bit-identical to the same steps in Swift.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct ElementwiseFusionTests {
    static let chainLength = 151

    func node(_ op: String, _ inputs: [String], _ output: String) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = (op, output, inputs, [output])
        return node
    }

    func floats(_ name: String, _ shape: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        (tensor.name, tensor.dataType, tensor.dims, tensor.floatData) = (name, 1, shape, values)
        return tensor
    }

    /// x·x + b (b broadcast along the last axis), Relu, Neg: a graph output
    /// that a long chain of Mul by ½ and Sub of x then reads.
    func writeModel(to path: String) throws {
        var nodes = [
            node("Mul", ["x", "x"], "square"), node("Add", ["square", "b"], "shifted"),
            node("Relu", ["shifted"], "positive"), node("Neg", ["positive"], "negated"),
        ]
        var previous = "negated"
        for step in 0..<Self.chainLength {
            let output = step == Self.chainLength - 1 ? "y" : "c\(step)"
            nodes.append(step % 2 == 0 ? node("Mul", [previous, "half"], output) : node("Sub", [previous, "x"], output))
            previous = output
        }
        try writeONNXModel(
            to: path, nodes: nodes, inputs: [onnxValueInfo("x", .float32, [2, 3, 4])],
            outputs: [onnxValueInfo("negated", .float32, [2, 3, 4]), onnxValueInfo("y", .float32, [2, 3, 4])],
            initializers: [floats("b", [4], [-1, 0.25, 3, -7]), floats("half", [], [0.5])])
    }

    @Test func fusedChainsMatchStepByStepArithmetic() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fusion-\(UUID()).onnx").path
        try writeModel(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }

        // The graph output stays a node's result; the chain fuses in groups.
        let prepared = try Compiler.prepare(modelPath: path)
        let groups = (Self.chainLength + Graph.maxFusedSteps - 1) / Graph.maxFusedSteps
        #expect(prepared.graph.nodes.count == 1 + groups)
        #expect(prepared.graph.nodes.first?.opType == "Mul+Add+Relu+Neg")

        let x: [Float] = (0..<24).map { Float($0) * 0.37 - 4.1 }
        let b: [Float] = [-1, 0.25, 3, -7]
        let loaded = try LoadedModel(modelPath: path)
        try loaded.runtime.setInput(0, x)
        loaded.runtime.run()
        var negated: [Float] = []
        var y: [Float] = []
        for (index, value) in x.enumerated() {
            let shifted = value * value + b[index % 4]
            let result = -(shifted < 0 ? 0 : shifted)
            negated.append(result)
            var running = result
            for step in 0..<Self.chainLength { running = step % 2 == 0 ? running * 0.5 : running - value }
            y.append(running)
        }
        #expect(Array(loaded.runtime.output(0)) == negated)
        #expect(Array(loaded.runtime.output(1)) == y)
    }
}
