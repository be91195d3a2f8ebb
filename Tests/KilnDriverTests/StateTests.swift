// State pairs from the config: what the numeric fixtures under
// Fixtures/state/ do not show (the copy a call ends with when the state
// cannot be computed in place, config errors, the generated API, advice).

import Foundation
@testable import KilnCompiler
import KilnDriver
import Testing

@testable import Kiln

@Suite struct StateTests {
    /// A running sum that also reads the old sum after the new one is made:
    /// s_out = s_in + x, y = s_out · s_in.
    func writeRunningSum() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-state-\(UUID().uuidString).onnx").path
        func node(_ op: String, _ inputs: [String], _ output: String) -> Onnx_NodeProto {
            var node = Onnx_NodeProto()
            node.opType = op
            node.name = output + "_node"
            node.input = inputs
            node.output = [output]
            return node
        }
        try writeONNXModel(
            to: path, nodes: [node("Add", ["s_in", "x"], "s_out"), node("Mul", ["s_out", "s_in"], "y")],
            inputs: [onnxValueInfo("x", .float32, [4]), onnxValueInfo("s_in", .float32, [4])],
            outputs: [onnxValueInfo("y", .float32, [4]), onnxValueInfo("s_out", .float32, [4])])
        return path
    }

    let pairs = [ModelConfig.State(input: "s_in", output: "s_out")]

    @Test func aStateReadAfterItsOutputIsMadeIsCopiedAtTheEndOfTheCall() throws {
        let path = try writeRunningSum()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let prepared = try Compiler.prepare(modelPath: path, config: ModelConfig(state: pairs))
        let plan = Compiler.schedule(prepared, target: .host).plan
        let (input, output) = (prepared.graph.inputs[1], prepared.graph.outputs[1])
        #expect(plan.offsets[input] == 0 && plan.stateBytes == 16)
        #expect(plan.offsets[output] != plan.offsets[input], "s_in is read after s_out is written: no room in place")

        let loaded = try LoadedModel(modelPath: path, config: ModelConfig(state: pairs))
        let model = loaded.runtime
        #expect(model.inputs.map(\.name) == ["x"])
        #expect(model.outputs.map(\.name) == ["y"])
        #expect(model.statePairs == [KilnStatePair(input: "s_in", output: "s_out", byteCount: 16)])
        var sum: [Float] = [0, 0, 0, 0]
        for step in 0..<5 {
            let x = (0..<4).map { Float(step * 4 + $0) - 6 }
            try model.setInput(0, x)
            model.run()
            let next = zip(sum, x).map { $0 + $1 }
            #expect(Array(model.output(0)) == zip(next, sum).map { $0 * $1 }, "step \(step)")
            sum = next
        }
        let snapshot = model.stateSnapshot()
        #expect(snapshot.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == sum)
        model.resetState()
        #expect(model.stateSnapshot().bytes == [UInt8](repeating: 0, count: 16))
        try model.restoreState(snapshot)
        try model.setInput(0, [Float](repeating: 1, count: 4))
        model.run()
        #expect(Array(model.output(0)) == sum.map { ($0 + 1) * $0 })

        let other = try LoadedModel(modelPath: path)
        #expect(throws: KilnError.self) { try other.runtime.restoreState(snapshot) }
    }

    /// A one-step delay through views: y = Reshape(s_in), s_out = Reshape(x).
    /// y must be the previous x, though y would share s_in's bytes and s_out
    /// is written into them: the output gets its own copy.
    @Test func anOutputViewingAStateInputReadsTheOldState() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-delay-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        func shape(_ name: String, _ dims: [Int64]) -> Onnx_TensorProto {
            var tensor = Onnx_TensorProto()
            (tensor.name, tensor.dims, tensor.dataType, tensor.int64Data) = (name, [Int64(dims.count)], 7, dims)
            return tensor
        }
        func reshape(_ input: String, _ target: String, _ output: String) -> Onnx_NodeProto {
            var node = Onnx_NodeProto()
            (node.opType, node.name, node.input, node.output) = ("Reshape", output + "_node", [input, target], [output])
            return node
        }
        try writeONNXModel(
            to: path, nodes: [reshape("s_in", "flat", "y"), reshape("x", "square", "s_out")],
            inputs: [onnxValueInfo("x", .float32, [4]), onnxValueInfo("s_in", .float32, [2, 2])],
            outputs: [onnxValueInfo("y", .float32, [4]), onnxValueInfo("s_out", .float32, [2, 2])],
            initializers: [shape("flat", [4]), shape("square", [2, 2])])
        // The loaded shared object must outlive the calls.
        let loaded = try LoadedModel(modelPath: path, config: ModelConfig(state: [.init(input: "s_in", output: "s_out")]))
        let model = loaded.runtime
        var previous: [Float] = [0, 0, 0, 0]
        for step in 0..<4 {
            let x = (0..<4).map { Float(step * 10 + $0) }
            try model.setInput(0, x)
            model.run()
            #expect(Array(model.output(0)) == previous, "step \(step)")
            previous = x
        }
    }

    @Test func configErrorsNameTheStateAndWhatTheModelHas() throws {
        let path = try writeRunningSum()
        defer { try? FileManager.default.removeItem(atPath: path) }
        func message(_ config: ModelConfig) -> String {
            do {
                _ = try Compiler.prepare(modelPath: path, config: config)
                return "compiled"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(ModelConfig(state: [.init(input: "h", output: "s_out")])).contains(
            "state input 'h' is no graph input of the model; its inputs are 'x', 's_in'"))
        #expect(message(ModelConfig(state: [.init(input: "s_in", output: "h")])).contains(
            "state output 'h' is no graph output of the model; its outputs are 'y', 's_out'"))
        #expect(message(ModelConfig(state: [.init(input: "x", output: "y")])).contains("compiled"))
        #expect(message(ModelConfig(constants: ["s_in": .numbers([0, 0, 0, 0])], state: pairs)).contains(
            "also fixed by constants"))
        // Same element count, another shape: the next call could not read it.
        let reshaped = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-state-\(UUID().uuidString).onnx")
            .path
        defer { try? FileManager.default.removeItem(atPath: reshaped) }
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = ("Flatten", "flatten", ["s_in"], ["s_out"])
        var axis = Onnx_AttributeProto()
        (axis.name, axis.type, axis.i) = ("axis", .int, 0)
        node.attribute = [axis]
        try writeONNXModel(
            to: reshaped, nodes: [node], inputs: [onnxValueInfo("s_in", .float32, [2, 2])],
            outputs: [onnxValueInfo("s_out", .float32, [1, 4])])
        #expect(throws: CompileError.self) { try Compiler.prepare(modelPath: reshaped, config: ModelConfig(state: pairs)) }
        do {
            _ = try Compiler.prepare(modelPath: reshaped, config: ModelConfig(state: pairs))
        } catch {
            #expect("\(error)".contains("state pairs input 's_in' (float32[2,2]) with output 's_out' (float32[1,4])"))
        }

        let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).kiln.json")
        defer { try? FileManager.default.removeItem(at: configPath) }
        for (json, expected) in [
            (#"{"state": [{"input": "s_in"}]}"#, #"state[0] must be an object with exactly the keys "input" and "output""#),
            (#"{"state": [{"input": "s_in", "output": "s_out", "size": 3}]}"#, "state[0] must be an object"),
            (#"{"state": [{"input": "a", "output": "b"}, {"input": "a", "output": "c"}]}"#, "state names 'a' more than once"),
            (#"{"state": [{"input": "s_in", "output": "s_out"}], "rename": {"s_in": "sum"}}"#, "which is state"),
        ] {
            try Data(json.utf8).write(to: configPath)
            #expect(throws: CompileError.self) { try ModelConfig.load(path: configPath.path) }
            do { _ = try ModelConfig.load(path: configPath.path) } catch { #expect("\(error)".contains(expected), "\(json)") }
        }
    }

    @Test func theGeneratedAPIHidesStateAndControlsIt() throws {
        let path = try writeRunningSum()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plain = try Compiler.prepare(modelPath: path)
        let prepared = try Compiler.prepare(modelPath: path, config: ModelConfig(state: pairs))
        let source = SwiftAPIEmitter.source(for: prepared, module: "Models", className: "SumModel")
        #expect(source.contains("func predict(x: some Collection<Float>) throws(KilnError) -> Outputs"))
        #expect(!source.contains("var sIn:") && !source.contains("var sOut:"))
        #expect(source.contains("/// - `s_in` ← `s_out`: float32 [4]"))
        for member in ["func resetState()", "func stateSnapshot() -> KilnStateSnapshot", "func restoreState(_ snapshot: KilnStateSnapshot) throws(KilnError)"] {
            #expect(source.contains(member))
            #expect(!SwiftAPIEmitter.source(for: plain, module: "Models", className: "SumModel").contains(member))
        }
    }

    @Test func buildAdviceSuggestsPairsTheConfigCouldDeclare() throws {
        let path = try writeRunningSum()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let advice = try Compiler.prepare(modelPath: path).advice
        #expect(advice.count == 1)
        #expect(advice.first?.description.contains(#"{"state": [{"input": "s_in", "output": "s_out"}]}"#) == true)
        #expect(try Compiler.prepare(modelPath: path, config: ModelConfig(state: pairs)).advice.isEmpty)
        #expect(try Compiler.prepare(modelPath: path, config: ModelConfig(state: [])).advice.isEmpty)
        #expect(StateAdvice.stem("past_key_values.3.value") == StateAdvice.stem("present.3.value"))
        #expect(StateAdvice.stem("hiddenIn") == StateAdvice.stem("hidden_out"))
        #expect(StateAdvice.stem("h_in") != StateAdvice.stem("c_out"))
    }
}
