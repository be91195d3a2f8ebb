// Where: X where the bool condition holds, else Y; all three broadcast.

import Testing

@testable import KilnCompiler

@Suite struct WhereTests {
    @Test func resultBroadcastsAllThree() throws {
        let inputs = OpInputs(.value(.bool, [2, 1]), .value(.int32, [3]), .value(.int32, []))
        #expect(try Where.parse().inferTypes(inputs) == [TensorType(.int32, [2, 3])])
    }

    @Test func unsuitableOperandsAreRefused() {
        expectCompileError(.unsupportedFeature, "the condition", "float32") {
            try Where.parse().inferTypes(OpInputs(.value(.float32, [2]), .value(.float32, [2]), .value(.float32, [2])))
        }
        expectCompileError(.shapeMismatch, "different element types") {
            try Where.parse().inferTypes(OpInputs(.value(.bool, [2]), .value(.float32, [2]), .value(.int64, [2])))
        }
        expectCompileError(.shapeMismatch, "do not broadcast") {
            try Where.parse().inferTypes(OpInputs(.value(.bool, [2]), .value(.float32, [3]), .value(.float32, [3])))
        }
    }

    @Test func foldsInTheBranchType() throws {
        let elementwise = OpInputs(
            .bools([true, false, true]), .constant(.int32s([1, 2, 3])), .constant(.int32s([10, 20, 30])))
        #expect(try Where.parse().evaluate(elementwise)?.first == .int32s([1, 20, 3]))
        // A row condition picks whole rows; a scalar Y fills the rest.
        let rows = OpInputs(.bools([true, false], shape: [2, 1]), .floats([1, 2, 3]), .floats([0], shape: []))
        #expect(try Where.parse().evaluate(rows)?.first == TensorData(shape: [2, 3], floats: [1, 2, 3, 0, 0, 0]))
        #expect(try Where.parse().evaluate(OpInputs(.bools([true]), .floats([1]), .value(.float32, [1]))) == nil)
    }

    @Test func lowersToSelect() throws {
        let inputs = OpInputs(.value(.bool, [2]), .value(.float32, [2]), .value(.float32, [2]))
        #expect(try Where.parse().lower(inputs).coreOp == .elementwise(.select))
    }
}
