// The transcendental functions kernels compute inline (no libm): accuracy
// against the C library over the whole float range, and the special values
// (0, negatives, subnormals, infinities, NaN).

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct MathAccuracyTests {
    /// A one-node float32 model `y = op(x)` over `count` elements, written to a temporary file.
    func oneNodeModel(_ op: String, count: Int, dtype: DType = .float32) throws -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = op.lowercased()
        node.input = ["x"]
        node.output = ["y"]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(op)-\(UUID()).onnx").path
        try writeONNXModel(
            to: path, nodes: [node], inputs: [onnxValueInfo("x", dtype, [count])],
            outputs: [onnxValueInfo("y", dtype, [count])])
        return path
    }

    /// Runs `op` on `inputs` through compiled code.
    func run(_ op: String, _ inputs: [Float]) throws -> [Float] {
        let path = try oneNodeModel(op, count: inputs.count)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try LoadedModel(modelPath: path)
        try loaded.runtime.setInput(0, inputs)
        loaded.runtime.run()
        return Array(loaded.runtime.output(0))
    }

    /// Samples across the float range: subnormals to huge, both signs.
    static let samples: [Float] = {
        var values: [Float] = [Float.leastNonzeroMagnitude, Float.leastNormalMagnitude / 1000, 1e-38, 1e-30, 1e-10, 1e-3, 0.1, 0.5, 0.70710677]
        values += [0.7071068, 0.9999, 1, 1.0001, 1.5, 2, 2.718282, 10, 100, 1e10, 1e30, Float.greatestFiniteMagnitude]
        for i in 0..<200 { values.append(Float(i) * 0.173 + 0.001) }
        return values
    }()

    @Test func logIsAccurateAndHandlesSpecialValues() throws {
        let special: [Float] = [0, -0.0, -1, .infinity, -.infinity, .nan]
        let result = try run("Log", Self.samples + special)
        for (x, y) in zip(Self.samples, result) {
            let expected = Foundation.log(Double(x))
            #expect(abs(Double(y) - expected) <= 2e-7 * max(1, abs(expected)), "log(\(x)) = \(y), expected \(expected)")
        }
        let tail = Array(result.suffix(special.count))
        #expect(tail[0] == -.infinity && tail[1] == -.infinity)
        #expect(tail[2].isNaN && tail[3] == .infinity && tail[4].isNaN && tail[5].isNaN)
    }

    @Test func expIsAccurateOverItsRange() throws {
        let special: [Float] = [-.infinity, -100, 88.8, .infinity, .nan]
        let inputs = (0..<400).map { Float($0) * 0.43 - 86 } + special
        let result = try run("Exp", inputs)
        for (x, y) in zip(inputs.dropLast(special.count), result) {
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(y) - expected) <= 4e-7 * expected + 1e-37, "exp(\(x)) = \(y), expected \(expected)")
        }
        let tail = Array(result.suffix(special.count))
        #expect(tail[0] == 0 && tail[1] == 0 && tail[2] == .infinity && tail[3] == .infinity && tail[4].isNaN)
    }

    @Test func erfIsWithinItsApproximationError() throws {
        let inputs = (0..<300).map { Float($0) * 0.03 - 4.5 } + [0, -0.0]
        let result = try run("Erf", inputs)
        for (x, y) in zip(inputs, result) {
            #expect(abs(Double(y) - Foundation.erf(Double(x))) <= 3e-7, "erf(\(x)) = \(y)")
        }
    }

    /// Each op's reference (the C library in float64) and its allowed error,
    /// relative to the value (and, for the periodic ones, at least to 1).
    static let trigonometry: [String: (tolerance: Double, reference: @Sendable (Double) -> Double)] = [
        "Sin": (2e-7, { Foundation.sin($0) }), "Cos": (2e-7, { Foundation.cos($0) }),
        "Tan": (4e-7, { Foundation.tan($0) }), "Asin": (4e-7, { Foundation.asin($0) }),
        "Acos": (4e-7, { Foundation.acos($0) }), "Atan": (3e-7, { Foundation.atan($0) }),
        "Sinh": (6e-7, { Foundation.sinh($0) }), "Cosh": (6e-7, { Foundation.cosh($0) }),
        "Asinh": (4e-7, { Foundation.asinh($0) }), "Acosh": (4e-7, { Foundation.acosh($0) }),
        "Atanh": (4e-7, { Foundation.atanh($0) }),
    ]

    /// Over each function's domain and both signs, with the special values
    /// (∞, NaN, out of domain) the C library gives. Arguments stop at 10¹²:
    /// sin, cos and tan reduce exactly only below 2⁵³ (see KernelBuilder+Trigonometry).
    @Test(arguments: ["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"])
    func trigonometryIsAccurate(_ op: String) throws {
        let (tolerance, reference) = try #require(Self.trigonometry[op])
        let periodic = ["Sin", "Cos", "Tan"].contains(op)
        var inputs: [Float] = [0, -0.0, 1e-30, 1e-6, 0.01, 0.1, 0.124, 0.126, 0.49, 0.51, 0.999, 1, 1.001, 2]
        inputs += [3.14159265, 1.5707964, 10, 87.9, 88.1, 89.3, 100, 1e4, 1e6, 1e9, 1e12]
        inputs += (0..<300).map { Float($0) * 0.0333 - 5 }
        inputs += inputs.map { -$0 }
        inputs += [.infinity, -.infinity, .nan]
        let result = try run(op, inputs)
        for (x, y) in zip(inputs, result) {
            let expected = reference(Double(x))
            let rounded = Float(expected)
            if !rounded.isFinite {
                #expect(y.isNaN == rounded.isNaN && (rounded.isNaN || y == rounded), "\(op)(\(x)) = \(y), expected \(expected)")
                continue
            }
            let scale = periodic ? max(abs(expected), 1) : abs(expected)
            #expect(abs(Double(y) - expected) <= tolerance * scale + 1e-38, "\(op)(\(x)) = \(y), expected \(expected)")
        }
    }

    /// float64 Exp and Log keep float64's precision (a few units in the last
    /// place of the C library), down to subnormals and out to overflow.
    @Test func float64ExpAndLogAreAccurate() throws {
        func run64(_ op: String, _ inputs: [Double]) throws -> [Double] {
            let path = try oneNodeModel(op, count: inputs.count, dtype: .float64)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let loaded = try LoadedModel(modelPath: path)
            try loaded.runtime.setInput(0, inputs)
            loaded.runtime.run()
            return Array(loaded.runtime.output(0, as: Double.self))
        }
        let exponents = (0..<400).map { Double($0) * 3.6 - 740 } + [-0.0, 1e-300, 709.7]
        for (x, y) in zip(exponents, try run64("Exp", exponents)) {
            let expected = Foundation.exp(x)
            #expect(abs(y - expected) <= 4e-16 * expected + Double.leastNonzeroMagnitude, "exp(\(x)) = \(y), expected \(expected)")
        }
        let special = try run64("Exp", [710, -800, .infinity, -.infinity, .nan])
        #expect(special[0] == .infinity && special[1] == 0 && special[2] == .infinity && special[3] == 0 && special[4].isNaN)
        var positives: [Double] = [.leastNonzeroMagnitude, .leastNormalMagnitude / 1024, 2.2250738585072014e-308, 1e-100, 0.5, 0.7071, 1, 1 + 1e-15, 1.4142, 2, 10, 1e100, .greatestFiniteMagnitude]
        positives += (1..<300).map { Double($0) * 0.0731 }
        for (x, y) in zip(positives, try run64("Log", positives)) {
            let expected = Foundation.log(x)
            #expect(abs(y - expected) <= 4e-16 * max(1, abs(expected)), "log(\(x)) = \(y), expected \(expected)")
        }
        let logSpecial = try run64("Log", [0, -1, .infinity, .nan])
        #expect(logSpecial[0] == -.infinity && logSpecial[1].isNaN && logSpecial[2] == .infinity && logSpecial[3].isNaN)
    }
}
