// Bad input gets a clear error naming the file and the problem, never a crash.

import CKiln
import Foundation
import Testing

@testable import KilnCompiler

let invalidDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/invalid")

/// The single error `prepare` throws for a model, with its message.
func prepareError(_ file: String, config: ModelConfig = ModelConfig()) -> CompileError? {
    do {
        _ = try Compiler.prepare(modelPath: invalidDirectory.appendingPathComponent(file).path, config: config)
        return nil
    } catch let error as CompileError {
        return error
    } catch {
        Issue.record("unexpected error type \(type(of: error)): \(error)")
        return nil
    }
}

@Suite struct InvalidModelTests {
    @Test func truncatedFile() throws {
        let error = try #require(prepareError("truncated.onnx"))
        #expect(error.kind == .malformedModel)
        #expect(error.description.contains("truncated.onnx"))
        #expect(error.description.contains("not a valid ONNX model"))
    }

    @Test func notONNX() throws {
        let error = try #require(prepareError("not_onnx.onnx"))
        #expect(error.kind == .malformedModel)
        #expect(error.description.contains("not_onnx.onnx"))
    }

    @Test func unsupportedOpNamesNodeOpAndOpset() throws {
        let error = try #require(prepareError("unsupported_op.onnx"))
        #expect(error.kind == .unsupportedOp)
        #expect(error.location.node == "my_det")
        #expect(error.location.opType == "Det")
        #expect(error.location.opset == 13)
        #expect(error.description.contains("unsupported_op.onnx: node 'my_det' (Det, opset 13)"))
    }

    @Test func dynamicDimensionWithoutBound() throws {
        let error = try #require(prepareError("dynamic_dim.onnx"))
        #expect(error.kind == .dynamicShape)
        #expect(error.description.contains("dynamic dimension 'batch'"))
        #expect(error.description.contains("dynamic_dim.kiln.json"))
    }

    @Test func dynamicDimensionSizedByConfigCompiles() throws {
        #expect(prepareError("dynamic_dim.onnx", config: ModelConfig(dims: ["batch": 2])) == nil)
    }

    @Test func initializerSizeMismatch() throws {
        let error = try #require(prepareError("bad_initializer.onnx"))
        #expect(error.kind == .invalidInitializer)
        #expect(error.description.contains("bad_initializer.onnx"))
        #expect(error.description.contains("bytes of data, but shape"))
    }

    @Test func missingFile() throws {
        let error = try #require(prepareError("does_not_exist.onnx"))
        #expect(error.kind == .unreadableFile)
    }

    /// An attribute the op does not define is refused: ignoring it (an old
    /// exporter's `broadcast`, a typo) could change what the model computes.
    /// Attributes that only matter in training are accepted.
    @Test func unknownAttributesAreRefusedTrainingOnlyOnesIgnored() throws {
        func resolve(_ op: String, _ attributes: [String: Attribute]) throws {
            var graph = Graph(modelFile: "attrs.onnx", opset: 13)
            let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [4])))
            let y = graph.addValue(Value(name: "y"))
            graph.inputs = [x]
            graph.nodes = [Node(name: "n", opType: op, inputs: [x, x], outputs: [y], attributes: attributes)]
            try graph.resolveOperators()
        }
        do {
            try resolve("Add", ["broadcast": .int(1), "axis": .int(0)])
            Issue.record("unknown attributes must be refused")
        } catch let error as CompileError {
            #expect(error.kind == .unsupportedFeature)
            #expect(error.message.contains("unknown attribute(s) 'axis', 'broadcast' for Add at opset 13"))
            #expect(error.location.node == "n")
        }
        #expect(throws: Never.self) { try resolve("Dropout", ["seed": .int(7), "ratio": .float(0.5)]) }
        #expect(throws: CompileError.self) { try resolve("Relu", ["alpha": .float(0.1)]) }
    }

    @Test func everyUnsupportedOpIsListedAtOnce() throws {
        var graph = Graph(modelFile: "two.onnx", opset: 13)
        let x = graph.addValue(Value(name: "x", type: TensorType(.float32, [4])))
        graph.inputs = [x]
        let y = graph.addValue(Value(name: "y"))
        let z = graph.addValue(Value(name: "z"))
        graph.nodes = [
            Node(name: "a", opType: "Det", inputs: [x], outputs: [y]),
            Node(name: "b", opType: "StringSplit", inputs: [y], outputs: [z]),
        ]
        #expect(throws: CompileErrors.self) { try graph.resolveOperators() }
        do {
            try graph.resolveOperators()
        } catch let errors as CompileErrors {
            #expect(errors.errors.map(\.location.node) == ["a", "b"])
        }
    }
}

