// Zero-sized dimensions are valid ONNX and ONNX Runtime runs them: an empty
// batch gives an empty result, and an empty inner dimension gives the
// operation's identity (a [2,0]×[0,3] MatMul is all zeros, a sum over an
// empty axis is 0). No kernel may divide by or index past a zero extent.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct ZeroSizedTests {
    func node(_ op: String, _ inputs: [String], _ output: String, ints: [String: [Int64]] = [:], int: [String: Int64] = [:])
        -> Onnx_NodeProto
    {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = (op, output, inputs, [output])
        for (name, values) in ints {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.ints) = (name, .ints, values)
            node.attribute.append(attribute)
        }
        for (name, value) in int {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.i) = (name, .int, value)
            node.attribute.append(attribute)
        }
        return node
    }

    @Test func emptyDimensionsGiveEmptyResultsOrIdentities() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-zero-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeONNXModel(
            to: path,
            nodes: [
                node("MatMul", ["a", "b"], "product"),
                node("ReduceSum", ["a"], "sums", ints: ["axes": [1]], int: ["keepdims": 1]),
                node("Concat", ["a", "c"], "joined", int: ["axis": 1]),
                node("Relu", ["batch"], "activated"),
                node("Add", ["batch", "row"], "shifted"),
            ],
            inputs: [
                onnxValueInfo("a", .float32, [2, 0]), onnxValueInfo("b", .float32, [0, 3]),
                onnxValueInfo("c", .float32, [2, 3]), onnxValueInfo("batch", .float32, [0, 4]),
                onnxValueInfo("row", .float32, [4]),
            ],
            outputs: [
                onnxValueInfo("product", .float32, [2, 3]), onnxValueInfo("sums", .float32, [2, 1]),
                onnxValueInfo("joined", .float32, [2, 3]), onnxValueInfo("activated", .float32, [0, 4]),
                onnxValueInfo("shifted", .float32, [0, 4]),
            ], opset: 11)
        let loaded = try LoadedModel(modelPath: path)
        let runtime = loaded.runtime
        let c: [Float] = [1, -2, 3, -4, 5, -6]
        try runtime.setInput(0, [Float]())
        try runtime.setInput(1, [Float]())
        try runtime.setInput(2, c)
        try runtime.setInput(3, [Float]())
        try runtime.setInput(4, [Float]([1, 2, 3, 4]))
        // Garbage in the arena must not leak into the identities.
        for index in runtime.outputs.indices {
            let output = UnsafeMutableBufferPointer(mutating: runtime.output(index))
            for position in output.indices { output[position] = .nan }
        }
        runtime.run()
        #expect(Array(runtime.output(0)) == [0, 0, 0, 0, 0, 0])
        #expect(Array(runtime.output(1)) == [0, 0])
        #expect(Array(runtime.output(2)) == c)
        #expect(runtime.output(3).isEmpty)
        #expect(runtime.output(4).isEmpty)
        #expect(runtime.outputs.map(\.shape) == [[2, 3], [2, 1], [2, 3], [0, 4], [0, 4]])
    }
}
