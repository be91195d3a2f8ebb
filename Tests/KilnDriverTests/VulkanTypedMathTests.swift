// Integer, int64 and bool math on Vulkan against the CPU kernels, bit for
// bit, at the edges the fixtures do not reach: int64 computed as two words
// (carries, products, comparisons of the high and low words), conversions
// that saturate or round once, narrow integers wrapping at their width, a
// division by zero, bools packed four to a word with a partial last word,
// uint64 and 64-bit shifts, exact float Mod, encoding into the 8- and 4-bit
// floats, and ops run on 32-bit copies of narrower types. Every shader these
// models build passes spirv-val.

import Foundation
import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanTypedMathTests {
    /// A one-node model over `inputs` and `constants` (initializers c0, c1, …), written to a temporary file.
    static func writeModel(
        _ opType: String, _ inputs: [TensorData], output: (DType, [Int]), attributes: [Onnx_AttributeProto] = [],
        opset: Int = 18, constants: [TensorData] = [], outputs: Int = 1
    ) throws -> String {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = "tested"
        node.input = inputs.indices.map { "x\($0)" } + constants.indices.map { "c\($0)" }
        node.output = outputs > 1 ? ["y", "i"] : ["y"]
        node.attribute = attributes
        // Operands Kiln takes at compile time (CumSum's axis, TopK's k) are initializers.
        let initializers = constants.enumerated().map { index, data in
            var tensor = Onnx_TensorProto()
            (tensor.name, tensor.dataType, tensor.dims, tensor.rawData) = ("c\(index)", Int32(data.dtype.rawValue), data.shape.map(Int64.init), Data(data.bytes))
            return tensor
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-typed-\(UUID()).onnx").path
        try writeONNXModel(
            to: path, nodes: [node],
            inputs: inputs.enumerated().map { onnxValueInfo("x\($0)", $1.dtype, $1.shape) },
            outputs: [onnxValueInfo("y", output.0, output.1)] + (outputs > 1 ? [onnxValueInfo("i", .int64, output.1)] : []),
            initializers: initializers, opset: opset)
        return path
    }

    /// One node over `inputs` (and `constants`, as initializers), run on the CPU and on Vulkan: the two results.
    func run(
        _ opType: String, _ inputs: [TensorData], output: (DType, [Int]), attributes: [Onnx_AttributeProto] = [],
        opset: Int = 18, constants: [TensorData] = [], outputs: Int = 1
    ) throws -> (cpu: TensorData, vulkan: TensorData) {
        let path = try Self.writeModel(
            opType, inputs, output: output, attributes: attributes, opset: opset, constants: constants, outputs: outputs)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        var results: [TensorData] = []
        for device in [KilnDevice.cpu, .vulkan] {
            let loaded = try LoadedModel(modelPath: path, config: config, device: device)
            try #require(loaded.runtime.activeDevice == device, "\(opType): \(loaded.outputs.advice)")
            if device == .vulkan {
                for shader in VulkanFixtureTests.shaders(loaded.descriptor) {
                    let (passed, output) = try SPIRVValidator.validate(shader.bytes)
                    #expect(passed, "\(opType): shader \(shader.name): \(output)")
                }
            }
            for (index, data) in inputs.enumerated() { try loaded.runtime.setInput(index, from: data) }
            loaded.runtime.run()
            // Several outputs (TopK's values and indices): their bytes one after the other.
            let all = try (0..<outputs).map { try loaded.runtime.outputData($0) }
            results.append(outputs == 1 ? all[0] : TensorData(dtype: .uint8, shape: [all.map(\.bytes.count).reduce(0, +)], bytes: all.flatMap(\.bytes)))
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

    @Test(arguments: [DType.int64, .int32, .uint32, .int8, .uint8, .int16, .uint16, .bool, .int4, .uint4, .int2, .uint2])
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

    /// int64 division is 64 steps of long division on two words: signs,
    /// the minimum over −1, division by zero, divisors past 2³², both Mods.
    @Test func int64DivisionByLongDivision() throws {
        let a: [Int64] = [7, -7, 7, -7, Int64.min, Int64.min, 5, 0, Int64.max, -(1 << 40) - 3, 1 << 62, 123_456_789_012_345, -1, Int64.min]
        let b: [Int64] = [2, 2, -2, -2, -1, 3, 0, 3, 1 << 33, 1 << 33, -(1 << 61) - 1, -987_654_321, Int64.max, Int64.min]
        let inputs = [TensorData(shape: [a.count], int64s: a), TensorData(shape: [b.count], int64s: b)]
        for (op, fmod) in [("Div", nil), ("Mod", 0), ("Mod", 1)] as [(String, Int?)] {
            let (cpu, vulkan) = try run(op, inputs, output: (.int64, [a.count]), attributes: fmod.map { [intAttribute("fmod", $0)] } ?? [])
            #expect(vulkan.int64s == cpu.int64s, "\(op) fmod \(fmod ?? -1)")
        }
        let (_, quotients) = try run("Div", inputs, output: (.int64, [a.count]))
        #expect(quotients.int64s == zip(a, b).map { $1 == 0 || ($0 == .min && $1 == -1) ? 0 : $0 / $1 })
    }

    func uint64s(_ values: [UInt64]) -> TensorData {
        TensorData(dtype: .uint64, shape: [values.count], bytes: values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } })
    }

    /// uint64 on two words, unsigned throughout: high words past 2⁶³ that
    /// int64 would call negative, long division whose running remainder
    /// passes 2⁶⁴, conversions from and to float saturating at 0 and 2⁶⁴ − 1.
    @Test func uint64ArithmeticIsUnsigned() throws {
        let a: [UInt64] = [.max, 1 << 63, .max - 5, 0xFFFF_FFFF, 123_456_789_012_345_678, 7, 0, 1 << 32, .max]
        let b: [UInt64] = [3, 1 << 63 + 1, .max, 1, 1 << 33 + 3, 0, 5, 0xFFFF_FFFF, 1 << 63]
        let inputs = [uint64s(a), uint64s(b)]
        for op in ["Add", "Sub", "Mul", "Max", "Min", "Div", "Mod", "BitwiseAnd", "BitwiseOr", "BitwiseXor"] {
            let (cpu, vulkan) = try run(op, inputs, output: (.uint64, [a.count]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        let (_, quotients) = try run("Div", inputs, output: (.uint64, [a.count]))
        #expect(quotients.bytes == uint64s(zip(a, b).map { $1 == 0 ? 0 : $0 / $1 }).bytes)
        for op in ["Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual"] {
            let (cpu, vulkan) = try run(op, inputs, output: (.bool, [a.count]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        let (cpuFloats, vulkanFloats) = try run("Cast", [inputs[0]], output: (.float32, [a.count]), attributes: [toAttribute(.float32)])
        #expect(vulkanFloats.bytes == cpuFloats.bytes)
        let floats = Self.edgeFloats + [0x1p64, 0x1.fffffep63, 1.8e19]
        let (cpuWords, vulkanWords) = try run("Cast", [TensorData(shape: [floats.count], floats: floats)], output: (.uint64, [floats.count]), attributes: [toAttribute(.uint64)])
        #expect(vulkanWords.bytes == cpuWords.bytes)
    }

    /// 64-bit shifts across the word boundary, by 0, within a word, by a
    /// word or more, and by 64 or more (only the fill is left).
    @Test(arguments: ["LEFT", "RIGHT"])
    func uint64ShiftsCrossTheWordBoundary(_ direction: String) throws {
        let amounts: [UInt64] = [0, 1, 5, 31, 32, 33, 40, 63, 64, 65, 1 << 32, .max]
        let values = uint64s(Array(repeating: 0xF123_4567_89AB_CDEF, count: amounts.count))
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.s) = ("direction", .string, Data(direction.utf8))
        let (cpu, vulkan) = try run("BitShift", [values, uint64s(amounts)], output: (.uint64, [amounts.count]), attributes: [attribute])
        #expect(vulkan.bytes == cpu.bytes)
        let shifted = amounts.map { $0 >= 64 ? 0 : direction == "LEFT" ? UInt64(0xF123_4567_89AB_CDEF) << $0 : UInt64(0xF123_4567_89AB_CDEF) >> $0 }
        #expect(vulkan.bytes == uint64s(shifted).bytes)
        // The same bits as int64 (negative): a right shift fills with the sign, also past 63.
        let signed = [values, uint64s(amounts)].map { TensorData(dtype: .int64, shape: $0.shape, bytes: $0.bytes) }
        let (cpuSigned, vulkanSigned) = try run("BitShift", signed, output: (.int64, [amounts.count]), attributes: [attribute], opset: 26)
        #expect(vulkanSigned.bytes == cpuSigned.bytes)
    }

    @Test func integerDivisionByZeroGivesZero() throws {
        let a = int32s([7, -7, 7, -7, Int32.min, 5, 0, -9])
        let b = int32s([2, 2, -2, -2, -1, 0, 3, 4])
        for op in ["Div", "Mod"] {
            let (cpu, vulkan) = try run(op, [a, b], output: (.int32, [8]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        // C's fmod: the dividend's sign (computed from the magnitudes: OpSRem is undefined for negative operands).
        let (cpu, vulkan) = try run("Mod", [a, b], output: (.int32, [8]), attributes: [intAttribute("fmod", 1)])
        #expect(vulkan.bytes == cpu.bytes)
        #expect(vulkan.bytes == int32s([1, -1, 1, -1, 0, 0, 0, -1]).bytes)
        let narrow = TensorData(dtype: .int8, shape: [4], bytes: [0xF9, 7, 0x80, 0xF7])
        let divisors = TensorData(dtype: .int8, shape: [4], bytes: [3, 0xFD, 0xFF, 4])
        for fmod in [0, 1] {
            let (cpuNarrow, vulkanNarrow) = try run("Mod", [narrow, divisors], output: (.int8, [4]), attributes: [intAttribute("fmod", fmod)])
            #expect(vulkanNarrow.bytes == cpuNarrow.bytes, "int8 fmod \(fmod)")
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

    /// Rounding to float16 and bfloat16 at the store (ties to even, overflow
    /// to infinity, subnormal halves), and widening every kind of half exactly.
    @Test(arguments: [DType.float16, .bfloat16])
    func halfPrecisionRoundsToNearestEven(_ half: DType) throws {
        let values: [Float] = [
            65519, 65520, 70000, -65536, 1e-8, 0x1p-24, 0x1p-25, 0x1.8p-25, 3e-8, 6.1e-5, 0x1p-14, .nan, .infinity, -.infinity,
            -0.0, 1.0 / 3, 2049, 2051, -2049, 0x1.0101p0, 0x1.0180p0, 0x1.0080p0, 3.4e38, 0x1p-133,
        ]
        let (cpu, vulkan) = try run("Cast", [TensorData(shape: [values.count], floats: values)], output: (half, [values.count]), attributes: [toAttribute(half)])
        #expect(vulkan.bytes == cpu.bytes, "\(half)")
        let patterns: [UInt16] = [0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x8001, 0x3C00, 0xC000, 0x0000, 0x8000, 0x3555]
        let halves = TensorData(dtype: half, shape: [patterns.count], bytes: patterns.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let (cpuWide, vulkanWide) = try run("Cast", [halves], output: (.float32, [patterns.count]), attributes: [toAttribute(.float32)])
        #expect(vulkanWide.bytes == cpuWide.bytes, "\(half)")
    }

    /// Float Mod, C's fmod (fmod 1) and Python's % (fmod 0), exact at any
    /// quotient and with the CPU's answers at zeros, infinities and NaNs
    /// (OpFRem alone gave fmod(1e10, 3) = 256 and NaN for an infinite divisor).
    @Test(arguments: [0, 1])
    func floatRemaindersAreExact(_ fmod: Int) throws {
        let pairs: [(Float, Float)] = [
            (1e10, 3), (-1e10, 3), (1e10, -3), (5.5, 2), (-5.5, 2), (5.5, -2), (-5.5, -2), (0x1.fffffep40, 0.1),
            (7, 7), (-7, 7), (3e38, 0x1p-100), (0.3, 0.1), (123456.78, 0.001), (3e38, 7.1), (-1e38, 0.3), (0x1.8p127, 0x1.4p-126),
            (0, -2), (-0.0, 2), (-3, .infinity), (3, -.infinity), (.infinity, 2), (1, 0), (1, -0.0), (.nan, 1), (1, .nan),
        ]
        let (cpu, vulkan) = try run(
            "Mod", [TensorData(shape: [pairs.count], floats: pairs.map(\.0)), TensorData(shape: [pairs.count], floats: pairs.map(\.1))],
            output: (.float32, [pairs.count]), attributes: [intAttribute("fmod", fmod)])
        for (index, (want, got)) in zip(cpu.floats, vulkan.floats).enumerated() {
            // NaNs may differ in sign and payload; every other result bit for bit, and C's fmod (exact in float64).
            let (x, y) = (Double(pairs[index].0), Double(pairs[index].1))
            let rest = Foundation.fmod(x, y)
            let exact = Float(fmod == 1 || rest == 0 || (rest < 0) == (y < 0) ? rest : rest + y)
            #expect(want.bitPattern == got.bitPattern || (want.isNaN && got.isNaN), "fmod \(fmod): \(pairs[index]): CPU \(want), Vulkan \(got)")
            #expect(want.bitPattern == exact.bitPattern || (want.isNaN && exact.isNaN), "fmod \(fmod): \(pairs[index]): CPU \(want), fmod \(exact)")
        }
    }

    func intAttribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        (attribute.name, attribute.type, attribute.i) = (name, .int, Int64(value))
        return attribute
    }

    /// Running totals in the CPU's order (floats bit for bit), both
    /// directions, exclusive or not, and int64 products carrying between words.
    @Test func cumulativeOpsMatchTheCPU() throws {
        let floats = TensorData(shape: [3, 5], floats: (0..<15).map { Float($0) * 0.37 - 2.1 })
        for (exclusive, reverse) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let attributes = [intAttribute("exclusive", exclusive), intAttribute("reverse", reverse)]
            let (cpu, vulkan) = try run("CumSum", [floats], output: (.float32, [3, 5]), attributes: attributes, constants: [TensorData(shape: [], int64s: [1])])
            #expect(vulkan.bytes == cpu.bytes, "exclusive \(exclusive), reverse \(reverse)")
        }
        let longs = TensorData(shape: [2, 4], int64s: [1 << 20, 1 << 20, -3, 1 << 25, 7, -7, 1 << 31, 3])
        let (cpu, vulkan) = try run("CumProd", [longs], output: (.int64, [2, 4]), opset: 26, constants: [TensorData(shape: [], int64s: [1])])
        #expect(vulkan.bytes == cpu.bytes)
    }

    @Test func argExtremesOverIntegersKeepTheCPUsTies() throws {
        let x = TensorData(shape: [2, 5], int64s: [3, -1 << 40, 7, 7, -2, Int64.min, 0, Int64.min, 5, 5])
        for (op, last) in [("ArgMax", 0), ("ArgMax", 1), ("ArgMin", 0), ("ArgMin", 1)] {
            let attributes = [intAttribute("axis", 1), intAttribute("select_last_index", last)]
            let (cpu, vulkan) = try run(op, [x], output: (.int64, [2, 1]), attributes: attributes)
            #expect(vulkan.bytes == cpu.bytes, "\(op) select_last_index \(last)")
        }
    }

    /// Negative indices count from the end; int64 ones past int32 pick nothing.
    @Test func gatherElementsReadsInt64Indices() throws {
        let data = TensorData(dtype: .int32, shape: [2, 3], bytes: int32s([10, 11, 12, 20, 21, 22]).bytes)
        let indices = TensorData(shape: [2, 2], int64s: [-1, 0, 1 << 32 + 1, 2])
        let (cpu, vulkan) = try run("GatherElements", [data, indices], output: (.int32, [2, 2]), attributes: [intAttribute("axis", 1)])
        #expect(vulkan.bytes == cpu.bytes)
        let bools = TensorData(shape: [3, 3], bools: [true, false, false, false, true, false, false, false, true])
        let rows = TensorData(shape: [3, 3], int64s: [2, 1, 0, 0, 1, 2, 1, 1, 1])
        let (cpuBools, vulkanBools) = try run("GatherElements", [bools, rows], output: (.bool, [3, 3]))
        #expect(vulkanBools.bytes == cpuBools.bytes)
    }

    /// Ties keep index order, NaN never enters ahead of a number (ordered comparisons), both directions.
    @Test func topKKeepsTheCPUsOrder() throws {
        let x = TensorData(shape: [2, 7], floats: [3, 1, 3, .nan, 5, 1, 5, -1, -1, -2, 0, 9, -2, 9])
        for largest in [1, 0] {
            let (cpu, vulkan) = try run("TopK", [x], output: (.float32, [2, 3]), attributes: [intAttribute("largest", largest)], constants: [TensorData(shape: [1], int64s: [3])], outputs: 2)
            #expect(vulkan.bytes == cpu.bytes, "largest \(largest)")
        }
        let longs = TensorData(shape: [3, 2], int64s: [5, Int64.min, 1 << 40, 7, 5, 1 << 40])
        let (cpu, vulkan) = try run("TopK", [longs], output: (.int64, [2, 2]), attributes: [intAttribute("axis", 0)], constants: [TensorData(shape: [1], int64s: [2])], outputs: 2)
        #expect(vulkan.bytes == cpu.bytes)
    }

    /// Duplicate indices resolve in index order (the last wins; reductions fold in order), bad ones are skipped.
    @Test func scattersApplyUpdatesInIndexOrder() throws {
        let data = TensorData(shape: [3, 4], floats: (0..<12).map { Float($0) })
        let indices = TensorData(shape: [2, 4], int64s: [0, 2, -1, 5, 0, 2, 1, 1])
        let updates = TensorData(shape: [2, 4], floats: [10, 20, 30, 40, 50, 60, 70, 80])
        for reduction in ["none", "add", "mul", "max", "min"] {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.s) = ("reduction", .string, Data(reduction.utf8))
            let (cpu, vulkan) = try run("ScatterElements", [data, indices, updates], output: (.float32, [3, 4]), attributes: [attribute])
            #expect(vulkan.bytes == cpu.bytes, "ScatterElements \(reduction)")
            let tuples = TensorData(shape: [3, 1], int64s: [2, -1, 0])
            let slices = TensorData(shape: [3, 4], floats: (0..<12).map { Float($0) * 1.5 - 4 })
            let (cpuND, vulkanND) = try run("ScatterND", [data, tuples, slices], output: (.float32, [3, 4]), attributes: [attribute])
            #expect(vulkanND.bytes == cpuND.bytes, "ScatterND \(reduction)")
        }
        let ints = TensorData(dtype: .int32, shape: [2, 2], bytes: int32s([1, 2, 3, 4]).bytes)
        let pairs = TensorData(shape: [3, 2], int64s: [1, 0, 0, 1, 7, 0])
        let (cpu, vulkan) = try run("GatherND", [ints, pairs], output: (.int32, [3]))
        #expect(vulkan.bytes == cpu.bytes)
        #expect(vulkan.bytes == int32s([3, 2, 0]).bytes)
    }

    /// Running totals, TopK and scatters of types packed several to a word
    /// run on 32-bit copies (WidenedShaders) with the CPU's results: int8
    /// sums wrapping, half totals carried in float32, ties in index order,
    /// duplicate updates folded in order (a half's scatter that adds or
    /// multiplies rounding after every update, as below).
    @Test(arguments: [DType.int8, .uint8, .int16, .uint16, .float16, .bfloat16])
    func narrowTypesRunOnThirtyTwoBitCopies(_ narrow: DType) throws {
        let half = narrow == .float16 || narrow == .bfloat16
        // Odd row lengths, so rows end inside shared words.
        let offset: Double = narrow.isSignedInteger ? 100 : 0
        let values: [Double] = (0..<21).map { (index: Int) -> Double in
            half ? Double((index * 37) % 23) * 0.37 - 3.1 : Double((index * 53) % 200) - offset
        }
        let x = TensorData(dtype: narrow, shape: [3, 7], converting: values)
        let axis = TensorData(shape: [], int64s: [1])
        // CumSum takes no uint8 or uint16.
        for (exclusive, reverse) in [(0, 0), (1, 1)] where narrow != .uint8 && narrow != .uint16 {
            let attributes = [intAttribute("exclusive", exclusive), intAttribute("reverse", reverse)]
            let (cpu, vulkan) = try run("CumSum", [x], output: (narrow, [3, 7]), attributes: attributes, constants: [axis])
            #expect(vulkan.bytes == cpu.bytes, "\(narrow) CumSum exclusive \(exclusive) reverse \(reverse)")
        }
        for largest in [1, 0] {
            let (cpu, vulkan) = try run(
                "TopK", [x], output: (narrow, [3, 3]), attributes: [intAttribute("largest", largest)],
                constants: [TensorData(shape: [1], int64s: [3])], outputs: 2)
            #expect(vulkan.bytes == cpu.bytes, "\(narrow) TopK largest \(largest)")
        }
        let indices = TensorData(shape: [2, 7], int64s: [0, 2, -1, 1, 0, 2, 1, 2, 2, 1, 0, 0, 2, 1])
        let updates = TensorData(dtype: narrow, shape: [2, 7], converting: (0..<14).map { Double($0 * 9 % 31) })
        for reduction in ["none", "add", "mul", "max", "min"] {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.s) = ("reduction", .string, Data(reduction.utf8))
            let (cpu, vulkan) = try run("ScatterElements", [x, indices, updates], output: (narrow, [3, 7]), attributes: [attribute])
            #expect(vulkan.bytes == cpu.bytes, "\(narrow) ScatterElements \(reduction)")
        }
    }

    /// A half's scatter that adds or multiplies rounds to the half after
    /// every update, as the CPU stores each one: five +1s onto 2048 in
    /// float16 stay 2048 (each 2049 ties back to even), where one rounding
    /// of the float32 total would give 2052 (256 and 260 in bfloat16).
    @Test(arguments: [DType.float16, .bfloat16])
    func halfScattersRoundAfterEveryUpdate(_ half: DType) throws {
        let base: Double = half == .float16 ? 2048 : 256
        let data: [Double] = [base, 1.5, -3, 0.1, base, 7]
        let rows: [Int64] = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
        let steps: [Double] = [1, 1.1, 2.3, 1, 1.1, -0.7, 1, 1.1, 5.1, 1, 1.1, 0.3, 1, 1.1, -9.5]
        let rounded = { (value: Double) -> Double in
            Double(TensorData(dtype: half, shape: [1], converting: [value]).converted(to: .float32).floats[0])
        }
        // ScatterND: three slices onto row 0, one onto row 1.
        let tuples: [Int64] = [0, 1, 0, 0]
        let slices: [Double] = [1, 1.1, 2.3, -0.5, 3.3, 1.7, 1, 1.1, -4.1, 1, 1.1, 0.9]
        // The element each update lands on, in the order the CPU applies them.
        let elementTargets = steps.indices.map { step in (Int(rows[step]) * 3 + step % 3, steps[step]) }
        let sliceTargets = slices.indices.map { index in (Int(tuples[index / 3]) * 3 + index % 3, slices[index]) }
        for reduction in ["add", "mul"] {
            let combine = { (a: Double, b: Double) -> Double in reduction == "add" ? a + b : a * b }
            // The data with each update folded in, rounded to the half after every one, or only at the end.
            func fold(_ targets: [(Int, Double)], roundingEach: Bool) -> [Double] {
                var values = data.map(rounded)
                for (at, update) in targets {
                    let combined = combine(values[at], rounded(update))
                    values[at] = roundingEach ? rounded(combined) : combined
                }
                return roundingEach ? values : values.map(rounded)
            }
            // The case tells the two apart: one rounding at the end is another result.
            #expect(fold(elementTargets, roundingEach: true) != fold(elementTargets, roundingEach: false), "\(half) \(reduction)")
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.s) = ("reduction", .string, Data(reduction.utf8))
            for (op, indices, updates, targets) in [
                ("ScatterElements", TensorData(shape: [5, 3], int64s: rows), TensorData(dtype: half, shape: [5, 3], converting: steps), elementTargets),
                ("ScatterND", TensorData(shape: [4, 1], int64s: tuples), TensorData(dtype: half, shape: [4, 3], converting: slices), sliceTargets),
            ] {
                let (cpu, vulkan) = try run(
                    op, [TensorData(dtype: half, shape: [2, 3], converting: data), indices, updates], output: (half, [2, 3]),
                    attributes: [attribute])
                #expect(vulkan.bytes == cpu.bytes, "\(half) \(op) \(reduction)")
                #expect(vulkan.converted(to: .float32).floats.map(Double.init) == fold(targets, roundingEach: true), "\(half) \(op) \(reduction)")
            }
        }
    }

    /// 4- and 2-bit integers are their byte's low bits, sign-extended for the signed ones.
    @Test(arguments: [DType.int4, .uint4, .int2, .uint2])
    func narrowIntegersWidenByTheirBits(_ narrow: DType) throws {
        let x = TensorData(dtype: narrow, shape: [9], bytes: [0, 1, 2, 3, 7, 8, 0xF, 0xFE, 0xFF])
        for target in [DType.int8, .float32, .int64, .uint16] {
            let (cpu, vulkan) = try run("Cast", [x], output: (target, [9]), attributes: [toAttribute(target)], opset: 21)
            #expect(vulkan.bytes == cpu.bytes, "\(narrow) to \(target)")
        }
        // Scatters run on 32-bit copies, wrapped to the bits when narrowed:
        // sums and products past the type's range, duplicates folded in order.
        let data = TensorData(dtype: narrow, shape: [2, 5], bytes: [0, 1, 2, 3, 7, 8, 0xF, 0xFE, 0xFF, 5])
        let rows = TensorData(shape: [4, 5], int64s: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, -2])
        let updates = TensorData(dtype: narrow, shape: [4, 5], bytes: (0..<20).map { UInt8(($0 * 7 + 3) % 16) })
        for reduction in ["none", "add", "mul", "max", "min"] {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.s) = ("reduction", .string, Data(reduction.utf8))
            let (cpu, vulkan) = try run(
                "ScatterElements", [data, rows, updates], output: (narrow, [2, 5]), attributes: [attribute], opset: 21)
            #expect(vulkan.bytes == cpu.bytes, "\(narrow) ScatterElements \(reduction)")
        }
    }

    /// Reductions of float16, bfloat16 and bool run on Vulkan (through the
    /// float32 kernels both backends share), as on the CPU: extremes bit for
    /// bit, sums within a half's rounding of the float32 sum of the same halves.
    @Test(arguments: [DType.float16, .bfloat16])
    func halfReductionsComputeInFloat32(_ half: DType) throws {
        let values = (0..<96).map { Float(($0 * 37) % 41) / 7 - 2.5 }
        let x = TensorData(shape: [4, 24], floats: values).converted(to: half)
        let axes = TensorData(shape: [1], int64s: [1])
        let wide = x.converted(to: .float32).floats
        for op in ["ReduceMax", "ReduceMin", "ReduceSum", "ReduceMean"] {
            let (cpu, vulkan) = try run(op, [x], output: (half, [4, 1]), constants: [axes])
            let (got, want) = (vulkan.converted(to: .float32).floats, cpu.converted(to: .float32).floats)
            let rows = (0..<4).map { Array(wide[$0 * 24..<($0 + 1) * 24]) }
            let exact: [Float] =
                switch op {
                case "ReduceMax": rows.map { $0.max() ?? 0 }
                case "ReduceMin": rows.map { $0.min() ?? 0 }
                case "ReduceSum": rows.map { $0.reduce(0, +) }
                default: rows.map { $0.reduce(0, +) / 24 }
                }
            // One rounding to the half type: its spacing at the value (bfloat16 keeps 8 bits).
            let spacing = { (value: Float) in max(abs(value), 1) * (half == .float16 ? 0x1p-10 : 0x1p-7) }
            for row in 0..<4 {
                #expect(abs(got[row] - exact[row]) <= spacing(exact[row]), "\(half) \(op) row \(row): Vulkan \(got[row]), exact \(exact[row])")
                #expect(abs(want[row] - exact[row]) <= spacing(exact[row]), "\(half) \(op) row \(row): CPU \(want[row]), exact \(exact[row])")
            }
            if op == "ReduceMax" || op == "ReduceMin" { #expect(vulkan.bytes == cpu.bytes, "\(half) \(op)") }
        }
    }

    /// Bool ReduceMax (Or) and ReduceMin (And) on Vulkan; over an empty
    /// axis they give Or's false and And's true on both devices.
    @Test func boolReductionsAreOrAndAnd() throws {
        let flags = (0..<24).map { $0 % 5 == 0 || $0 >= 18 }
        let x = TensorData(shape: [4, 6], bools: flags)
        let axes = TensorData(shape: [1], int64s: [1])
        for (op, combine) in [("ReduceMax", { (row: [Bool]) in row.contains(true) }), ("ReduceMin", { (row: [Bool]) in row.allSatisfy { $0 } })] {
            let (cpu, vulkan) = try run(op, [x], output: (.bool, [4, 1]), opset: 20, constants: [axes])
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
            let rows: [[Bool]] = (0..<4).map { Array(flags[$0 * 6..<$0 * 6 + 6]) }
            let expected: [UInt8] = rows.map { combine($0) ? 1 : 0 }
            #expect(vulkan.bytes == expected, "\(op)")
            let (cpuEmpty, vulkanEmpty) = try run(op, [TensorData(shape: [2, 0], bools: [])], output: (.bool, [2, 1]), opset: 20, constants: [axes])
            #expect(cpuEmpty.bytes == (op == "ReduceMax" ? [0, 0] : [1, 1]), "\(op) over an empty axis on the CPU")
            #expect(vulkanEmpty.bytes == cpuEmpty.bytes, "\(op) over an empty axis on Vulkan")
        }
    }

    /// float32 reductions over an empty axis give the CPU's values (a mean is 0/0).
    @Test func floatReductionsOverAnEmptyAxisMatchTheCPU() throws {
        let empty = TensorData(shape: [2, 0], floats: [])
        for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceLogSumExp"] {
            let (cpu, vulkan) = try run(op, [empty], output: (.float32, [2, 1]), constants: [TensorData(shape: [1], int64s: [1])])
            let same = zip(cpu.floats, vulkan.floats).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
            #expect(same && cpu.floats.count == 2, "\(op): CPU \(cpu.floats), Vulkan \(vulkan.floats)")
        }
    }

    /// Integer reductions over an empty axis give the CPU's starting values
    /// (the type's least for a maximum, its greatest for a minimum, 1 for a
    /// product, 0 for a sum).
    @Test(arguments: [DType.int64, .uint64, .int32, .uint32, .int8, .int16, .uint8])
    func integerReductionsOverAnEmptyAxisStartWhereTheCPUDoes(_ dtype: DType) throws {
        let x = TensorData(dtype: dtype, shape: [3, 0], bytes: [])
        for op in ["ReduceMax", "ReduceMin", "ReduceProd", "ReduceSum"] {
            let (cpu, vulkan) = try run(op, [x], output: (dtype, [3, 1]), opset: 18, constants: [TensorData(shape: [1], int64s: [1])])
            #expect(vulkan.bytes == cpu.bytes && cpu.bytes.count == 3 * dtype.byteSize, "\(dtype) \(op): CPU \(cpu.bytes), Vulkan \(vulkan.bytes)")
        }
    }

    /// Every code of every 8- and 4-bit float type decodes as on the CPU (its table), subnormals and NaN included.
    @Test(arguments: [DType.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1])
    func minifloatsDecodeByTheCPUsTable(_ minifloat: DType) throws {
        let codes = minifloat == .float4e2m1 ? Array(0..<16).map(UInt8.init) : (0...255).map(UInt8.init)
        let x = TensorData(dtype: minifloat, shape: [codes.count], bytes: codes)
        for target in [DType.float32, .float16] {
            let (cpu, vulkan) = try run("Cast", [x], output: (target, [codes.count]), attributes: [toAttribute(target)], opset: 23)
            #expect(vulkan.bytes == cpu.bytes, "\(minifloat) to \(target)")
        }
    }

    /// Encoding into every 8- and 4-bit float type as on the CPU, with and
    /// without saturation (and float8e8m0's three rounding modes): ties to
    /// even at every scale, overflow, ±∞, NaN, −0, subnormals of the target,
    /// every code's own value, and from float16 too.
    @Test(arguments: [DType.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1])
    func minifloatsEncodeAsTheCPUDoes(_ minifloat: DType) throws {
        let decoded = MinifloatFormat.decodeTable(minifloat)
        var values: [Float] = [
            0, -0.0, .nan, -.nan, .infinity, -.infinity, 1, -1, 0.3, 1e-3, 1e-7, 3e38, -3e38, 0x1p-10, 0x1p-17, 0x1p-126, 0x1p-149,
            448, 449, 464, 480, 500, 57344, 61440, 65536, 240, 248, 6, 6.5, 7, 1.25, 1.75, 2.5, 0x1.8p-127, 0x1p120, 0x1.7p5,
        ]
        // Each code's value, and the halfway points and near misses between neighbours.
        let finite = decoded.filter(\.isFinite)
        values += finite
        let sorted = Array(Set(finite.map(\.magnitude))).sorted()
        for (low, high) in zip(sorted, sorted.dropFirst()) {
            let middle = (low + high) / 2
            values += [middle, -middle, middle.nextUp, middle.nextDown]
        }
        let x = TensorData(shape: [values.count], floats: values)
        let modes = minifloat == .float8e8m0 ? ["up", "down", "nearest"] : ["up"]
        for saturate in [1, 0] {
            for mode in modes {
                var roundMode = Onnx_AttributeProto()
                (roundMode.name, roundMode.type, roundMode.s) = ("round_mode", .string, Data(mode.utf8))
                let attributes = [toAttribute(minifloat), intAttribute("saturate", saturate), roundMode]
                let (cpu, vulkan) = try run("Cast", [x], output: (minifloat, [values.count]), attributes: attributes, opset: 24)
                let mismatches = values.indices.filter { vulkan.bytes[$0] != cpu.bytes[$0] }
                #expect(mismatches.isEmpty, "\(minifloat) saturate \(saturate) \(mode): \(mismatches.prefix(8).map { "\(values[$0]) → CPU \(cpu.bytes[$0]), Vulkan \(vulkan.bytes[$0])" })")
            }
        }
        let halves = TensorData(shape: [values.count], floats: values).converted(to: .float16)
        let (cpu, vulkan) = try run("Cast", [halves], output: (minifloat, [values.count]), attributes: [toAttribute(minifloat)], opset: 24)
        #expect(vulkan.bytes == cpu.bytes, "\(minifloat) from float16")
    }

    /// Scatters into the 8- and 4-bit floats run on float32 copies decoded by
    /// the CPU's table; where updates combine, the copy is encoded and decoded
    /// after each one, as the CPU stores and loads the output: NaN, ±0, the
    /// largest and subnormal codes, duplicates folded in order.
    @Test(arguments: [DType.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1])
    func minifloatScattersFoldAsTheCPUDoes(_ minifloat: DType) throws {
        let mask: UInt8 = minifloat == .float4e2m1 ? 0xF : 0xFF
        let codes: [UInt8] = [0x00, 0x80, 0x7F, 0xFF, 0x01, 0x81, 0x3C, 0xBC, 0x7E, 0x40, 0x55, 0xC7]
        let data = TensorData(dtype: minifloat, shape: [2, 6], bytes: codes.map { $0 & mask })
        let rows = TensorData(shape: [4, 6], int64s: (0..<24).map { Int64(($0 * 5) % 3 == 0 ? 0 : 1) })
        let updates = TensorData(dtype: minifloat, shape: [4, 6], bytes: (0..<24).map { UInt8(($0 * 37 + 11) % 256) & mask })
        let tuples = TensorData(shape: [4, 1], int64s: [1, 0, 1, 1])
        for reduction in ["none", "add", "mul", "max", "min"] {
            var attribute = Onnx_AttributeProto()
            (attribute.name, attribute.type, attribute.s) = ("reduction", .string, Data(reduction.utf8))
            for (op, indices) in [("ScatterElements", rows), ("ScatterND", tuples)] {
                let (cpu, vulkan) = try run(op, [data, indices, updates], output: (minifloat, [2, 6]), attributes: [attribute], opset: 21)
                #expect(vulkan.bytes == cpu.bytes, "\(minifloat) \(op) \(reduction)")
            }
        }
    }

    /// Two nodes whose narrow constants run on 32-bit copies, which each
    /// node's lowering adds to its own view of the graph: each reads its own.
    @Test func widenedConstantsOfTwoNodesStayApart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-widened-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        for (index, data) in [[1.5, 2, -3, 4], [10, 20, 30, -40]].enumerated() {
            var node = Onnx_NodeProto()
            (node.opType, node.name, node.input, node.output) = ("ScatterElements", "scatter\(index)", ["c\(index)", "at", "u"], ["y\(index)"])
            nodes.append(node)
            var constant = Onnx_TensorProto()
            let bytes = TensorData(dtype: .float16, shape: [4], converting: data).bytes
            (constant.name, constant.dataType, constant.dims, constant.rawData) = ("c\(index)", Int32(DType.float16.rawValue), [4], Data(bytes))
            initializers.append(constant)
        }
        var at = Onnx_TensorProto()
        (at.name, at.dataType, at.dims, at.int64Data) = ("at", Int32(DType.int64.rawValue), [1], [2])
        try writeONNXModel(
            to: path, nodes: nodes, inputs: [onnxValueInfo("u", .float16, [1])],
            outputs: [onnxValueInfo("y0", .float16, [4]), onnxValueInfo("y1", .float16, [4])], initializers: initializers + [at], opset: 18)
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let loaded = try LoadedModel(modelPath: path, config: config, device: .vulkan)
        try #require(loaded.runtime.activeDevice == .vulkan, "\(loaded.outputs.advice)")
        try loaded.runtime.setInput(0, from: TensorData(dtype: .float16, shape: [1], converting: [7]))
        loaded.runtime.run()
        let outputs = try (0..<2).map { try loaded.runtime.outputData($0).converted(to: .float32).floats }
        #expect(outputs[0] == [1.5, 2, 7, 4])
        #expect(outputs[1] == [10, 20, 7, -40])
    }
}
