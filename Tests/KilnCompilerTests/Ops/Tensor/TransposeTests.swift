// Transpose: output axis i is input axis perm[i] (reversed by default).

import Testing

@testable import KilnCompiler

@Suite struct TransposeTests {
    @Test func permutesTheShape() throws {
        let x = OpInputs(.value(.bool, [2, 3, 4]))
        #expect(try Transpose.parse().inferTypes(x) == [TensorType(.bool, [4, 3, 2])])
        #expect(try Transpose.parse(["perm": .ints([1, 0, 2])]).inferTypes(x) == [TensorType(.bool, [3, 2, 4])])
    }

    @Test func badPermutationsAreRefused() {
        expectCompileError(.invalidAttribute, "'perm'", "a list of integers") {
            try Transpose.parse(["perm": .floats([1, 0])])
        }
        let x = OpInputs(.value(.float32, [2, 3, 4]))
        expectCompileError(.invalidAttribute, "perm [0, 0, 1]", "0..<3") {
            try Transpose.parse(["perm": .ints([0, 0, 1])]).inferTypes(x)
        }
        expectCompileError(.invalidAttribute, "perm [1, 0]") {
            try Transpose.parse(["perm": .ints([1, 0])]).inferTypes(x)
        }
    }

    @Test func foldsInTheElementType() throws {
        let matrix = TensorData.int32s([0, 1, 2, 3, 4, 5], shape: [2, 3])
        #expect(
            try Transpose.parse().evaluate(OpInputs(.constant(matrix)))?.first
                == .int32s([0, 3, 1, 4, 2, 5], shape: [3, 2]))
        // out[a, b, c] = in[b, c, a], in[i, j, k] = 4i + 2j + k.
        let cube = Operand.int64s(Array(0..<8), shape: [2, 2, 2])
        let rotated = try Transpose.parse(["perm": .ints([2, 0, 1])]).evaluate(OpInputs(cube))?.first
        #expect(rotated == TensorData(shape: [2, 2, 2], int64s: [0, 2, 4, 6, 1, 3, 5, 7]))
        #expect(try Transpose.parse().evaluate(OpInputs(.value(.float32, [2, 2]))) == nil)
    }

    @Test func lowersToItsPermutation() throws {
        #expect(
            try Transpose.parse().lower(OpInputs(.value(.float32, [2, 3]))).coreOp == .transpose(permutation: [1, 0]))
        let rotate = try Transpose.parse(["perm": .ints([2, 0, 1])])
        #expect(try rotate.lower(OpInputs(.value(.float32, [2, 3, 4]))).coreOp == .transpose(permutation: [2, 0, 1]))
    }
}
