// Graph inputs fixed at compile time (`"constants"` in the config, `kilnc
// --constant`, `kilnc verify --constant-from-data`): a model that takes its
// reduction axes as an input compiles once they are fixed, the generated
// code no longer takes them, and bad values are errors naming the input.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct InputConstantTests {
    /// y = ReduceSum(x [2, 3, 4], axes) with keepdims = 0, axes a graph input
    /// (as ONNX's own node tests write it), in a fresh folder with a data set
    /// for axes = [1].
    struct Case {
        let folder: String
        var model: String { "\(folder)/model.onnx" }
        var data: String { "\(folder)/test_data_set_0" }
        let x: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }
        /// Σ over axis 1 of x viewed as [2, 3, 4].
        var expected: [Float] {
            var sums: [Float] = []
            for i in 0..<2 {
                for k in 0..<4 {
                    var sum: Float = 0
                    for j in 0..<3 { sum += x[i * 12 + j * 4 + k] }
                    sums.append(sum)
                }
            }
            return sums
        }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-constants-\(UUID())").path
            try FileManager.default.createDirectory(atPath: "\(folder)/test_data_set_0", withIntermediateDirectories: true)
            var node = Onnx_NodeProto()
            node.opType = "ReduceSum"
            node.name = "sum"
            node.input = ["x", "axes"]
            node.output = ["y"]
            var keepdims = Onnx_AttributeProto()
            keepdims.name = "keepdims"
            keepdims.type = .int
            keepdims.i = 0
            node.attribute = [keepdims]
            try writeONNXModel(
                to: model, nodes: [node],
                inputs: [onnxValueInfo("x", .float32, [2, 3, 4]), onnxValueInfo("axes", .int64, [1])],
                outputs: [onnxValueInfo("y", .float32, [2, 4])])
            try TensorFile(name: "x", data: TensorData(shape: [2, 3, 4], floats: x)).write(path: "\(data)/input_0.pb")
            try TensorFile(name: "axes", data: TensorData(shape: [1], int64s: [1])).write(path: "\(data)/input_1.pb")
            try TensorFile(name: "y", data: TensorData(shape: [2, 4], floats: expected)).write(path: "\(data)/output_0.pb")
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test func anInputNeededAtCompileTimeIsRefusedWithAdvice() throws {
        let test = try Case()
        defer { test.remove() }
        #expect(throws: CompileError.self) { try Compiler.prepare(modelPath: test.model) }
        let (status, _, err) = try kilnc(["verify", test.model])
        #expect(status == 2)
        #expect(err.contains("node 'sum' (ReduceSum, opset 13): axes (input 1) must be a compile-time constant"))
        #expect(err.contains("it is the graph input 'axes': fix its value in model.kiln.json with {\"constants\": {\"axes\": [...]}}"))
    }

    /// A value computed from graph inputs (not only their shapes) names them.
    @Test func anInputComputedFromGraphInputsNamesThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-upstream-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var size = Onnx_NodeProto()
        (size.opType, size.name, size.input, size.output) = ("Size", "size", ["x"], ["count"])
        var mod = Onnx_NodeProto()
        (mod.opType, mod.name, mod.input, mod.output) = ("Mod", "mod", ["offset", "count"], ["axes"])
        var reduce = Onnx_NodeProto()
        (reduce.opType, reduce.name, reduce.input, reduce.output) = ("ReduceSum", "sum", ["x", "axes"], ["y"])
        let path = "\(folder)/model.onnx"
        try writeONNXModel(
            to: path, nodes: [size, mod, reduce],
            inputs: [onnxValueInfo("x", .float32, [2, 3, 4]), onnxValueInfo("offset", .int64, [1])],
            outputs: [onnxValueInfo("y", .float32, [2, 4])])
        let (status, _, err) = try kilnc(["inspect", path])
        #expect(status == 2)
        // Size reads only x's static shape: x is not named, offset is.
        #expect(err.contains("node 'sum' (ReduceSum, opset 13): axes (input 1) must be a compile-time constant"))
        #expect(err.contains("it is computed from the graph input(s) 'offset': fix their values in model.kiln.json"), "\(err)")
    }

    @Test func theConfigFixesTheInputAndTheModelNoLongerTakesIt() throws {
        let test = try Case()
        defer { test.remove() }
        let config = ModelConfig(constants: ["axes": .numbers([1])])
        let loaded = try LoadedModel(modelPath: test.model, config: config)
        #expect(loaded.runtime.inputs.map(\.name) == ["x"])
        try loaded.runtime.setInput(0, test.x)
        loaded.runtime.run()
        #expect(Array(loaded.runtime.output(0)) == test.expected)
        // Another value is another model: axes = [2] sums the last axis.
        let other = try LoadedModel(modelPath: test.model, config: ModelConfig(constants: ["axes": .numbers([2])]))
        #expect(other.runtime.outputs[0].shape == [2, 3])
    }

    @Test func theCommandLineFixesInputsFromFilesAndDataSets() throws {
        let test = try Case()
        defer { test.remove() }
        var (status, out, err) = try kilnc(["verify", test.model, "--constant-from-data", "axes"])
        #expect(status == 0, "\(out)\(err)")
        let outputs = "\(test.folder)/out"
        (status, out, err) = try kilnc([
            "run", test.model, "--constant", "axes=\(test.data)/input_1.pb", "--inputs", test.data, "--outputs", outputs,
        ])
        #expect(status == 0, "\(out)\(err)")
        let result = try TensorFile.read(path: "\(outputs)/output_0.pb")
        #expect(result.data.floats == test.expected)
        // The config file beside the model works the same way.
        try Data(#"{"constants": {"axes": [1]}}"#.utf8).write(to: URL(fileURLWithPath: "\(test.folder)/model.kiln.json"))
        (status, out, err) = try kilnc(["verify", test.model])
        #expect(status == 0, "\(out)\(err)")
    }

    @Test(arguments: [
        (#"{"constants": {"axes": [1, 2]}}"#, "the constant for input 'axes' has 2 value(s), but the input is declared int64[1]"),
        (#"{"constants": {"axes": [1.5]}}"#, "the constant for input 'axes' holds 1.5, which is not an exact int64 value"),
        (#"{"constants": {"axis": [1]}}"#, "constants name 'axis', which the model has no graph input called"),
        (#"{"constants": {"axes": "one"}}"#, "'constants.axes' must be of type"),
    ])
    func badConstantsAreErrorsNamingTheInput(_ config: String, _ message: String) throws {
        let test = try Case()
        defer { test.remove() }
        let path = "\(test.folder)/model.kiln.json"
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        let (status, _, err) = try kilnc(["verify", test.model])
        #expect(status == 3, "\(err)")
        #expect(err.contains(message), "\(err)")
    }
}
