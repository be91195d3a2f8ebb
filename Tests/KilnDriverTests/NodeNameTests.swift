// Node names are for people: a model may repeat one, or give a node the
// name Kiln gives an unnamed one ("Conv_1"). Data a kernel lays out at
// compile time (Winograd planes, transposed or packed weights) must still
// be each node's own, on the CPU and on Vulkan: the same model with unique
// names is the reference.

import Foundation
import Kiln
import KilnCompiler
import KilnDriver
import Testing

@Suite struct NodeNameTests {
    /// Two nodes of `opType` in a chain, each with a constant operand of
    /// `weightShape` holding different numbers, named `names`.
    static func chain(
        _ opType: String, names: (String, String), input: [Int], weightShape: [Int], attributes: [Onnx_AttributeProto] = []
    ) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-names-\(UUID()).onnx").path
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        for (index, name) in [names.0, names.1].enumerated() {
            var node = Onnx_NodeProto()
            (node.opType, node.name, node.input, node.output) = (opType, name, [index == 0 ? "x" : "a", "w\(index)"], [index == 0 ? "a" : "y"])
            node.attribute = attributes
            nodes.append(node)
            let count = weightShape.reduce(1, *)
            var weights = Onnx_TensorProto()
            (weights.name, weights.dataType, weights.dims) = ("w\(index)", Int32(DType.float32.rawValue), weightShape.map(Int64.init))
            weights.floatData = (0..<count).map { Float(($0 * (31 + 10 * index) + 7 * index) % 61) / 61 - 0.5 }
            initializers.append(weights)
        }
        try writeONNXModel(
            to: path, nodes: nodes, inputs: [onnxValueInfo("x", .float32, input)], outputs: [onnxValueInfo("y", .float32, input)],
            initializers: initializers)
        return path
    }

    static let pads: Onnx_AttributeProto = {
        var pads = Onnx_AttributeProto()
        (pads.name, pads.type, pads.ints) = ("pads", .ints, [1, 1, 1, 1])
        return pads
    }()

    /// 3×3 convolutions of 64 channels (Winograd planes), 1×1 ones
    /// (transposed weights), MatMuls (constant B).
    static let cases: [(opType: String, input: [Int], weights: [Int], attributes: [Onnx_AttributeProto])] = [
        ("Conv", [1, 64, 16, 16], [64, 64, 3, 3], [pads]),
        ("Conv", [1, 32, 8, 8], [32, 32, 1, 1], []),
        ("MatMul", [4, 64], [64, 64], []),
    ]

    @Test(arguments: 0..<cases.count)
    func nodesSharingANameKeepTheirOwnWeights(_ index: Int) throws {
        let (opType, input, weights, attributes) = Self.cases[index]
        let x = TensorData(shape: input, floats: (0..<input.reduce(1, *)).map { Float($0 % 17) / 8 - 1 })
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        for device in [KilnDevice.cpu, .vulkan] {
            var outputs: [[Float]] = []
            for names in [("first", "second"), ("same", "same"), ("\(opType)_1", "")] {
                let path = try Self.chain(opType, names: names, input: input, weightShape: weights, attributes: attributes)
                defer { try? FileManager.default.removeItem(atPath: path) }
                let loaded = try LoadedModel(modelPath: path, config: config, device: device)
                try #require(loaded.runtime.activeDevice == device)
                try loaded.runtime.setInput(0, from: x)
                loaded.runtime.run()
                outputs.append(try loaded.runtime.outputData(0).floats)
            }
            #expect(outputs[1] == outputs[0], "\(opType) on \(device): two nodes named 'same'")
            #expect(outputs[2] == outputs[0], "\(opType) on \(device): a node named as Kiln names an unnamed one")
        }
    }
}
