// The 8- and 4-bit float types and the 4- and 2-bit integers: the format
// definitions against values ml_dtypes (ONNX's reference) gives, the compiled
// Cast kernels against the compiler's own encoder over the float range, and
// ONNX's packed file layout.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct MinifloatTests {
    static let minifloats: [DType] = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float4e2m1]

    @Test func everyFiniteCodeRoundTrips() throws {
        for dtype in Self.minifloats {
            let format = try #require(MinifloatFormat.of(dtype))
            let codes = 0..<(1 << (format.exponentBits + format.mantissaBits + 1))
            for code in codes {
                let value = format.decode(UInt8(code))
                guard !value.isNaN else { continue }
                #expect(format.encode(value, saturate: false) == UInt8(code), "\(dtype) code \(code) = \(value)")
            }
        }
    }

    @Test func formatsMatchTheirDefinitions() throws {
        let maxima: [DType: Float] = [
            .float8e4m3fn: 448, .float8e4m3fnuz: 240, .float8e5m2: 57344, .float8e5m2fnuz: 57344, .float4e2m1: 6,
        ]
        for (dtype, maximum) in maxima { #expect(MinifloatFormat.of(dtype)?.maximum == maximum, "\(dtype)") }
        // ml_dtypes' non-saturating conversions of NaN, ∞, −∞, overflow, a tie below overflow, −0.
        let cases: [(DType, [Float], [UInt8])] = [
            (.float8e4m3fn, [.nan, .infinity, -.infinity, 500, 470, 460, -0.0], [127, 127, 255, 127, 127, 126, 128]),
            (.float8e4m3fnuz, [.nan, .infinity, -.infinity, 500, -0.0, 250, 1e-9], [128, 128, 128, 128, 0, 128, 0]),
            (.float8e5m2, [.nan, .infinity, -.infinity, 60000, 62000, -0.0], [126, 124, 252, 123, 124, 128]),
            (.float8e5m2fnuz, [.nan, .infinity, -.infinity, 60000, 62000, -0.0], [128, 128, 128, 127, 128, 0]),
            (.float4e2m1, [7, -7, 0.25, 0.2, -0.0, 5, 2.5, 1e6], [7, 15, 0, 0, 8, 6, 4, 7]),
        ]
        for (dtype, values, codes) in cases {
            let format = try #require(MinifloatFormat.of(dtype))
            #expect(values.map { format.encode($0, saturate: false) } == codes, "\(dtype)")
        }
        let e4m3 = try #require(MinifloatFormat.of(.float8e4m3fn))
        #expect([Float.infinity, -1e9, 500].map { e4m3.encode($0, saturate: true) } == [126, 254, 126])
        #expect(e4m3.decode(1) == 0x1p-9 && e4m3.decode(0x38) == 1)
    }

    @Test func scaleExponentRoundsAsONNXDoes() {
        #expect(ScaleExponent.decode(127) == 1 && ScaleExponent.decode(0) == 0x1p-127 && ScaleExponent.decode(255).isNaN)
        let values: [Float] = [0, 0.124, 0.25, 1.1, 1.5, 3, .nan, 0x1.8p127]
        #expect(values.map { ScaleExponent.encode($0, saturate: true, rounding: .up) } == [0, 124, 125, 128, 128, 129, 255, 254])
        #expect(values.map { ScaleExponent.encode($0, saturate: false, rounding: .down) } == [0, 123, 125, 127, 127, 128, 255, 254])
        #expect(values.map { ScaleExponent.encode($0, saturate: false, rounding: .nearest) } == [0, 124, 125, 127, 128, 129, 255, 255])
    }

    @Test func packedTypesUnpackAndRepackInONNXOrder() {
        let int4 = TensorData(dtype: .int4, shape: [3], unpacking: [0x8f, 0x07])
        #expect(int4.int64s == [-1, -8, 7])
        #expect(int4.fileBytes == [0x8f, 0x07])
        let uint2 = TensorData(dtype: .uint2, shape: [5], unpacking: [0b1110_0100, 0b01])
        #expect(uint2.int64s == [0, 1, 2, 3, 1])
        #expect(uint2.fileBytes == [0b1110_0100, 0b01])
        // Integers wrap into 4 bits as ONNX's reference (ml_dtypes) does.
        #expect(TensorData(dtype: .int4, shape: [4], converting: [-9.0, 8, 300, 7.9]).int64s == [7, -8, -4, 7])
    }

    /// A Cast from float32 to `dtype` with `saturate`, compiled and run on `inputs`.
    func compiledCast(_ inputs: [Float], to dtype: DType, saturate: Bool) throws -> [UInt8] {
        var node = Onnx_NodeProto()
        node.opType = "Cast"
        node.name = "cast"
        node.input = ["x"]
        node.output = ["y"]
        for (name, value) in [("to", dtype.rawValue), ("saturate", saturate ? 1 : 0)] {
            var attribute = Onnx_AttributeProto()
            attribute.name = name
            attribute.type = .int
            attribute.i = Int64(value)
            node.attribute.append(attribute)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-cast-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeONNXModel(
            to: path, nodes: [node], inputs: [onnxValueInfo("x", .float32, [inputs.count])],
            outputs: [onnxValueInfo("y", dtype, [inputs.count])], opset: 23)
        let loaded = try LoadedModel(modelPath: path)
        try loaded.runtime.setInput(0, inputs)
        loaded.runtime.run()
        return Array(loaded.runtime.output(0, as: UInt8.self))
    }

    @Test func compiledCastsEncodeLikeTheCompiler() throws {
        // Every binade of float32 with several mantissas, both signs, and the specials.
        var inputs: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for exponent in -140...130 {
            for mantissa in [0, 1, 0x10_0000, 0x20_0000, 0x30_0000, 0x40_0000, 0x50_0000, 0x60_0000, 0x7f_ffff] {
                let magnitude = Float(sign: .plus, exponent: exponent, significand: 1 + Float(mantissa) / 0x80_0000)
                inputs += [magnitude, -magnitude]
            }
        }
        for dtype in Self.minifloats {
            let format = try #require(MinifloatFormat.of(dtype))
            for saturate in [true, false] {
                let got = try compiledCast(inputs, to: dtype, saturate: saturate)
                let want = inputs.map { format.encode($0, saturate: saturate) }
                let wrong = zip(inputs, zip(got, want)).filter { $1.0 != $1.1 }
                #expect(wrong.isEmpty, "\(dtype) saturate \(saturate): \(wrong.prefix(5))")
            }
        }
    }
}
