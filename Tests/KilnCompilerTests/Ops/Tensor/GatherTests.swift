// Gather: slices along an axis picked by integer indices (negative ones
// count from the end); the indices' shape replaces the gathered axis.

import Testing

@testable import KilnCompiler

@Suite struct GatherTests {
    func shape(_ data: [Int], _ indices: [Int], axis: Int = 0) throws -> [Int]? {
        let gather = try Gather.parse(["axis": .int(axis)])
        return try gather.inferTypes(OpInputs(.value(.int64, data), .value(.int32, indices))).first?.shape
    }

    @Test func indicesShapeReplacesTheAxis() throws {
        #expect(try Gather.parse().axis == 0)
        #expect(try shape([3, 4], [2], axis: 1) == [3, 2])
        #expect(try shape([3, 4], [], axis: 0) == [4])
        #expect(try shape([3, 4], [2, 2], axis: 0) == [2, 2, 4])
        #expect(try shape([3, 4, 5], [6], axis: -2) == [3, 6, 5])
        let type = try Gather.parse().inferTypes(OpInputs(.value(.float16, [3]), .value(.int64, [])))
        #expect(type == [TensorType(.float16, [])])
    }

    @Test func badAxesAndIndicesAreRefused() {
        expectCompileError(.invalidAttribute, "'axis'", "an integer") { try Gather.parse(["axis": .string("0")]) }
        expectCompileError(.invalidAttribute, "axis 2", "out of range", "[3, 4]") { try shape([3, 4], [1], axis: 2) }
        expectCompileError(.invalidAttribute, "axis -3") { try shape([3, 4], [1], axis: -3) }
        expectCompileError(.unsupportedFeature, "indices", "float32") {
            try Gather.parse().inferTypes(OpInputs(.value(.int64, [3]), .value(.float32, [1])))
        }
    }

    @Test func foldsWithNegativeIndices() throws {
        // Shape arithmetic: the last dimension of a shape.
        let last = try Gather.parse().evaluate(OpInputs(.int64s([5, 6, 7]), .int64s([-1], shape: [])))?.first
        #expect(last == TensorData(shape: [], int64s: [7]))
        // Columns 2 and 0 of [[1, 2, 3], [4, 5, 6]], int32 data and indices.
        let matrix = TensorData.int32s([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let columns = try Gather.parse(["axis": .int(1)]).evaluate(
            OpInputs(.constant(matrix), .constant(.int32s([2, -3]))))
        #expect(columns?.first == .int32s([3, 1, 6, 4], shape: [2, 2]))
        #expect(try Gather.parse().evaluate(OpInputs(.value(.int64, [3]), .int64s([0]))) == nil)
    }

    @Test func outOfRangeConstantIndicesAreErrors() {
        expectCompileError(.invalidAttribute, "index 3 is out of range for size 3") {
            try Gather.parse().evaluate(OpInputs(.int64s([5, 6, 7]), .int64s([3])))
        }
        expectCompileError(.invalidAttribute, "index -4") {
            try Gather.parse().evaluate(OpInputs(.int64s([5, 6, 7]), .int64s([-4])))
        }
    }

    @Test func lowersWithTheNormalisedAxis() throws {
        let inputs = OpInputs(.value(.float32, [3, 4]), .value(.int64, [2]))
        #expect(try Gather.parse(["axis": .int(-1)]).lower(inputs).coreOp == .gather(axis: 1))
    }
}
