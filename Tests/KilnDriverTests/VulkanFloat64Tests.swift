// float64 on Vulkan against the CPU kernels: arithmetic and comparisons at
// the edges (NaN, infinities, signed zeros, exact remainders), exp and log
// by the CPU's own reductions, conversions to and from every type rounding
// once (float32 halfway cases and subnormals built from bits), reductions
// and running totals in float64 throughout; and a device without
// shaderFloat64, where `.vulkan` says so and `.automatic` runs the CPU.

import Foundation
import Kiln
@testable import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanFloat64Tests {
    let typed = VulkanTypedMathTests()

    static func doubles(_ values: [Double], shape: [Int]? = nil) -> TensorData {
        TensorData(
            dtype: .float64, shape: shape ?? [values.count], bytes: values.flatMap { value in withUnsafeBytes(of: value.bitPattern) { Array($0) } })
    }

    /// Every element of `vulkan` within `ulps` of `cpu`'s (bit for bit with
    /// 0; NaNs may differ in payload).
    func expectSameDoubles(_ cpu: TensorData, _ vulkan: TensorData, _ label: String, inputs: [Double] = [], ulps: Double = 0) {
        #expect(cpu.shape == vulkan.shape && cpu.dtype == vulkan.dtype, "\(label)")
        for (index, (want, got)) in zip(cpu.doubles, vulkan.doubles).enumerated() {
            let input = inputs.indices.contains(index) ? " (x = \(inputs[index]))" : ""
            let close = want.isFinite && got.isFinite && abs(want - got) <= ulps * want.ulp
            #expect(
                want.bitPattern == got.bitPattern || (want.isNaN && got.isNaN) || close, "\(label) [\(index)]\(input): CPU \(want), Vulkan \(got)")
        }
    }

    static let edges: [Double] = [
        0, -0.0, 1, -1, 0.1, -2.5, 3.75, 1e300, -1e300, 1e-300, .leastNonzeroMagnitude, 123_456_789.123, -0x1p-1022, 0x1.fffffffffffffp1023,
        .infinity, -.infinity, .nan, 1e10, 7,
    ]

    @Test func arithmeticAndComparisonsMatchTheCPU() throws {
        let a = Self.edges
        let b: [Double] = [1, 3, -0.0, 7, 0.3, 2, -1.25, 1e-300, 3, 1e300, 2, 0.001, 5, 0.5, 2, .infinity, 1, 3, -7]
        let inputs = [Self.doubles(a), Self.doubles(b)]
        for op in ["Add", "Sub", "Mul", "Div", "Max", "Min"] {
            let (cpu, vulkan) = try typed.run(op, inputs, output: (.float64, [a.count]))
            expectSameDoubles(cpu, vulkan, op)
        }
        // Remainders exact at any quotient (1e300 by 1e-300 too), against C's
        // fmod: the CPU's a − trunc(a/b)·b gave ∞ there.
        for fmod in [0, 1] {
            let (cpu, vulkan) = try typed.run("Mod", inputs, output: (.float64, [a.count]), attributes: [typed.intAttribute("fmod", fmod)])
            let exact = zip(a, b).map { x, y in
                let rest = Foundation.fmod(x, y)
                return fmod == 1 || rest == 0 || (rest < 0) == (y < 0) ? rest : rest + y
            }
            expectSameDoubles(Self.doubles(exact), vulkan, "Mod fmod \(fmod) on Vulkan (against fmod)")
            expectSameDoubles(Self.doubles(exact), cpu, "Mod fmod \(fmod) on the CPU (against fmod)")
        }
        for op in ["Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual"] {
            let (cpu, vulkan) = try typed.run(op, inputs, output: (.bool, [a.count]))
            #expect(vulkan.bytes == cpu.bytes, "\(op)")
        }
        for op in ["Abs", "Neg", "Floor", "Ceil", "Round", "Sign", "Reciprocal", "Sqrt", "IsNaN"] {
            let (cpu, vulkan) = try typed.run(op, [inputs[0]], output: (op == "IsNaN" ? .bool : .float64, [a.count]))
            op == "IsNaN" ? #expect(vulkan.bytes == cpu.bytes, "\(op)") : expectSameDoubles(cpu, vulkan, op, inputs: a)
        }
    }

    /// exp and log in float64 (not through float32): the CPU's reductions
    /// and polynomials step for step, over the whole range, within an ulp of
    /// the CPU's (lavapipe's float64 Fma need not fuse) and the special values exact.
    @Test func expAndLogKeepFloat64Precision() throws {
        let x: [Double] = Self.edges + [709.7, 709.79, -745.1, -745.3, -708.5, 0.5e-8, 2.302585092994046, -1e-17, 88.8, 1.0000000001]
        let (cpuExp, vulkanExp) = try typed.run("Exp", [Self.doubles(x)], output: (.float64, [x.count]))
        expectSameDoubles(cpuExp, vulkanExp, "Exp", inputs: x, ulps: 1)
        let (cpuLog, vulkanLog) = try typed.run("Log", [Self.doubles(x)], output: (.float64, [x.count]))
        expectSameDoubles(cpuLog, vulkanLog, "Log", inputs: x, ulps: 1)
        // Closer to the true values than float32 could be.
        for (value, got) in zip(x, vulkanExp.doubles) where value.isFinite && abs(value) < 700 {
            #expect(abs(got - Foundation.exp(value)) <= 4 * Foundation.exp(value).ulp, "exp(\(value)) = \(got)")
        }
        for (value, got) in zip(x, vulkanLog.doubles) where value.isFinite && value > 0 {
            #expect(abs(got - Foundation.log(value)) <= 4 * max(Foundation.log(value).magnitude.ulp, 0x1p-1074), "log(\(value)) = \(got)")
        }
    }

    /// float64 to float32 at halfway points (ties to even), just past them,
    /// into float32's subnormals and past its largest value; float16 from
    /// there (rounded twice, as on the CPU).
    static let narrowing: [Double] = Self.edges + [
        1 + 0x1p-24, 1 + 0x1p-24 + 0x1p-52, 1 + 3 * 0x1p-24, -(1 + 0x1p-24), 0x1.fffffefffffffp127, 0x1.ffffffp127,
        0x1p-149, 0x1p-150, 0x1.0000000000001p-150, 3 * 0x1p-150, 0x1.fffffcp-127, 0x1.fffffep-127, 0x1.ffffffp-127, 1e-46,
        65520, 65519.99, 3.4028235677973366e38, 2_147_483_647.5, -2_147_483_648.9, 9.3e18, 1.9e19, -9.3e18, 255.9, -128.5,
    ]

    @Test(arguments: [DType.float32, .float16, .bfloat16, .int64, .uint64, .int32, .uint32, .int16, .uint8, .int4, .bool, .float8e4m3fn])
    func castsFromFloat64RoundOnce(_ target: DType) throws {
        let values = Self.narrowing
        let (cpu, vulkan) = try typed.run("Cast", [Self.doubles(values)], output: (target, [values.count]), attributes: [typed.toAttribute(target)])
        if cpu.bytes != vulkan.bytes, target == .float32 {
            for (index, (want, got)) in zip(cpu.floats, vulkan.floats).enumerated() where want.bitPattern != got.bitPattern {
                Issue.record("\(values[index]) → float32: CPU \(want) (\(want.bitPattern)), Vulkan \(got) (\(got.bitPattern))")
            }
        }
        #expect(vulkan.bytes == cpu.bytes, "\(target)")
    }

    @Test func castsIntoFloat64AreExactOrRoundOnce() throws {
        let longs = VulkanTypedMathTests.edgeInt64s + [(1 << 53) + 1, -(1 << 53) - 1, (1 << 62) + 3, Int64.min + 1]
        let floats: [Float] = [.nan, .infinity, -0.0, 0x1p-149, 0x1.fffffep127, 0.1, -3.5, 0x1.8p-133]
        let halves: [Float] = [0.1, 65504, 0x1p-24, -2.5]
        let sources: [(TensorData, String)] = [
            (TensorData(shape: [longs.count], int64s: longs), "int64"),
            (typed.uint64s(longs.map { UInt64(bitPattern: $0) }), "uint64"),
            (typed.int32s([0, 1, -1, .max, .min, 12345]), "int32"),
            (TensorData(shape: [floats.count], floats: floats), "float32"),
            (TensorData(shape: [halves.count], floats: halves).converted(to: .float16), "float16"),
        ]
        for (input, label) in sources {
            let (cpu, vulkan) = try typed.run("Cast", [input], output: (.float64, input.shape), attributes: [typed.toAttribute(.float64)])
            expectSameDoubles(cpu, vulkan, "\(label) → float64")
        }
    }

    /// Reductions in float64 throughout, summed in the CPU's order (the same
    /// bits); ln Σ eˣ without the float32 kernel's shift, as the CPU's float64 loop.
    @Test func reductionsComputeInFloat64() throws {
        let values: [Double] = (0..<60).map { (i: Int) -> Double in Double((i * 37) % 41) / 7 - 2.5 + 1e-12 * Double(i) }
        let x = Self.doubles(values, shape: [3, 4, 5])
        let axes = TensorData(shape: [2], int64s: [0, 2])
        for op in [
            "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
            "ReduceLogSum", "ReduceLogSumExp",
        ] {
            let (cpu, vulkan) = try typed.run(op, [x], output: (.float64, [1, 4, 1]), constants: [axes])
            expectSameDoubles(cpu, vulkan, op, ulps: op.hasPrefix("ReduceLog") ? 1 : 0)
        }
        // Over an empty axis, the CPU loop's values (a mean is 0/0).
        let empty = Self.doubles([], shape: [2, 0])
        for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp"] {
            let (cpu, vulkan) = try typed.run(op, [empty], output: (.float64, [2, 1]), constants: [TensorData(shape: [1], int64s: [1])])
            expectSameDoubles(cpu, vulkan, "\(op) over an empty axis")
        }
        // A float64 sum keeps what a float32 one would lose.
        let (_, sum) = try typed.run("ReduceSum", [Self.doubles([1, 1e-12, -1])], output: (.float64, [1]), constants: [TensorData(shape: [1], int64s: [0])])
        #expect(sum.doubles == [(1 + 1e-12) - 1], "\(sum.doubles)")
    }

    @Test func runningTotalsComputeInFloat64() throws {
        let values: [Double] = (0..<15).map { (i: Int) -> Double in Double(i) * 0.37 - 2.1 + 1e-13 }
        let x = Self.doubles(values, shape: [3, 5])
        for (op, opset) in [("CumSum", 18), ("CumProd", 26)] {
            for (exclusive, reverse) in [(0, 0), (1, 1)] {
                let attributes = [typed.intAttribute("exclusive", exclusive), typed.intAttribute("reverse", reverse)]
                let (cpu, vulkan) = try typed.run(
                    op, [x], output: (.float64, [3, 5]), attributes: attributes, opset: opset, constants: [TensorData(shape: [], int64s: [1])])
                expectSameDoubles(cpu, vulkan, "\(op) exclusive \(exclusive) reverse \(reverse)")
            }
        }
    }

    /// Only the shaders that compute in float64 declare it; the descriptor says which.
    @Test func onlyFloat64ShadersNeedTheFeature() throws {
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = ("Cast", "narrow", ["x"], ["y"])
        node.attribute = [typed.toAttribute(.float32)]
        var relu = Onnx_NodeProto()
        (relu.opType, relu.name, relu.input, relu.output) = ("Relu", "clip", ["y"], ["z"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-float64-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeONNXModel(
            to: path, nodes: [node, relu], inputs: [onnxValueInfo("x", .float64, [8])], outputs: [onnxValueInfo("z", .float32, [8])])
        let build = try VulkanRowShaderTests.vulkanBuild(path)
        #expect(build.dispatches.map(\.usesFloat64) == [true, false], "\(build.dispatches.map(\.name))")
    }

    /// A float64 model on a device without shaderFloat64 (KILN_VULKAN_FLOAT64=0
    /// hides lavapipe's): `--device vulkan` fails saying so, `automatic`
    /// runs on the CPU and says why; with the feature, it runs on Vulkan.
    @Test func aDeviceWithoutFloat64LeavesTheModelToTheCPU() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-float64-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var node = Onnx_NodeProto()
        (node.opType, node.name, node.input, node.output) = ("Add", "sum", ["a", "b"], ["y"])
        try writeONNXModel(
            to: path, nodes: [node], inputs: [onnxValueInfo("a", .float64, [4]), onnxValueInfo("b", .float64, [4])],
            outputs: [onnxValueInfo("y", .float64, [4])])
        let bench = ["bench", path, "--runs", "1", "--warmup", "0", "--device"]
        let hidden = ["KILN_VULKAN_FLOAT64": "0"]
        let (status, _, err) = try kilnc(bench + ["vulkan"], environment: hidden)
        #expect(status != 0, "\(err)")
        #expect(err.contains("lacks shaderFloat64, which this model's float64 shaders need"), "\(err)")
        let (fallback, _, said) = try kilnc(bench + ["automatic"], environment: hidden)
        #expect(fallback == 0, "\(said)")
        #expect(said.contains("kilnc: running on the CPU: ") && said.contains("lacks shaderFloat64"), "\(said)")
        let (onVulkan, out, plain) = try kilnc(bench + ["vulkan"])
        #expect(onVulkan == 0, "\(out) \(plain)")
        #expect(out.contains("vulkan (llvmpipe"), "\(out)")
    }
}
