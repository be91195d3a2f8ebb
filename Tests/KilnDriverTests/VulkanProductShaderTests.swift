// Matrix products on Vulkan (MatMul, Gemm, 1×1 convolutions, Winograd's
// batched products) have two layouts: 64 × 64 workgroup tiles staging
// panels of A and B in workgroup memory on a GPU, register tiles on a CPU
// device. lavapipe takes the second by default; kilnc processes with
// KILN_VULKAN_SHAPES=gpu run the first there, so both are checked against
// the CPU at edges the tiles meet: sizes that are not multiples of a tile
// or a panel, transposed operands, broadcast batches, constant weights.

import Foundation
@testable import KilnCompiler
import Testing

@Suite struct VulkanProductShaderTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var op: String
        var inputs: [TensorData]
        var output: [Int]
        var attributes: [Onnx_AttributeProto] = []
        var constants: [TensorData] = []
        /// Whether a GPU gets workgroup tiles for it.
        var tiles = true
        /// Whether it runs as Winograd's three shaders.
        var winograd = false
        var description: String { name }
    }

    static func values(_ shape: [Int], seed: Int) -> TensorData {
        TensorData(shape: shape, floats: VulkanRowShaderTests.values(shape.reduce(1, *), seed: seed).map { $0 / 4 })
    }

    static func attribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.i) = (name, .int, Int64(value))
        return attribute
    }

    static func attribute(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.f) = (name, .float, value)
        return attribute
    }

    static func attribute(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.ints) = (name, .ints, values.map(Int64.init))
        return attribute
    }

    static let cases: [Case] = [
        // m, n and k past whole tiles and panels: partial tiles, zero-filled panels.
        Case(name: "MatMul 130×70 · 70×100", op: "MatMul", inputs: [values([130, 70], seed: 1), values([70, 100], seed: 2)], output: [130, 100]),
        Case(name: "MatMul 128×64 · 64×192", op: "MatMul", inputs: [values([128, 64], seed: 3), values([64, 192], seed: 4)], output: [128, 192]),
        Case(
            name: "MatMul broadcast batches", op: "MatMul", inputs: [values([3, 1, 65, 40], seed: 5), values([4, 40, 66], seed: 6)],
            output: [3, 4, 65, 66]),
        // Both operands transposed: panels read along the other axis.
        Case(
            name: "Gemm transA transB alpha beta", op: "Gemm", inputs: [values([45, 96], seed: 7), values([80, 45], seed: 8)],
            output: [96, 80],
            attributes: [attribute("transA", 1), attribute("transB", 1), attribute("alpha", Float(0.5)), attribute("beta", Float(2))],
            constants: [values([80], seed: 9)]),
        Case(
            name: "Gemm constant weights", op: "Gemm", inputs: [values([40, 33], seed: 10)], output: [40, 72],
            constants: [values([33, 72], seed: 11), values([40, 72], seed: 12)]),
        // A classifier's single row: register tiles everywhere.
        Case(name: "MatMul one row", op: "MatMul", inputs: [values([1, 256], seed: 13), values([256, 100], seed: 14)], output: [1, 100], tiles: false),
        Case(
            name: "Conv 1×1", op: "Conv", inputs: [values([1, 48, 20, 20], seed: 15)], output: [1, 64, 20, 20],
            attributes: [attribute("kernel_shape", [1, 1])],
            constants: [values([64, 48, 1, 1], seed: 16), values([64], seed: 17)]),
        Case(
            name: "Conv 3×3 Winograd", op: "Conv", inputs: [values([1, 32, 36, 36], seed: 18)], output: [1, 40, 36, 36],
            attributes: [attribute("kernel_shape", [3, 3]), attribute("pads", [1, 1, 1, 1])],
            constants: [values([40, 32, 3, 3], seed: 19), values([40], seed: 20)], winograd: true),
        // Direct convolutions: on a GPU an implicit product, each window element read as its panel needs it.
        Case(
            name: "Conv 3×3 stride 2", op: "Conv", inputs: [values([1, 16, 33, 33], seed: 21)], output: [1, 48, 17, 17],
            attributes: [attribute("kernel_shape", [3, 3]), attribute("pads", [1, 1, 1, 1]), attribute("strides", [2, 2])],
            constants: [values([48, 16, 3, 3], seed: 22), values([48], seed: 23)]),
        Case(
            name: "Conv 7×7 stride 2, two images", op: "Conv", inputs: [values([2, 3, 40, 38], seed: 24)], output: [2, 32, 20, 19],
            attributes: [attribute("kernel_shape", [7, 7]), attribute("pads", [3, 3, 3, 3]), attribute("strides", [2, 2])],
            constants: [values([32, 3, 7, 7], seed: 25)]),
        Case(
            name: "Conv 3×3 dilated, asymmetric padding", op: "Conv", inputs: [values([1, 20, 24, 24], seed: 26)],
            output: [1, 40, 21, 23],
            attributes: [attribute("kernel_shape", [3, 3]), attribute("dilations", [2, 2]), attribute("pads", [0, 1, 1, 2])],
            constants: [values([40, 20, 3, 3], seed: 27), values([40], seed: 28)]),
        // Small images the CPU build runs with vectors along output channels:
        // the shaders read its weights, packed in chunks of output channels
        // (a chunk per batch matrix of a 1×1 product; the direct shader's blocks inside them).
        Case(
            name: "Conv 1×1 over the CPU's chunks, two images", op: "Conv", inputs: [values([2, 960, 7, 7], seed: 31)],
            output: [2, 160, 7, 7], attributes: [attribute("kernel_shape", [1, 1])],
            constants: [values([160, 960, 1, 1], seed: 32), values([160], seed: 33)]),
        Case(
            name: "Conv 3×3 stride 2 over the CPU's chunks", op: "Conv", inputs: [values([1, 64, 15, 15], seed: 34)],
            output: [1, 256, 8, 8],
            attributes: [attribute("kernel_shape", [3, 3]), attribute("pads", [1, 1, 1, 1]), attribute("strides", [2, 2])],
            constants: [values([256, 64, 3, 3], seed: 35), values([256], seed: 36)]),
        // Two groups: the direct shader everywhere.
        Case(
            name: "Conv grouped", op: "Conv", inputs: [values([1, 32, 20, 20], seed: 29)], output: [1, 64, 10, 10],
            attributes: [
                attribute("kernel_shape", [3, 3]), attribute("pads", [1, 1, 1, 1]), attribute("strides", [2, 2]), attribute("group", 2),
            ],
            constants: [values([64, 16, 3, 3], seed: 30)], tiles: false),
    ]

    @Test(arguments: cases)
    func bothLayoutsMatchTheCPU(_ test: Case) throws {
        let (directory, model) = try VulkanRowShaderTests.writeFixture(
            test.op, test.inputs, output: test.output, attributes: test.attributes, constants: test.constants)
        defer { try? FileManager.default.removeItem(at: directory) }
        let build = try VulkanRowShaderTests.vulkanBuild(model)
        let shaped = build.dispatches.contains { dispatch in dispatch.cpuDeviceWorkgroups.map { _ in true } ?? false }
        #expect(shaped == test.tiles, "\(test): workgroup tiles \(shaped ? "used" : "not used")")
        #expect(build.dispatches.contains { $0.isWinograd } == test.winograd, "\(test): Winograd")

        // Products combine no lanes: no subgroup variant, so the GPU layout runs once.
        let layouts = VulkanRowShaderTests.layouts.filter { $0["KILN_VULKAN_SUBGROUPS"] != "0" }
        for failure in try VulkanRowShaderTests.verifyInEveryLayout(model, atol: "1e-4", layouts: layouts) {
            Issue.record("\(test): \(failure)")
        }
    }

    @Test func tileCountsCoverTheOutput() throws {
        let (directory, model) = try VulkanRowShaderTests.writeFixture(
            "MatMul", Self.cases[2].inputs, output: Self.cases[2].output)
        defer { try? FileManager.default.removeItem(at: directory) }
        let build = try VulkanRowShaderTests.vulkanBuild(model)
        let dispatch = try #require(build.dispatches.first)
        // 66 columns and 65 rows: two 64-wide tiles each way, per matrix of the 3 × 4 batch.
        let counts: [Int] = [dispatch.workgroups.x, dispatch.workgroups.y, dispatch.workgroups.z]
        #expect(counts == [2, 2, 12])
    }
}
