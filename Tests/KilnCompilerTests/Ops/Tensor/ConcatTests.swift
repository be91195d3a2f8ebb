// Concat: tensors of one element type joined along a required axis.

import Testing

@testable import KilnCompiler

@Suite struct ConcatTests {
    @Test func axisIsRequiredAndAnInteger() {
        expectCompileError(.invalidAttribute, "needs an 'axis'") { try Concat.parse() }
        expectCompileError(.invalidAttribute, "'axis'", "an integer") { try Concat.parse(["axis": .string("0")]) }
    }

    @Test func joinedAxisAddsUp() throws {
        let inputs = OpInputs(.value(.float32, [2, 3]), .value(.float32, [2, 5]), .value(.float32, [2, 1]))
        #expect(try Concat.parse(["axis": .int(1)]).inferTypes(inputs) == [TensorType(.float32, [2, 9])])
        #expect(try Concat.parse(["axis": .int(-1)]).inferTypes(inputs) == [TensorType(.float32, [2, 9])])
    }

    @Test func incompatibleInputsAreRefused() {
        expectCompileError(.invalidAttribute, "axis 2", "rank 2") {
            try Concat.parse(["axis": .int(2)]).inferTypes(
                OpInputs(.value(.float32, [2, 3]), .value(.float32, [2, 3])))
        }
        expectCompileError(.shapeMismatch, "cannot concatenate", "along axis 1") {
            try Concat.parse(["axis": .int(1)]).inferTypes(
                OpInputs(.value(.float32, [2, 3]), .value(.float32, [3, 3])))
        }
        expectCompileError(.shapeMismatch, "cannot concatenate", "int64") {
            try Concat.parse(["axis": .int(0)]).inferTypes(OpInputs(.value(.float32, [2]), .value(.int64, [2])))
        }
    }

    @Test func foldsAlongAnyAxis() throws {
        // Shape arithmetic: [batch] ++ [-1].
        let vectors = OpInputs(.int64s([1, 2]), .int64s([3]))
        #expect(
            try Concat.parse(["axis": .int(0)]).evaluate(vectors)?.first == TensorData(shape: [3], int64s: [1, 2, 3]))
        // Rows interleave when joining columns; int32 stays int32.
        let left = TensorData.int32s([1, 2, 3, 4], shape: [2, 2])
        let right = TensorData.int32s([5, 6], shape: [2, 1])
        let joined = try Concat.parse(["axis": .int(-1)]).evaluate(OpInputs(.constant(left), .constant(right)))?.first
        #expect(joined == .int32s([1, 2, 5, 3, 4, 6], shape: [2, 3]))
        #expect(try Concat.parse(["axis": .int(0)]).evaluate(OpInputs(.int64s([1]), .value(.int64, [1]))) == nil)
    }

    @Test func lowersWithTheNormalisedAxis() throws {
        let inputs = OpInputs(.value(.float32, [2, 3]), .value(.float32, [2, 1]))
        #expect(try Concat.parse(["axis": .int(-1)]).lower(inputs).coreOp == .concat(axis: 1))
    }
}
