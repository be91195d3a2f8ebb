// The fixtures on Vulkan: each one compiled with `"backends": ["cpu",
// "vulkan"]` whose every node has a SPIR-V lowering runs on the machine's
// Vulkan device (Mesa's lavapipe here and in CI) and must match the same
// references as the CPU; every shader passes spirv-val. A fixture with a
// node the backend lacks must still build, for the CPU only, with a warning
// naming the node and op.

import CKiln
import Foundation
import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanFixtureTests {
    /// Fixtures small enough for lavapipe in `make test` (the whole networks run in the benchmarks).
    static let cases = FixtureCase.all.filter { !$0.tags.contains(.realModel) }

    /// Fixtures whose Vulkan build must exist: the backend's coverage may only grow.
    static let required = [
        "mlp", "lenet", "resnet_small", "digits", "bounded/cnn", "bounded/encoder", "state/gru_step", "state/lstm_step",
        "typed/argmax_axis1", "typed/argmax_keepdims0",
        // Integer, int64 and bool math, casts and Where (ShaderTypedMath), bools packed four to a word.
        "typed/add_int64", "typed/and_bool", "typed/cast_bool_to_float", "typed/cast_float_to_bool",
        "typed/cast_float_to_int64", "typed/cast_int64_to_float", "typed/equal_float", "typed/gather_axis1_int64_indices",
        "typed/gather_int64_indices", "typed/greater_int64", "typed/greater_or_equal_float", "typed/less_float_broadcast",
        "typed/less_or_equal_int32", "typed/mul_int32", "typed/not_bool", "typed/or_xor_bool", "typed/where_bool",
        "typed/argmin_select_last", "typed/cast_float16_to_float", "typed/cast_float_to_float16",
        "conformance/test_where_example", "conformance/test_cumsum_2d_int32", "conformance/test_cumprod_2d_int32",
        "conformance/test_gather_elements_0", "conformance/test_celu_float16", "conformance/test_add_int8",
        "conformance/test_bitshift_left_int8", "conformance/test_bitwise_not_2d", "conformance/test_mod_uint8",
        "conformance/test_hardmax_one_hot", "conformance/test_tril_one_row_neg", "conformance/test_top_k_same_values",
        "conformance/test_scatter_elements_with_axis", "conformance/test_scatternd_max_with_element_indices",
        "conformance/test_gathernd_example_int32", "conformance/test_col2im", "conformance/test_cast_INT2_to_INT8",
        "conformance/test_castlike_INT2_to_INT8", "conformance/test_isnan_float16", "conformance/test_isinf_float16",
        "conformance/test_dequantizelinear_e4m3fn_float16",
        // Ops whose constant operands (axes, bounds, shapes) are int64: the shaders never read them.
        "ops/expand_broadcast", "ops/pad_edge", "ops/slice_steps", "ops/log_softmax_axis1", "ops/castlike_to_int64",
        "ops/pow_int_exponent", "ops/lstm_bidirectional_lengths_peepholes", "ops/reduce_sum_axes_input",
    ]

    static func vulkanConfig(_ fixture: FixtureCase) -> ModelConfig {
        var config = fixture.config
        config.backends = [.cpu, .vulkan]
        return config
    }

    /// The SPIR-V modules of a loaded model's Vulkan build.
    static func shaders(_ descriptor: UnsafeRawPointer) -> [(name: String, bytes: [UInt8])] {
        let model = descriptor.assumingMemoryBound(to: KilnModelDescriptor.self).pointee
        guard let vulkan = model.vulkan?.pointee else { return [] }
        return (0..<Int(vulkan.executableCount)).compactMap { index in
            guard let executable = vulkan.executables?[index], let code = executable.code else { return nil }
            let bytes = Array(UnsafeRawBufferPointer(start: code, count: Int(executable.codeSize)))
            return (executable.name.map { String(cString: $0) } ?? "#\(index)", bytes)
        }
    }

    @Test(arguments: cases)
    func matchesReferenceOnVulkan(_ fixture: FixtureCase) throws {
        let prepared = try Compiler.prepare(modelPath: fixture.modelPath, config: Self.vulkanConfig(fixture))
        let loaded = try LoadedModel(prepared: prepared, device: .automatic)
        guard loaded.outputs.shaderNames != nil else {
            // No Vulkan build: the warning says which node kept it, and the CPU runs the model.
            let warning = try #require(loaded.outputs.advice.first { $0.message.hasPrefix("no Vulkan build") })
            #expect(warning.message.contains("node '"), "\(warning)")
            #expect(loaded.runtime.activeDevice == .cpu)
            #expect(!Self.required.contains(fixture.folder), "\(fixture) lost its Vulkan build: \(warning)")
            return
        }
        for shader in Self.shaders(loaded.descriptor) {
            let (passed, output) = try SPIRVValidator.validate(shader.bytes)
            #expect(passed, "\(fixture): shader \(shader.name): \(output)")
        }
        let runtime = try KilnModel(descriptor: loaded.descriptor, threads: .inline, device: .vulkan)
        #expect(runtime.activeDevice == .vulkan)
        #expect(runtime.fallbackReason == nil)
        try FixtureTests().check(fixture, runtime: runtime, context: "vulkan")
    }

    @Test func aCPUOnlyBuildSaysHowToGetAVulkanOne() throws {
        let lenet = try #require(FixtureCase.all.first { $0.folder == "lenet" })
        let loaded = try LoadedModel(modelPath: lenet.modelPath, config: lenet.config)
        #expect(loaded.outputs.shaderNames == nil)
        #expect { try KilnModel(descriptor: loaded.descriptor, device: .vulkan) } throws: { error in
            "\(error)".contains("was compiled without a Vulkan build; add \"backends\": [\"cpu\", \"vulkan\"]")
        }
        let automatic = try KilnModel(descriptor: loaded.descriptor, device: .automatic)
        #expect(automatic.activeDevice == .cpu)
        #expect(automatic.fallbackReason?.contains("compiled without a Vulkan build") == true)
        #expect(automatic.vulkanDevice == nil)
    }

    /// A node without shaders (every core op has them now, so the build
    /// holds the scatter's op type off Vulkan): the model still builds, with a
    /// warning naming the node and op; `.vulkan` fails naming them too, not
    /// blaming a config that asks for Vulkan; `.automatic` computes on the CPU.
    @Test func aNodeWithoutShadersLeavesTheModelToTheCPU() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-cpu-only-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = ("ScatterElements", "accumulate", ["a", "at", "u"], ["y"])
        var reduction = Onnx_AttributeProto()
        (reduction.name, reduction.type, reduction.s) = ("reduction", .string, Data("add".utf8))
        node.attribute = [reduction]
        var at = Onnx_TensorProto()
        (at.name, at.dataType, at.dims, at.int64Data) = ("at", Int32(DType.int64.rawValue), [2], [1, 1])
        try writeONNXModel(
            to: path, nodes: [node], inputs: [onnxValueInfo("a", .float32, [4]), onnxValueInfo("u", .float32, [2])],
            outputs: [onnxValueInfo("y", .float32, [4])], initializers: [at], opset: 18)
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        var prepared = try Compiler.prepare(modelPath: path, config: config)
        prepared.opsWithoutShaders = ["ScatterElements"]
        #expect { try LoadedModel(prepared: prepared, device: .vulkan) } throws: { error in
            let said = "\(error)"
            return said.contains("no Vulkan build: node 'accumulate' (ScatterElements): ") && !said.contains("add \"backends\"")
        }
        let loaded = try LoadedModel(prepared: prepared, device: .automatic)
        #expect(loaded.outputs.shaderNames == nil)
        #expect(
            loaded.outputs.advice.contains { $0.message.hasPrefix("no Vulkan build: node 'accumulate' (ScatterElements): ") },
            "\(loaded.outputs.advice)")
        #expect(loaded.runtime.activeDevice == .cpu)
        // The binary says which node kept it off Vulkan, so a program's fallback reason names it too.
        let named = { (said: String) in
            said.contains("has no Vulkan build: node 'accumulate' (ScatterElements): ")
                && !said.contains("add \"backends\"")
        }
        #expect(named(loaded.runtime.fallbackReason ?? ""), "\(loaded.runtime.fallbackReason ?? "no reason")")
        #expect { try KilnModel(descriptor: loaded.descriptor, device: .vulkan) } throws: { named("\($0)") }
        try loaded.runtime.setInput(0, from: TensorData(shape: [4], floats: [1, 2, 3, 4]))
        try loaded.runtime.setInput(1, from: TensorData(shape: [2], floats: [10, 20]))
        loaded.runtime.run()
        #expect(try loaded.runtime.outputData(0).floats == [1, 32, 3, 4])
        // Without the hold the same model builds for Vulkan: the test reaches the path it means to.
        prepared.opsWithoutShaders = []
        #expect(try LoadedModel(prepared: prepared, device: .vulkan).runtime.activeDevice == .vulkan)
    }

    /// A constant both builds read raw (a MatMul's B) is stored once, in the
    /// Vulkan build's region, and the CPU build computes from that copy.
    @Test func rawConstantsAreStoredOnceForBothBuilds() throws {
        let (k, n) = (64, 1024)
        let a = TensorData(shape: [2, k], floats: (0..<(2 * k)).map { Float($0 % 13) / 4 - 1.5 })
        let b = TensorData(shape: [k, n], floats: (0..<(k * n)).map { Float(($0 * 7919) % 2003) / 1001 - 1 })
        let path = try VulkanTypedMathTests.writeModel("MatMul", [a], output: (.float32, [2, n]), constants: [b])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = 4 * k * n
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let both = try LoadedModel(modelPath: path, config: config, device: .vulkan)
        #expect(both.outputs.shaderNames != nil)
        #expect(both.outputs.weights.count >= bytes)
        #expect(both.outputs.weights.count < bytes * 3 / 2, "B is stored twice: \(both.outputs.weights.count) bytes for \(bytes)")
        try Self.expectSharedBytesComputeAlike(both: both, cpuOnly: LoadedModel(modelPath: path), input: a)
    }

    /// A classifier's constant B that Gemm transposes (transB = 1, PyTorch's
    /// Linear) is read by both builds as the CPU packs it, [K][N], stored
    /// once (MobileNetV2's is 5 MB).
    @Test func transposedGemmWeightsAreStoredOnceForBothBuilds() throws {
        let (k, n) = (64, 1024)
        let a = TensorData(shape: [2, k], floats: (0..<(2 * k)).map { Float($0 % 13) / 4 - 1.5 })
        let b = TensorData(shape: [n, k], floats: (0..<(k * n)).map { Float(($0 * 7919) % 2003) / 1001 - 1 })
        let path = try VulkanTypedMathTests.writeModel(
            "Gemm", [a], output: (.float32, [2, n]), attributes: [VulkanProductShaderTests.attribute("transB", 1)],
            constants: [b])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = 4 * k * n
        try Self.expectStoredOnce("B", modelAt: path, input: a, allowance: bytes / 2)
    }

    /// Convolutions over small images the CPU build runs with vectors along
    /// output channels, their weights packed in chunks of output channels
    /// (here two, with the default 1 MiB of L2): a 1×1 one (Vulkan's matrix
    /// product, a chunk per batch matrix) and a stride-2 3×3 one (its direct
    /// shader on a CPU device) read the CPU's chunks, stored once, biases included.
    @Test(arguments: [(channels: 960, outChannels: 160, side: 7, kernel: 1, stride: 1),
                      (channels: 64, outChannels: 256, side: 15, kernel: 3, stride: 2)])
    func channelVectorWeightsAreStoredOnceForBothBuilds(
        _ shape: (channels: Int, outChannels: Int, side: Int, kernel: Int, stride: Int)
    ) throws {
        let (channels, outChannels, side, kernel) = (shape.channels, shape.outChannels, shape.side, shape.kernel)
        let x = TensorData(
            shape: [1, channels, side, side], floats: (0..<(channels * side * side)).map { Float($0 % 17) / 8 - 1 })
        let w = TensorData(
            shape: [outChannels, channels, kernel, kernel],
            floats: (0..<(outChannels * channels * kernel * kernel)).map { Float(($0 * 7919) % 2003) / 40060 - 0.025 })
        let bias = TensorData(shape: [outChannels], floats: (0..<outChannels).map { Float($0) / 64 - 1 })
        let pad = kernel / 2
        let outSide = (side + 2 * pad - kernel) / shape.stride + 1
        let path = try VulkanTypedMathTests.writeModel(
            "Conv", [x], output: (.float32, [1, outChannels, outSide, outSide]),
            attributes: [
                VulkanProductShaderTests.attribute("strides", [shape.stride, shape.stride]),
                VulkanProductShaderTests.attribute("pads", [pad, pad, pad, pad]),
            ],
            constants: [w, bias])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let weightBytes = w.bytes.count
        // A direct convolution also keeps the raw kernel for a GPU's implicit product.
        let gpuCopy = kernel == 1 ? 0 : weightBytes
        try Self.expectStoredOnce("W", modelAt: path, input: x, allowance: gpuCopy + weightBytes / 2)
    }

    /// Builds the model at `path` for the CPU alone and for both backends,
    /// expects the second's weights within `allowance` bytes of the first's
    /// (`what` stored once) and both to compute alike; returns the CPU-only build.
    @discardableResult
    static func expectStoredOnce(
        _ what: String, modelAt path: String, input: TensorData, allowance: Int
    ) throws -> LoadedModel {
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let both = try LoadedModel(modelPath: path, config: config, device: .vulkan)
        let cpuOnly = try LoadedModel(modelPath: path)
        #expect(both.runtime.activeDevice == .vulkan)
        #expect(
            both.outputs.weights.count < cpuOnly.outputs.weights.count + allowance,
            "\(what) is stored twice: \(both.outputs.weights.count) bytes against \(cpuOnly.outputs.weights.count) for the CPU alone")
        try expectSharedBytesComputeAlike(both: both, cpuOnly: cpuOnly, input: input)
        return cpuOnly
    }

    /// The model with both builds computes on Vulkan what its CPU-only
    /// build does, within float32 rounding (the shaders add in another
    /// order), and its CPU build exactly that, from the bytes it shares.
    static func expectSharedBytesComputeAlike(both: LoadedModel, cpuOnly: LoadedModel, input: TensorData) throws {
        var results: [[Float]] = []
        for runtime in [cpuOnly.runtime, both.runtime, try KilnModel(descriptor: both.descriptor, device: .cpu)] {
            try runtime.setInput(0, from: input)
            runtime.run()
            results.append(try runtime.outputData(0).floats)
        }
        #expect(results[2] == results[0])
        #expect(zip(results[1], results[0]).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }

    /// A 3×3 convolution both builds run as Winograd reads the same
    /// transformed weights, stored once (ResNet-18's are 88 MB).
    @Test func winogradWeightsAreStoredOnceForBothBuilds() throws {
        let (channels, outChannels, side) = (32, 64, 18)
        let x = TensorData(
            shape: [1, channels, side, side], floats: (0..<(channels * side * side)).map { Float($0 % 17) / 8 - 1 })
        let w = TensorData(
            shape: [outChannels, channels, 3, 3],
            floats: (0..<(outChannels * channels * 9)).map { Float(($0 * 7919) % 2003) / 4006 - 0.25 })
        let path = try VulkanTypedMathTests.writeModel(
            "Conv", [x], output: (.float32, [1, outChannels, side - 2, side - 2]), constants: [w])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let transformedBytes = 36 * outChannels * channels * 4  // F(4,3): 6×6 positions
        let cpuOnly = try Self.expectStoredOnce("U", modelAt: path, input: x, allowance: transformedBytes / 2)
        #expect(cpuOnly.outputs.weights.count >= transformedBytes, "the CPU build is not Winograd's")
    }

    @Test func theBackendCoversTheCoreFixtures() throws {
        var lowered: [String] = []
        for fixture in Self.cases where fixture.tags.contains(.float32) || Self.required.contains(fixture.folder) {
            let prepared = try Compiler.prepare(modelPath: fixture.modelPath, config: Self.vulkanConfig(fixture))
            let schedule = Compiler.schedule(prepared, target: .host)
            if case .success = VulkanBackend.compile(schedule) { lowered.append(fixture.folder) }
        }
        let missing = Self.required.filter { !lowered.contains($0) }
        #expect(missing.isEmpty, "no Vulkan build for \(missing)")
    }
}
