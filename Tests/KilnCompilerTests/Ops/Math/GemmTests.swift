// Gemm: Y = alpha · op(A) · op(B) + beta · C on rank-2 float32, C broadcast to [M, N].

import Testing

@testable import KilnCompiler

@Suite struct GemmTests {
    @Test func attributesDefaultToAPlainProduct() throws {
        #expect(try Gemm.parse().parameters == GemmParameters(transposeA: false, transposeB: false, alpha: 1, beta: 1))
        // An integer alpha or beta is read as a float.
        let parsed = try Gemm.parse(["transA": .int(1), "alpha": .float(0.5), "beta": .int(2)])
        #expect(parsed.parameters == GemmParameters(transposeA: true, transposeB: false, alpha: 0.5, beta: 2))
    }

    @Test func wronglyTypedAttributesAreRefused() {
        expectCompileError(.invalidAttribute, "'transB'", "an integer") { try Gemm.parse(["transB": .float(1)]) }
        expectCompileError(.invalidAttribute, "'transA'", "0 or 1") { try Gemm.parse(["transA": .int(2)]) }
        expectCompileError(.invalidAttribute, "'alpha'", "a float") { try Gemm.parse(["alpha": .string("1")]) }
    }

    @Test func resultIsMByNAfterTransposes() throws {
        let plain = OpInputs(.value(.float32, [2, 3]), .value(.float32, [3, 4]))
        #expect(try Gemm.parse().inferTypes(plain) == [TensorType(.float32, [2, 4])])
        let transposed = OpInputs(.value(.float32, [3, 2]), .value(.float32, [4, 3]), .value(.float32, [2, 1]))
        let both = try Gemm.parse(["transA": .int(1), "transB": .int(1)])
        #expect(try both.inferTypes(transposed) == [TensorType(.float32, [2, 4])])
        // C may be a row, a column or a scalar.
        for c in [[4], [2, 1], []] {
            let withC = OpInputs(.value(.float32, [2, 3]), .value(.float32, [3, 4]), .value(.float32, c))
            #expect(try Gemm.parse().inferTypes(withC) == [TensorType(.float32, [2, 4])])
        }
    }

    @Test func mismatchedOperandsAreRefused() {
        expectCompileError(.shapeMismatch, "inner dimensions differ", "[4, 3]") {
            try Gemm.parse().inferTypes(OpInputs(.value(.float32, [2, 3]), .value(.float32, [4, 3])))
        }
        expectCompileError(.shapeMismatch, "C of shape [3]", "[2, 4]") {
            try Gemm.parse().inferTypes(
                OpInputs(.value(.float32, [2, 3]), .value(.float32, [3, 4]), .value(.float32, [3])))
        }
        expectCompileError(.unsupportedFeature, "A", "rank-2") {
            try Gemm.parse().inferTypes(OpInputs(.value(.float32, [2, 2, 3]), .value(.float32, [3, 4])))
        }
        expectCompileError(.unsupportedFeature, "input 1", "int64") {
            try Gemm.parse().inferTypes(OpInputs(.value(.float32, [2, 3]), .value(.int64, [3, 4])))
        }
    }

    @Test func lowersToGemmWithItsParameters() throws {
        let gemm = try Gemm.parse(["transB": .int(1), "beta": .float(0.5)])
        let inputs = OpInputs(.value(.float32, [2, 3]), .value(.float32, [4, 3]), .value(.float32, [4]))
        #expect(
            try gemm.lower(inputs).coreOp
                == .gemm(GemmParameters(transposeA: false, transposeB: true, alpha: 1, beta: 0.5)))
    }
}
