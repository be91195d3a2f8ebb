// NaN and infinities propagate as ONNX Runtime propagates them: a NaN pixel
// must not turn into a plausible number (Relu(NaN) = 0 and Clip(NaN) = low
// once did). Each op runs on [NaN, 1, -2, +Inf, -Inf, 0.5] inside a
// [1, 1, 2, 3] tensor, so the pooling and softmax rows hold a NaN too.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct NaNPropagationTests {
    static let input: [Float] = [.nan, 1, -2, .infinity, -.infinity, 0.5]

    /// Runs one node over `input` (shape [1, 1, 2, 3]) with float32 constants `constants`.
    func run(_ op: String, attributes: [Onnx_AttributeProto] = [], constants: [(String, Float)] = [], outputShape: [Int])
        throws -> [Float]
    {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = (op, "n", ["x"] + constants.map(\.0), ["y"])
        node.attribute = attributes
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-nan-\(UUID()).onnx").path
        try writeONNXModel(
            to: path, nodes: [node], inputs: [onnxValueInfo("x", .float32, [1, 1, 2, 3])],
            outputs: [onnxValueInfo("y", .float32, outputShape)],
            initializers: constants.map { name, value in
                var tensor = Onnx_TensorProto()
                (tensor.name, tensor.dataType, tensor.floatData) = (name, 1, [value])
                return tensor
            })
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try LoadedModel(modelPath: path)
        try loaded.runtime.setInput(0, Self.input)
        loaded.runtime.run()
        return Array(loaded.runtime.output(0))
    }

    func ints(_ name: String, _ values: [Int64]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.ints) = (name, .ints, values)
        return attribute
    }

    func int(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.i) = (name, .int, value)
        return attribute
    }

    /// Equal, treating NaN as equal to NaN.
    func same(_ actual: [Float], _ expected: [Float]) -> Bool {
        actual.count == expected.count && zip(actual, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test func activationsKeepNaN() throws {
        let shape = [1, 1, 2, 3]
        let relu = try run("Relu", outputShape: shape)
        #expect(same(relu, [.nan, 1, 0, .infinity, 0, 0.5]), "\(relu)")
        let clip = try run("Clip", constants: [("low", 0), ("high", 1)], outputShape: shape)
        #expect(same(clip, [.nan, 1, 0, 1, 0, 0.5]), "\(clip)")
        let sigmoid = try run("Sigmoid", outputShape: shape)
        #expect(sigmoid[0].isNaN && sigmoid[3] == 1 && sigmoid[4] == 0, "\(sigmoid)")
        let tanh = try run("Tanh", outputShape: shape)
        #expect(tanh[0].isNaN && tanh[3] == 1 && tanh[4] == -1, "\(tanh)")
        let leaky = try run("LeakyRelu", outputShape: shape)
        #expect(leaky[0].isNaN && leaky[3] == .infinity && leaky[4] == -.infinity, "\(leaky)")
    }

    @Test func maximaAndMinimaKeepNaN() throws {
        let max = try run("Max", constants: [("zero", 0)], outputShape: [1, 1, 2, 3])
        #expect(same(max, [.nan, 1, 0, .infinity, 0, 0.5]), "\(max)")
        let min = try run("Min", constants: [("zero", 0)], outputShape: [1, 1, 2, 3])
        #expect(same(min, [.nan, 0, -2, 0, -.infinity, 0]), "\(min)")
        // The NaN is in the first row only; both reductions and pools see it wherever it sits.
        let reduced = try run("ReduceMax", attributes: [ints("axes", [3])], outputShape: [1, 1, 2, 1])
        #expect(same(reduced, [.nan, .infinity]), "\(reduced)")
        let pooled = try run(
            "MaxPool", attributes: [ints("kernel_shape", [1, 2])], outputShape: [1, 1, 2, 2])
        #expect(same(pooled, [.nan, 1, .infinity, 0.5]), "\(pooled)")
        let global = try run("GlobalMaxPool", outputShape: [1, 1, 1, 1])
        #expect(global[0].isNaN, "\(global)")
    }

    @Test func softmaxOfARowWithNaNIsNaN() throws {
        let softmax = try run("Softmax", attributes: [int("axis", 3)], outputShape: [1, 1, 2, 3])
        #expect(softmax.prefix(3).allSatisfy { $0.isNaN }, "\(softmax)")
        // [+Inf, -Inf, 0.5]: Inf - Inf makes the sum NaN, so the row is NaN, as in ONNX Runtime.
        #expect(softmax.suffix(3).allSatisfy { $0.isNaN }, "\(softmax)")
    }
}
