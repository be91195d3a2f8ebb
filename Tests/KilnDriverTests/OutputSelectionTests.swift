// A config's `outputs` keeps some of a model's outputs: the others, and what
// only they need, are not computed (nor compiled: an op Kiln lacks there no
// longer matters).

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct OutputSelectionTests {
    /// x → Relu → "kept"; x → Mystery (an op Kiln does not have) → Neg → "other".
    func writeModel() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-outputs-\(UUID().uuidString).onnx")
            .path
        func node(_ op: String, _ input: String, _ output: String, domain: String = "") -> Onnx_NodeProto {
            var node = Onnx_NodeProto()
            node.opType = op
            node.name = output + "_node"
            node.domain = domain
            node.input = [input]
            node.output = [output]
            return node
        }
        try writeONNXModel(
            to: path,
            nodes: [
                node("Relu", "x", "kept"), node("Mystery", "x", "hidden", domain: "com.example"),
                node("Neg", "hidden", "other"),
            ],
            inputs: [onnxValueInfo("x", .float32, [2, 3])],
            outputs: [onnxValueInfo("kept", .float32, [2, 3]), onnxValueInfo("other", .float32, [2, 3])])
        return path
    }

    @Test func keptOutputsAreAllThatIsComputed() throws {
        let path = try writeModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try Compiler.prepare(modelPath: path) } throws: { error in
            "\(error)".contains("Mystery")
        }
        let config = ModelConfig(outputs: ["kept"])
        let prepared = try Compiler.prepare(modelPath: path, config: config)
        #expect(prepared.graph.nodes.map(\.opType) == ["Relu"])
        let loaded = try LoadedModel(modelPath: path, config: config)
        #expect(loaded.runtime.outputs.map(\.name) == ["kept"])
        try loaded.runtime.setInput(0, [Float(-1), 2, -3, 4, -5, 6])
        loaded.runtime.run()
        #expect(Array(loaded.runtime.output(0)) == [0, 2, 0, 4, 0, 6])
    }

    @Test func unknownOutputsAreErrorsNamingTheModelsOutputs() throws {
        let path = try writeModel()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try Compiler.prepare(modelPath: path, config: ModelConfig(outputs: ["kept", "logits"])) } throws: { error in
            (error as? CompileError)?.description.contains(
                "outputs names 'logits', which the model has no graph output called; its outputs are 'kept', 'other'")
                == true
        }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).kiln.json")
        defer { try? FileManager.default.removeItem(at: config) }
        for (text, message) in [
            (#"{"outputs": []}"#, "outputs must name at least one graph output"),
            (#"{"outputs": ["kept", "kept"]}"#, "outputs lists 'kept' more than once"),
        ] {
            try Data(text.utf8).write(to: config)
            #expect { try ModelConfig.load(path: config.path) } throws: { error in
                (error as? CompileError)?.description.contains(message) == true
            }
        }
    }
}
