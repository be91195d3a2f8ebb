// And, Or, Xor (broadcast) and Not on bool tensors.

import Testing

@testable import KilnCompiler

@Suite struct LogicalTests {
    /// Every pair of truth values: a = [T, T, F, F], b = [T, F, T, F].
    let table = OpInputs(.bools([true, true, false, false]), .bools([true, false, true, false]))

    @Test func foldsTheTruthTables() throws {
        #expect(try And.parse().evaluate(table)?.first == TensorData(shape: [4], bools: [true, false, false, false]))
        #expect(try Or.parse().evaluate(table)?.first == TensorData(shape: [4], bools: [true, true, true, false]))
        #expect(try Xor.parse().evaluate(table)?.first == TensorData(shape: [4], bools: [false, true, true, false]))
        #expect(
            try Not.parse().evaluate(OpInputs(.bools([true, false])))?.first
                == TensorData(shape: [2], bools: [false, true]))
    }

    @Test func broadcasts() throws {
        let inputs = OpInputs(.bools([true, false], shape: [2, 1]), .bools([true, false]))
        #expect(try And.parse().inferTypes(inputs) == [TensorType(.bool, [2, 2])])
        #expect(try Or.parse().evaluate(inputs)?.first == TensorData(shape: [2, 2], bools: [true, true, true, false]))
        #expect(try Or.parse().evaluate(OpInputs(.bools([true]), .value(.bool, [1]))) == nil)
    }

    @Test func onlyBoolOperands() {
        expectCompileError(.unsupportedFeature, "input 1", "int64") {
            try Xor.parse().inferTypes(OpInputs(.value(.bool, [2]), .value(.int64, [2])))
        }
        expectCompileError(.unsupportedFeature, "float32") {
            try Not.parse().inferTypes(OpInputs(.value(.float32, [2])))
        }
        expectCompileError(.shapeMismatch, "do not broadcast") {
            try And.parse().inferTypes(OpInputs(.value(.bool, [2]), .value(.bool, [3])))
        }
    }

    @Test func lowersToItsOperator() throws {
        let pair = OpInputs(.value(.bool, [2]), .value(.bool, [2]))
        #expect(try And.parse().lower(pair).coreOp == .elementwise(.logical(.and)))
        #expect(try Or.parse().lower(pair).coreOp == .elementwise(.logical(.or)))
        #expect(try Xor.parse().lower(pair).coreOp == .elementwise(.logical(.xor)))
        #expect(try Not.parse().lower(OpInputs(.value(.bool, [2]))).coreOp == .elementwise(.not))
    }
}
