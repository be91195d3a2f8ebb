// A few long rows (a classifier's softmax, a reduction to a handful of
// values) get a workgroup each on Vulkan: on a GPU its lanes share the row
// and combine through workgroup memory; on a CPU device (lavapipe) lane 0
// walks the row alone, which lavapipe runs faster. Many short rows keep an
// invocation each. On a device with subgroup arithmetic (lavapipe has it)
// the lanes combine by subgroup reductions instead. Every layout must match
// the CPU: the in-process runs take lavapipe's default, and kilnc processes
// with KILN_VULKAN_SHAPES and KILN_VULKAN_SUBGROUPS force each.

import Foundation
@_spi(Testing) import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanRowShaderTests {
    let typed = VulkanTypedMathTests()

    /// Many short rows: an invocation each, and no subgroup form.
    static let shortRows = Case(
        op: "Softmax", input: TensorData(shape: [100, 70], floats: values(7000)), output: [100, 70])

    /// Values in [-4, 4) with a spread of magnitudes, the same on every run.
    static func values(_ count: Int, seed: Int = 1) -> [Float] {
        (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 8192) / 1024 - 4 }
    }

    struct Case: CustomStringConvertible, Sendable {
        var op: String
        var input: TensorData
        var output: [Int]
        var attributes: [Onnx_AttributeProto] = []
        var constants: [TensorData] = []
        var description: String { "\(op) \(input.shape)" }
    }

    static let axis1 = TensorData(shape: [1], int64s: [1])
    static let cases: [Case] = {
        var withPeaks = values(2 * 777)
        withPeaks[776] = 100  // the last lane's last element holds the row's largest
        withPeaks[777 + 300] = .nan  // a NaN must reach every lane of its row
        var axis = Onnx_AttributeProto()
        (axis.name, axis.type, axis.i) = ("axis", .int, 1)
        let long = TensorData(shape: [3, 5000], floats: values(15_000, seed: 2))
        return [
            Case(op: "Softmax", input: TensorData(shape: [2, 1000], floats: values(2000)), output: [2, 1000]),
            Case(op: "Softmax", input: TensorData(shape: [2, 777], floats: withPeaks), output: [2, 777]),
            Case(op: "ReduceMax", input: TensorData(shape: [2, 777], floats: withPeaks), output: [2, 1], constants: [axis1]),
            Case(op: "ReduceMin", input: TensorData(shape: [2, 777], floats: withPeaks), output: [2, 1], constants: [axis1]),
            Case(
                op: "LayerNormalization", input: TensorData(shape: [4, 300], floats: values(1200, seed: 3)), output: [4, 300],
                attributes: [axis],
                constants: [TensorData(shape: [300], floats: values(300, seed: 4)), TensorData(shape: [300], floats: values(300, seed: 5))]),
        ]
            + ["ReduceSum", "ReduceMin", "ReduceMean", "ReduceLogSumExp", "ReduceL2", "ReduceSumSquare", "ReduceL1"].map {
                Case(op: $0, input: long, output: [3, 1], constants: [axis1])
            }
            // Factors near 1, so 5000 of them stay finite.
            + [Case(op: "ReduceProd", input: TensorData(shape: [3, 5000], floats: long.floats.map { 1 + $0 / 4000 }), output: [3, 1], constants: [axis1])]
    }()

    /// One node as a model with the CPU's outputs as its references (the
    /// ONNX test_data_set layout), so `kilnc verify` checks a Vulkan run against them.
    static func writeFixture(
        _ op: String, _ inputs: [TensorData], output: [Int], attributes: [Onnx_AttributeProto] = [], constants: [TensorData] = []
    ) throws -> (directory: URL, model: String) {
        let path = try VulkanTypedMathTests.writeModel(op, inputs, output: (.float32, output), attributes: attributes, constants: constants)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-shapes-\(UUID())")
        let data = directory.appendingPathComponent("test_data_set_0")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let model = directory.appendingPathComponent("model.onnx").path
        try FileManager.default.moveItem(atPath: path, toPath: model)
        let loaded = try LoadedModel(modelPath: model, config: ModelConfig(), device: .cpu)
        for (index, input) in inputs.enumerated() {
            try loaded.runtime.setInput(index, from: input)
            try TensorFile(name: "x\(index)", data: input).write(path: data.appendingPathComponent("input_\(index).pb").path)
        }
        loaded.runtime.run()
        try TensorFile(name: "y", data: try loaded.runtime.outputData(0)).write(path: data.appendingPathComponent("output_0.pb").path)
        return (directory, model)
    }

    /// The layouts a Vulkan build can run in, as the executor's environment picks them.
    static let layouts: [[String: String]] = [
        ["KILN_VULKAN_SHAPES": "gpu", "KILN_VULKAN_SUBGROUPS": "1"],
        ["KILN_VULKAN_SHAPES": "gpu", "KILN_VULKAN_SUBGROUPS": "0"],
        ["KILN_VULKAN_SHAPES": "cpu"],
    ]

    /// `kilnc verify` of `model` on Vulkan with the shaders in their GPU
    /// layouts (with subgroup operations where lavapipe has them, and
    /// without) and their CPU-device ones: failures, if any. Under the
    /// validation layer (`make check-vulkan-validation`), what it reports in
    /// the kilnc process fails too.
    static func verifyInEveryLayout(
        _ model: String, rtol: String = "1e-4", atol: String = "1e-5", layouts: [[String: String]] = layouts
    ) throws -> [String] {
        try layouts.compactMap { environment in
            let (status, out, err) = try kilnc(
                ["verify", model, "--device", "vulkan", "--rtol", rtol, "--atol", atol], environment: environment)
            let reported = (out + err).contains("VUID-") || (out + err).contains("Validation Error")
            return status == 0 && out.contains(": ok (0/") && !reported ? nil : "\(environment): \(out) \(err)"
        }
    }

    @Test(arguments: cases)
    func fewLongRowsMatchTheCPUInEveryLayout(_ test: Case) throws {
        let (cpu, vulkan) = try typed.run(test.op, [test.input], output: (.float32, test.output), attributes: test.attributes, constants: test.constants)
        let worst = zip(cpu.floats, vulkan.floats).map { $0 == $1 || ($0.isNaN && $1.isNaN) ? 0 : abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst <= 1e-4, "\(test): worst relative error \(worst)")

        let (directory, model) = try Self.writeFixture(
            test.op, [test.input], output: test.output, attributes: test.attributes, constants: test.constants)
        defer { try? FileManager.default.removeItem(at: directory) }
        for failure in try Self.verifyInEveryLayout(model) { Issue.record("\(test): \(failure)") }
    }

    /// The Vulkan build of the model at `modelPath`.
    static func vulkanBuild(_ modelPath: String) throws -> VulkanBuild {
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        return try VulkanBackend.compile(Compiler.schedule(Compiler.prepare(modelPath: modelPath, config: config), target: .host)).get()
    }

    /// The workgroups the node's first shader is dispatched over.
    func workgroups(_ test: Case) throws -> Int {
        let first = try dispatch(test)
        return first.workgroups.x * first.workgroups.y * first.workgroups.z
    }

    /// The node's first dispatch in its Vulkan build, and the region its code lies in.
    func dispatchAndRegion(_ test: Case) throws -> (VulkanBuild.Dispatch, [UInt8]) {
        let path = try VulkanTypedMathTests.writeModel(test.op, [test.input], output: (.float32, test.output), constants: test.constants)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let build = try Self.vulkanBuild(path)
        return (try #require(build.dispatches.first), build.region)
    }

    func dispatch(_ test: Case) throws -> VulkanBuild.Dispatch { try dispatchAndRegion(test).0 }

    /// Rows whose lanes combine get a variant with subgroup operations, which
    /// lavapipe runs (so the tests above reach it), and both forms pass spirv-val.
    @Test func combiningLanesBringsASubgroupVariant() throws {
        #expect(try KilnVulkan.selectDevice().subgroupArithmetic, "lavapipe should offer subgroup arithmetic")
        let (long, region) = try dispatchAndRegion(Self.cases[0])
        let subgroups = try #require(long.subgroupCode, "a softmax over 2 rows of 1000 has no subgroup variant")
        for code in [long.code, subgroups] {
            let (passed, output) = try SPIRVValidator.validate(Array(region[code.offset..<(code.offset + code.size)]))
            #expect(passed, "\(output)")
        }
        let short = Self.shortRows
        #expect(try dispatch(short).subgroupCode == nil)
    }

    /// A driver that reports subgroup arithmetic but cannot compile modules
    /// using it: the executor compiles every dispatch's other form instead,
    /// and the answers are the CPU's all the same.
    @Test func aDriverRejectingSubgroupModulesGetsTheOtherForms() throws {
        let long = Self.cases[0]
        let short = Self.shortRows
        // Two nodes, so two pipelines: the long rows' with a subgroup form, the short rows' without.
        let nodes = [("long", long), ("short", short)].enumerated().map { index, pair in
            var node = Onnx_NodeProto()
            (node.opType, node.name, node.input, node.output) = ("Softmax", pair.0, ["x\(index)"], ["y\(index)"])
            return node
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-rejected-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeONNXModel(
            to: path, nodes: nodes,
            inputs: [onnxValueInfo("x0", .float32, [2, 1000]), onnxValueInfo("x1", .float32, [100, 70])],
            outputs: [onnxValueInfo("y0", .float32, [2, 1000]), onnxValueInfo("y1", .float32, [100, 70])],
            initializers: [], opset: 18)
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let loaded = try LoadedModel(modelPath: path, config: config, device: .cpu)
        try loaded.runtime.setInput(0, from: long.input)
        try loaded.runtime.setInput(1, from: short.input)
        loaded.runtime.run()
        for rejecting in [false, true] {
            let runtime = try KilnModel(
                descriptor: loaded.descriptor, threads: .inline, minimumOperationsPerWorker: 1, device: .vulkan,
                rejectingSubgroupModules: rejecting)
            // lavapipe does subgroup arithmetic (combiningLanesBringsASubgroupVariant checks).
            #expect(runtime.vulkanRunsSubgroupForms == !rejecting)
            try runtime.setInput(0, from: long.input)
            try runtime.setInput(1, from: short.input)
            runtime.run()
            for output in 0..<2 {
                let cpu = try loaded.runtime.outputData(output).floats
                let vulkan = try runtime.outputData(output).floats
                let worst = zip(cpu, vulkan).map { abs($0 - $1) }.max() ?? .infinity
                #expect(
                    cpu.count == vulkan.count && worst <= 1e-6, "rejecting \(rejecting), output \(output): \(worst)")
            }
        }
    }

    @Test func aWorkgroupPerLongRowAnInvocationPerShortOne() throws {
        #expect(try workgroups(Self.cases[0]) == 2)
        let short = Self.shortRows
        #expect(try workgroups(short) == 2)
        let (cpu, vulkan) = try typed.run(short.op, [short.input], output: (.float32, short.output))
        let worst = zip(cpu.floats, vulkan.floats).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6)
    }
}
