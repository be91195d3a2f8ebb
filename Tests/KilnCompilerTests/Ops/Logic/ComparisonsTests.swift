// Equal, Less, LessOrEqual, Greater, GreaterOrEqual: broadcast comparisons
// of two operands of one type, giving bool.

import Testing

@testable import KilnCompiler

@Suite struct ComparisonsTests {
    @Test func resultIsBroadcastBool() throws {
        let inputs = OpInputs(.value(.int64, [2, 1]), .value(.int64, [3]))
        #expect(try Less.parse().inferTypes(inputs) == [TensorType(.bool, [2, 3])])
    }

    @Test func incompatibleOperandsAreRefused() {
        expectCompileError(.shapeMismatch, "different element types") {
            try Equal.parse().inferTypes(OpInputs(.value(.int32, [2]), .value(.int64, [2])))
        }
        expectCompileError(.shapeMismatch, "[2]", "[3]", "do not broadcast") {
            try Greater.parse().inferTypes(OpInputs(.value(.float32, [2]), .value(.float32, [3])))
        }
    }

    @Test func foldsIntegers() throws {
        let inputs = OpInputs(.int64s([1, 2, 3]), .int64s([2], shape: []))
        func fold(_ op: some Operator) throws -> [Int64]? { try op.evaluate(inputs)?.first?.int64s }
        #expect(try fold(Equal.parse()) == [0, 1, 0])
        #expect(try fold(Less.parse()) == [1, 0, 0])
        #expect(try fold(LessOrEqual.parse()) == [1, 1, 0])
        #expect(try fold(Greater.parse()) == [0, 0, 1])
        #expect(try fold(GreaterOrEqual.parse()) == [0, 1, 1])
        #expect(try Equal.parse().evaluate(inputs)?.first?.type == TensorType(.bool, [3]))
        // Integers compare exactly, not through doubles: 2⁵³ + 1 > 2⁵³.
        let large = OpInputs(.int64s([(1 << 53) + 1]), .int64s([1 << 53]))
        #expect(try Greater.parse().evaluate(large)?.first == TensorData(shape: [1], bools: [true]))
    }

    @Test func foldsFloatsWithNaNUnordered() throws {
        let inputs = OpInputs(.floats([0.5, -1.5, .nan]), .floats([0.5, -1, .nan]))
        #expect(try Equal.parse().evaluate(inputs)?.first == TensorData(shape: [3], bools: [true, false, false]))
        #expect(try Less.parse().evaluate(inputs)?.first == TensorData(shape: [3], bools: [false, true, false]))
        #expect(try Less.parse().evaluate(OpInputs(.floats([1]), .value(.float32, [1]))) == nil)
    }

    @Test func lowersToItsComparison() throws {
        let inputs = OpInputs(.value(.float32, [2]), .value(.float32, [2]))
        #expect(try LessOrEqual.parse().lower(inputs).coreOp == .elementwise(.compare(.lessOrEqual)))
        #expect(try GreaterOrEqual.parse().lower(inputs).coreOp == .elementwise(.compare(.greaterOrEqual)))
    }

    /// uint64 constants compare unsigned: 2⁶⁴ − 1 is not less than 1.
    @Test func uint64ComparesUnsigned() throws {
        let big = TensorData(dtype: .uint64, shape: [1], converting: [-1] as [Int64])  // 2⁶⁴ − 1
        let one = TensorData(dtype: .uint64, shape: [1], converting: [1] as [Int64])
        let result = try Less.parse().evaluate(OpInputs(.constant(big), .constant(one)))?.first
        #expect(result == TensorData(shape: [1], bools: [false]))
    }
}
