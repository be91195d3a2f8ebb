// Reshape: the input's elements under a constant target shape (0 copies the
// input's dimension unless allowzero, one -1 is inferred); a view.

import Testing

@testable import KilnCompiler

@Suite struct ReshapeTests {
    func target(_ requested: [Int64], input: [Int] = [2, 3, 4], allowZero: Bool = false) throws -> [Int]? {
        let reshape = try Reshape.parse(allowZero ? ["allowzero": .int(1)] : [:])
        return try reshape.inferTypes(OpInputs(.value(.int32, input), .int64s(requested))).first?.shape
    }

    @Test func allowZeroIsAFlag() throws {
        #expect(try Reshape.parse().allowZero == false)
        #expect(try Reshape.parse(["allowzero": .int(1)]).allowZero)
        expectCompileError(.invalidAttribute, "'allowzero'") { try Reshape.parse(["allowzero": .float(1)]) }
    }

    @Test func targetShapes() throws {
        #expect(try target([4, -1]) == [4, 6])
        #expect(try target([0, -1]) == [2, 12])
        #expect(try target([-1]) == [24])
        #expect(try target([2, 0, 2, 2]) == [2, 3, 2, 2])
        // With allowzero a 0 is a real zero-sized axis.
        #expect(try target([3, 0], input: [0, 3], allowZero: true) == [3, 0])
        let type = try Reshape.parse().inferTypes(OpInputs(.value(.int32, [6]), .int64s([2, 3])))
        #expect(type == [TensorType(.int32, [2, 3])])
    }

    @Test func impossibleTargetsAreRefused() {
        expectCompileError(.shapeMismatch, "more than one -1") { try target([-1, -1]) }
        expectCompileError(.shapeMismatch, "cannot reshape", "[5, -1]") { try target([5, -1]) }
        expectCompileError(.shapeMismatch, "cannot reshape", "24 elements", "[5, 5]") { try target([5, 5]) }
        expectCompileError(.shapeMismatch, "invalid target shape", "-2") { try target([-2, 12]) }
        expectCompileError(.unsupportedFeature, "the target shape (input 1)", "compile-time constant") {
            try Reshape.parse().inferTypes(OpInputs(.value(.float32, [6]), .value(.int64, [2])))
        }
    }

    @Test func foldsAndKeepsTheElementType() throws {
        let data = TensorData.int32s([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let result = try Reshape.parse().evaluate(OpInputs(.constant(data), .int64s([3, -1])))?.first
        #expect(result == .int32s([1, 2, 3, 4, 5, 6], shape: [3, 2]))
        #expect(try Reshape.parse().evaluate(OpInputs(.value(.int32, [6]), .int64s([6]))) == nil)
    }

    @Test func lowersToAView() throws {
        #expect(try Reshape.parse().lower(OpInputs(.value(.float32, [6]), .int64s([2, 3]))).coreOp == .view)
    }
}
