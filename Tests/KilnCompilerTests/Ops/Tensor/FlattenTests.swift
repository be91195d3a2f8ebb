// Flatten: a 2-D view [prod(dims before axis), prod(dims from axis)].

import Testing

@testable import KilnCompiler

@Suite struct FlattenTests {
    func flattened(_ shape: [Int], axis: Int? = nil) throws -> [Int]? {
        let flatten = try Flatten.parse(axis.map { ["axis": .int($0)] } ?? [:])
        return try flatten.inferTypes(OpInputs(.value(.int64, shape))).first?.shape
    }

    @Test func axisPicksTheSplit() throws {
        #expect(try flattened([2, 3, 4]) == [2, 12])
        #expect(try flattened([2, 3, 4], axis: 0) == [1, 24])
        #expect(try flattened([2, 3, 4], axis: 3) == [24, 1])
        #expect(try flattened([2, 3, 4], axis: -1) == [6, 4])
    }

    @Test func badAxesAreRefused() {
        expectCompileError(.invalidAttribute, "axis 4", "[2, 3, 4]") { try flattened([2, 3, 4], axis: 4) }
        expectCompileError(.invalidAttribute, "axis -4") { try flattened([2, 3, 4], axis: -4) }
        expectCompileError(.invalidAttribute, "'axis'", "an integer") { try Flatten.parse(["axis": .string("1")]) }
    }

    @Test func foldsAndLowersToAView() throws {
        let data = TensorData.int32s([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 2, 2])
        #expect(
            try Flatten.parse().evaluate(OpInputs(.constant(data)))?.first
                == .int32s([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 4]))
        #expect(try Flatten.parse().lower(OpInputs(.value(.float32, [2, 3]))).coreOp == .view)
    }
}
