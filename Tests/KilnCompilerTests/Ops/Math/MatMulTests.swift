// MatMul: NumPy matmul on float32 with broadcast batch axes; rank-1
// operands are promoted to matrices and the added axis dropped again.

import Testing

@testable import KilnCompiler

@Suite struct MatMulTests {
    func resultShape(_ a: [Int], _ b: [Int]) throws -> [Int]? {
        let types = try MatMul.parse().inferTypes(OpInputs(.value(.float32, a), .value(.float32, b)))
        #expect(types.map(\.dtype) == [.float32])
        return types.first?.shape
    }

    @Test func shapesFollowNumPy() throws {
        #expect(try resultShape([2, 3], [3, 4]) == [2, 4])
        #expect(try resultShape([5, 2, 3], [3, 4]) == [5, 2, 4])
        #expect(try resultShape([2, 1, 2, 3], [5, 3, 4]) == [2, 5, 2, 4])
        // Vector operands: the promoted axis disappears from the result.
        #expect(try resultShape([3], [3, 4]) == [4])
        #expect(try resultShape([2, 3], [3]) == [2])
        #expect(try resultShape([3], [3]) == [])
        #expect(try resultShape([3], [2, 3, 4]) == [2, 4])
    }

    @Test func incompatibleOperandsAreRefused() {
        expectCompileError(.shapeMismatch, "inner dimensions differ", "[2, 3]", "[4, 5]") {
            try resultShape([2, 3], [4, 5])
        }
        expectCompileError(.shapeMismatch, "batch dimensions", "do not broadcast") {
            try resultShape([2, 2, 3], [3, 3, 4])
        }
        expectCompileError(.shapeMismatch, "rank ≥ 1") { try resultShape([], [3]) }
        expectCompileError(.unsupportedFeature, "input B", "int32") {
            try MatMul.parse().inferTypes(OpInputs(.value(.float32, [2, 3]), .value(.int32, [3, 4])))
        }
    }

    @Test func lowersToMatMul() throws {
        #expect(
            try MatMul.parse().lower(OpInputs(.value(.float32, [2, 3]), .value(.float32, [3, 4]))).coreOp == .matMul)
    }
}
