// Integer, int64 and bool math on Vulkan against the CPU kernels, bit for
// bit, at the edges the fixtures do not reach: int64 computed as two words
// (carries, products, comparisons of the high and low words), conversions
// that saturate or round once, narrow integers wrapping at their width, a
// division by zero, and bools packed four to a word with a partial last word.

import Foundation
import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanTypedMathTests {
    /// One node over `inputs`, run on the CPU and on Vulkan: the two outputs' bytes.
    func run(
        _ opType: String, _ inputs: [TensorData], output: (DType, [Int]), attributes: [Onnx_AttributeProto] = []
    ) throws -> (cpu: TensorData, vulkan: TensorData) {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = "tested"
        node.input = inputs.indices.map { "x\($0)" }
        node.output = ["y"]
        node.attribute = attributes
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-typed-\(UUID()).onnx").path
        try writeONNXModel(
            to: path, nodes: [node],
            inputs: inputs.enumerated().map { onnxValueInfo("x\($0)", $1.dtype, $1.shape) },
            outputs: [onnxValueInfo("y", output.0, output.1)], opset: 18)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        var results: [TensorData] = []
        for device in [KilnDevice.cpu, .vulkan] {
            let loaded = try LoadedModel(modelPath: path, config: config, device: device)
            try #require(loaded.runtime.activeDevice == device, "\(opType): \(loaded.outputs.advice)")
            for (index, data) in inputs.enumerated() { try loaded.runtime.setInput(index, from: data) }
            loaded.runtime.run()
            results.append(try loaded.runtime.outputData(0))
        }
        return (results[0], results[1])
    }

    func toAttribute(_ dtype: DType) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = "to"
        attribute.type = .int
        attribute.i = Int64(dtype.rawValue)
        return attribute
    }

    func int32s(_ values: [Int32]) -> TensorData {
        TensorData(dtype: .int32, shape: [values.count], bytes: values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } })
    }

    static let edgeInt64s: [Int64] = [
        0, 1, -1, 1 << 24 + 1, 1 << 53 + 1, -(1 << 40 + 3), (1 << 62) + (1 << 38) + 1, Int64.min, Int64.max,
        // Halfway between two floats: ties to even, with and without bits below the tie.
        0x7FFF_FF80_0000_0000, 0x0000_0100_0000_0080, 0x0000_0100_0000_0081, 0x0000_0100_0000_0180,
        -0x0000_0100_0000_0180, 4_294_967_295, 4_294_967_296, -4_294_967_296,
    ]

    @Test func int64ToFloatRoundsOnce() throws {
        let values = Self.edgeInt64s
        let (cpu, vulkan) = try run("Cast", [TensorData(shape: [values.count], int64s: values)], output: (.float32, [values.count]), attributes: [toAttribute(.float32)])
        #expect(vulkan.bytes == cpu.bytes)
        #expect(vulkan.floats == values.map { Float($0) })
    }

    static let edgeFloats: [Float] = [
        .nan, .infinity, -.infinity, 1e19, -1e19, 0x1p63, -0x1p63, 0x1.fffffep62, 3.7, -3.7, -0.5, 0.5, 4_294_967_296.5,
        1.5e10, -1.5e10, 2_147_483_648, -2_147_483_648, -2_147_483_904, 3e9, -3e9, 300, -300, 127.9, -128.9, 65535.5, 0,
    ]

    @Test(arguments: [DType.int64, .int32, .uint32, .int8, .uint8, .int16, .uint16, .bool])
    func floatConversionsSaturate(_ target: DType) throws {
        let values = Self.edgeFloats
        let (cpu, vulkan) = try run("Cast", [TensorData(shape: [values.count], floats: values)], output: (target, [values.count]), attributes: [toAttribute(target)])
        #expect(vulkan.bytes == cpu.bytes, "\(target)")
    }

    @Test func int64ArithmeticCarriesBetweenWords() throws {
        let a: [Int64] = [0xFFFF_FFFF, -1, Int64.max, Int64.min, 1 << 40, -(1 << 33) - 7, 123_456_789_012, 3]
        let b: [Int64] = [1, -1, 1, -1, 1 << 30, 1 << 31 + 5, -987_654_321, Int64.min]
        let inputs = [TensorData(shape: [a.count], int64s: a), TensorData(shape: [b.count], int64s: b)]
        for op in ["Add", "Sub", "Mul", "Max", "Min"] {
            let (cpu, vulkan) = try run(op, inputs, output: (.int64, [a.count]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        for op in ["Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual"] {
            let (cpu, vulkan) = try run(op, inputs, output: (.bool, [a.count]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        let (cpu, vulkan) = try run("Mul", inputs, output: (.int64, [a.count]))
        #expect(vulkan.int64s == zip(a, b).map { $0 &* $1 })
        #expect(cpu.int64s == vulkan.int64s)
    }

    @Test func integerDivisionByZeroGivesZero() throws {
        let a = int32s([7, -7, 7, -7, Int32.min, 5, 0, -9])
        let b = int32s([2, 2, -2, -2, -1, 0, 3, 4])
        for op in ["Div", "Mod"] {
            let (cpu, vulkan) = try run(op, [a, b], output: (.int32, [8]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
    }

    @Test func narrowIntegersWrapAtTheirWidth() throws {
        let a = TensorData(dtype: .int8, shape: [6], bytes: [100, 0x80, 0x7F, 0xFF, 3, 0x90].map { UInt8($0) })
        let b = TensorData(dtype: .int8, shape: [6], bytes: [100, 0xFF, 1, 0xFF, 0xFD, 0x90].map { UInt8($0) })
        for op in ["Add", "Sub", "Mul", "Div"] {
            let (cpu, vulkan) = try run(op, [a, b], output: (.int8, [6]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        let (cpu, vulkan) = try run("Add", [a, b], output: (.int8, [6]))
        #expect(vulkan.bytes.first == UInt8(bitPattern: -56))
        #expect(cpu.bytes == vulkan.bytes)
    }

    /// 7 and 5 bools: words whose last lanes lie past the tensor.
    @Test func boolsPackFourToAWord() throws {
        let x = TensorData(shape: [7], floats: [1, .nan, -2, 3, 3, 0, -0.0])
        let y = TensorData(shape: [7], floats: [1, .nan, 2, 3, 4, -0.0, 0])
        let (cpu, vulkan) = try run("Equal", [x, y], output: (.bool, [7]))
        #expect(vulkan.bytes == [1, 0, 0, 1, 0, 1, 1])
        #expect(cpu.bytes == vulkan.bytes)

        let a = TensorData(shape: [1, 3], bools: [true, false, true])
        let b = TensorData(shape: [1, 2], bools: [false, true])
        var axis = Onnx_AttributeProto()
        (axis.name, axis.type, axis.i) = ("axis", .int, 1)
        let (cpuJoined, vulkanJoined) = try run("Concat", [a, b], output: (.bool, [1, 5]), attributes: [axis])
        #expect(vulkanJoined.bytes == [1, 0, 1, 0, 1])
        #expect(cpuJoined.bytes == vulkanJoined.bytes)

        let condition = TensorData(shape: [5, 1], bools: [true, false, false, true, true])
        let whenTrue = TensorData(shape: [1, 3], int64s: [Int64.min, 2, -3])
        let whenFalse = TensorData(shape: [5, 3], int64s: (0..<15).map { Int64($0) << 33 })
        let (cpuChosen, vulkanChosen) = try run("Where", [condition, whenTrue, whenFalse], output: (.int64, [5, 3]))
        #expect(vulkanChosen.bytes == cpuChosen.bytes)
    }
}