@Suite struct ConfigTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).kiln.json")
            .path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsDimsAndTarget() throws {
        let config = try ModelConfig.load(path: write(#"{"dims": {"batch": 4}, "cpu": "x86-64-v3"}"#))
        #expect(config.dims == ["batch": 4])
        #expect(config.cpus == ["x86-64-v3"])
        let levels = try ModelConfig.load(path: write(#"{"cpu": ["x86-64-v2", "x86-64-v3", "x86-64-v4"]}"#))
        #expect(levels.cpus == ["x86-64-v2", "x86-64-v3", "x86-64-v4"])
        for (text, message) in [
            (#"{"cpu": []}"#, "cpu must name LLVM CPUs"), (#"{"cpu": ["x86-64", ""]}"#, "cpu must name LLVM CPUs"),
            (#"{"cpu": ["x86-64", "x86-64"]}"#, "cpu lists 'x86-64' more than once"),
            (#"{"cpu": 3}"#, "'cpu' must be of type"),
        ] {
            let path = try write(text)
            #expect { try ModelConfig.load(path: path) } throws: { error in
                (error as? CompileError)?.description.contains(message) == true
            }
        }
    }

    /// The feature bits a build records: a psABI level's exactly, adjusted by
    /// explicit features; the host's from its exact feature string.
    @Test func buildsRecordTheFeaturesTheyNeed() {
        func bits(_ cpu: String, _ features: String = "") -> UInt64 {
            TargetSelection(triple: "x86_64-unknown-linux-gnu", cpu: cpu, features: features).requiredFeatures
        }
        func names(_ bits: UInt64) -> Set<String> {
            Set(TargetSelection.featureBits.filter { bits & $0.value != 0 }.keys)
        }
        #expect(bits("x86-64") == 0)
        #expect(names(bits("x86-64-v2")) == ["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cx16", "sahf"])
        #expect(names(bits("x86-64-v3")).isSuperset(of: ["avx", "avx2", "fma", "f16c", "bmi", "bmi2", "lzcnt", "movbe"]))
        #expect(names(bits("x86-64-v4")).subtracting(names(bits("x86-64-v3"))) == ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"])
        #expect(bits("skylake-avx512") == bits("x86-64-v4"))
        #expect(names(bits("x86-64-v3", "+avx512f,-fma")) == names(bits("x86-64-v3")).union(["avx512f"]).subtracting(["fma"]))
        #expect(TargetSelection(triple: "aarch64-unknown-linux-gnu", cpu: "generic", features: "+avx2").requiredFeatures == 0)
        let host = TargetSelection.host
        #expect(host.requiredFeatures & ~kiln_cpu_features() == 0, "the host build must run on the host")
    }

    /// `className` and `access` shape the generated class; a name that
    /// cannot be a Swift class, or an unknown access level, is an error
    /// naming the key and what is allowed.
    @Test func namesTheGeneratedClassAndItsAccess() throws {
        let config = try ModelConfig.load(path: write(#"{"className": "Classifier", "access": "internal"}"#))
        #expect(config.className == "Classifier" && config.access == .internal)
        let prepared = try Compiler.prepare(
            modelPath: fixtureRoot.appendingPathComponent("lenet/model.onnx").path, config: config)
        let source = SwiftAPIEmitter.source(
            for: prepared, module: "Lenet", className: try #require(prepared.className))
        #expect(source.contains("internal final class Classifier {"))
        #expect(source.contains("internal init(") && source.contains("internal func predict("))
        #expect(!source.contains("public "), "every member follows the class's access")
        #expect { try ModelConfig.load(path: write(#"{"access": "open"}"#)) } throws: { error in
            (error as? CompileError)?.description.contains(#"access must be one of "public", "package", "internal", got "open""#) == true
        }
        for (name, problem) in [
            ("3D", "is not a Swift identifier"), ("my-net", "is not a Swift identifier"), ("class", "is a Swift keyword"),
            ("KilnModel", "would hide a type"), ("Outputs", "would hide a type"), ("", "is not a Swift identifier"),
        ] {
            #expect { try ModelConfig.load(path: write(#"{"className": "\#(name)"}"#)) } throws: { error in
                (error as? CompileError)?.description.contains("className \"\(name)\" \(problem)") == true
            }
        }
    }

    /// `rename` gives inputs and outputs their Swift names; the others keep
    /// derived names that avoid the chosen ones.
    @Test func renamesInputsAndOutputs() throws {
        let lenet = fixtureRoot.appendingPathComponent("lenet/model.onnx").path
        let prepared = try Compiler.prepare(
            modelPath: lenet, config: ModelConfig(rename: ["image": "pixels", "logits": "scores"]))
        let source = SwiftAPIEmitter.source(for: prepared, module: "Lenet", className: "Lenet")
        #expect(source.contains("public var pixels: UnsafeMutableBufferPointer<Float>"))
        #expect(source.contains("public var scores: UnsafeBufferPointer<Float>"))
        #expect(source.contains("predict(pixels: some Collection<Float>)"))
        #expect(!source.contains("var image:") && !source.contains("var logits:"))
        // An output that is also an input takes the rename once, as the input.
        var echo = Graph(modelFile: "echo.onnx", opset: 13)
        let x = echo.addValue(Value(name: "x", type: TensorType(.float32, [2])))
        echo.inputs = [x]
        echo.outputs = [x]
        var passThrough = try Compiler.prepare(graph: echo, modelPath: "echo.onnx")
        passThrough.renames = ["x": "signal"]
        let echoed = SwiftAPIEmitter.source(for: passThrough, module: "Echo", className: "Echo")
        #expect(echoed.contains("public var signal: UnsafeMutableBufferPointer<Float>"))
        #expect(!echoed.contains("public var signal: UnsafeBufferPointer<Float>"))
        #expect(echoed.contains("public var x: UnsafeBufferPointer<Float>"))
        // An input renamed to what another's derived name would be: the derived one moves aside.
        #expect(SwiftIdentifier.unique(["a", "b"], given: ["b": "a"], reserved: []) == ["a2", "a"])
        #expect { try Compiler.prepare(modelPath: lenet, config: ModelConfig(rename: ["input": "x"])) } throws: { error in
            (error as? CompileError)?.description.contains(
                "rename names 'input', which is no input or output of the generated API; those are 'image', 'logits'")
                == true
        }
        for (text, message) in [
            (#"{"rename": {"image": "run"}}"#, #"rename.image: "run" is a member every generated class has"#),
            (#"{"rename": {"image": "let"}}"#, #"rename.image: "let" is a Swift keyword"#),
            (#"{"rename": {"image": "2d"}}"#, #"rename.image: "2d" is not a Swift identifier"#),
            (#"{"rename": {"image": "Array"}}"#, #"rename.image: "Array" would hide a type the generated code uses"#),
            (#"{"rename": {"image": "x", "logits": "x"}}"#, #"rename gives 'image' and 'logits' the same name "x""#),
        ] {
            #expect { try ModelConfig.load(path: write(text)) } throws: { error in
                (error as? CompileError)?.description.contains(message) == true
            }
        }
    }

    /// Docs/kiln-config.schema.json, which the README points editors to,
    /// lists exactly the keys the compiler reads, with the same limits.
    @Test func theSchemaMatchesTheConfig() throws {
        let root = fixtureRoot.deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Docs/kiln-config.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(schema["additionalProperties"] as? Bool == false)
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == Set(ModelConfig.keys))
        #expect(properties["access"]?["enum"] as? [String] == ModelConfig.AccessLevel.allCases.map(\.rawValue))
        #expect(properties["threads"]?["maximum"] as? Int == ModelConfig.maximumThreads)
        #expect(properties["l2CacheKB"]?["maximum"] as? Int == 65536)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("Docs/kiln-config.schema.json"))
    }

    @Test func rejectsUnknownKeys() throws {
        let path = try write(#"{"dimz": {}}"#)
        #expect { try ModelConfig.load(path: path) } throws: { error in
            (error as? CompileError)?.description.contains("unknown key(s) 'dimz'") == true
        }
    }

    @Test func rejectsBadValues() throws {
        let path = try write(#"{"dims": {"batch": 0}}"#)
        #expect { try ModelConfig.load(path: path) } throws: { error in
            (error as? CompileError)?.description.contains("dims.batch must be a positive size") == true
        }
        let wrongType = try write(#"{"dims": [1]}"#)
        #expect { try ModelConfig.load(path: wrongType) } throws: { error in
            (error as? CompileError)?.kind == .invalidConfig
        }
        let notJSON = try write("{")
        #expect { try ModelConfig.load(path: notJSON) } throws: { error in
            (error as? CompileError)?.description.contains("not valid JSON") == true
        }
    }
}
