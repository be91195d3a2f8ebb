// Choices the Vulkan backend makes that the fixtures' numbers alone would
// not reveal: convolutions the CPU build runs as Winograd run as Winograd on
// Vulkan too (unless the transformed weights would pass the storage range
// every device binds: then those with the most weights leave it first), and a dispatch with more blocks of rows than a
// dispatch's 65535 workgroups numbers them along x instead of refusing.

import Foundation
import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanShaderChoiceTests {
    func vulkanBuild(_ folder: String, storageRange: Int = VulkanBackend.storageRangeEveryDeviceHas) throws -> VulkanBuild {
        let fixture = try #require(FixtureCase.all.first { $0.folder == folder })
        let prepared = try Compiler.prepare(modelPath: fixture.modelPath, config: VulkanFixtureTests.vulkanConfig(fixture))
        return try VulkanBackend.compile(Compiler.schedule(prepared, target: .host), storageRange: storageRange).get()
    }

    @Test(arguments: ["ops/conv_winograd", "ops/conv_winograd_f2", "ops/conv_winograd_asymmetric", "ops/conv_winograd_batch2_valid"])
    func winogradConvolutionsRunAsWinograd(_ folder: String) throws {
        let names = try vulkanBuild(folder).dispatches.map(\.name)
        for step in ["winograd-input", "winograd-gemm", "winograd-output"] {
            #expect(names.contains { $0.hasSuffix(" \(step))") }, "\(folder): \(names)")
        }
    }

    @Test func winogradStaysOffWhereItsWeightsPassTheStorageRange() throws {
        let winograd = try vulkanBuild("ops/conv_winograd")
        let footprint = max(winograd.region.count, winograd.arenaSize)
        let direct = try vulkanBuild("ops/conv_winograd", storageRange: footprint - 1)
        #expect(!direct.dispatches.contains { $0.name.contains(" winograd-") }, "\(direct.dispatches.map(\.name))")
        // F(4,3) stores 36 transformed taps per (output, input) channel pair where the kernel has 9, and needs scratch.
        #expect(max(direct.region.count, direct.arenaSize) < footprint)
        // Where the direct shaders would not fit either, Winograd stays, for the devices that bind more.
        let tooLarge = try vulkanBuild("ops/conv_winograd", storageRange: 16)
        #expect(tooLarge.dispatches.contains { $0.name.contains(" winograd-") })
    }

    /// Two F(4,3) Winograd convolutions (4 times their kernels' weights), one
    /// with 4 times the other's: in a storage range one byte short of both,
    /// the larger goes back to the direct shader and the smaller keeps Winograd.
    @Test func theConvolutionWithTheMostWeightsLeavesWinogradFirst() throws {
        func weights(_ name: String, _ shape: [Int64]) -> Onnx_TensorProto {
            var proto = Onnx_TensorProto()
            (proto.name, proto.dataType, proto.dims) = (name, 1, shape)
            proto.floatData = VulkanRowShaderTests.values(Int(shape.reduce(1, *)), seed: shape.count).map { $0 / 24 }
            return proto
        }
        let bounded = BoundedDimsTests()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-two-winograd-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeONNXModel(
            to: path,
            nodes: [
                bounded.node("Conv", ["x", "wa"], "a", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
                bounded.node("Conv", ["a", "wb"], "y", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]]),
            ],
            inputs: [onnxValueInfo("x", .float32, [1, 256, 16, 16])], outputs: [onnxValueInfo("y", .float32, [1, 64, 16, 16])],
            initializers: [weights("wa", [256, 256, 3, 3]), weights("wb", [64, 256, 3, 3])])
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let schedule = Compiler.schedule(try Compiler.prepare(modelPath: path, config: config), target: .host)
        let both = try VulkanBackend.compile(schedule).get()
        #expect(both.winogradNodes.count == 2)
        let footprint = max(both.region.count, both.arenaSize)
        let one = try VulkanBackend.compile(schedule, storageRange: footprint - 1).get()
        #expect(max(one.region.count, one.arenaSize) < footprint)
        // Nodes are named for their outputs: a's weights are 4 times y's.
        let names = one.dispatches.map(\.name)
        #expect(names.contains { $0.hasPrefix("a") && $0.hasSuffix("(Conv)") }, "\(names)")
        #expect(names.contains { $0.hasPrefix("y") && $0.hasSuffix("(Conv winograd-gemm)") }, "\(names)")
    }

    /// `a` · `b` (shapes [batch, m, k] and [batch, k, n]) by one MatMul node, on the CPU and on Vulkan.
    func matMul(_ a: [Float], _ b: [Float], batch: Int, m: Int, k: Int, n: Int) throws -> (cpu: [Float], vulkan: [Float]) {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = ("MatMul", "product", ["a", "b"], ["y"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-matmul-\(UUID()).onnx").path
        try writeONNXModel(
            to: path, nodes: [node],
            inputs: [onnxValueInfo("a", .float32, [batch, m, k]), onnxValueInfo("b", .float32, [batch, k, n])],
            outputs: [onnxValueInfo("y", .float32, [batch, m, n])])
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        var results: [[Float]] = []
        for device in [KilnDevice.cpu, .vulkan] {
            let loaded = try LoadedModel(modelPath: path, config: config, device: device)
            #expect(loaded.runtime.activeDevice == device)
            try loaded.runtime.setInput(0, a)
            try loaded.runtime.setInput(1, b)
            loaded.runtime.run()
            results.append(Array(loaded.runtime.output(0)))
        }
        return (results[0], results[1])
    }

    /// B's 12 columns are three four-float fetches: the second tile of 8
    /// columns reads columns 8–11 and, for its columns past the end, the
    /// last quad again (not past the matrix), storing only columns 8–11.
    @Test func aProductWhoseLastTileIsHalfAQuadRow() throws {
        let (batch, m, k, n) = (2, 8, 20, 12)
        // Small integers: every sum is exact, in any order.
        let a = (0..<(batch * m * k)).map { Float($0 % 7) - 3 }
        let b = (0..<(batch * k * n)).map { Float($0 % 5) - 2 }
        let (cpu, vulkan) = try matMul(a, b, batch: batch, m: m, k: k, n: n)
        #expect(cpu == vulkan)
        #expect(vulkan[(batch * m - 1) * n + 11] == (0..<k).reduce(0) { $0 + a[(batch * m - 1) * k + $1] * b[((batch - 1) * k + $1) * n + 11] })
    }

    /// A batched MatMul of 70 000 matrices of 8 rows: one block of rows
    /// each, more than a dispatch's y may count.
    @Test func rowsPastADispatchsWorkgroupLimitRun() throws {
        let (batch, m, k) = (70_000, 8, 2)
        let a = (0..<(batch * m * k)).map { Float($0 % 97) / 16 - 3 }
        let b = (0..<(batch * k)).map { Float($0 % 89) / 8 - 5 }
        let (cpu, vulkan) = try matMul(a, b, batch: batch, m: m, k: k, n: 1)
        let results = [cpu, vulkan]
        // Products of two terms with few mantissa bits: exact on both devices.
        #expect(results[0] == results[1])
        let i = batch - 1
        #expect(results[1][i * m + 3] == a[(i * m + 3) * k] * b[i * k] + a[(i * m + 3) * k + 1] * b[i * k + 1])
    }
}
