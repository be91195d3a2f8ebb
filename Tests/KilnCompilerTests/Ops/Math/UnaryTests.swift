// Abs, Neg, Sign, Floor, Ceil, Round, Reciprocal, Sqrt, Exp, Log, Erf, IsNaN,
// IsInf: the types each accepts, exact folds, and the formula each lowers to.

import Testing

@testable import KilnCompiler

@Suite struct UnaryTests {
    @Test func lowersToOneFunctionOfTheOperand() throws {
        let x = OpInputs(.value(.float32, [4]))
        #expect(try Sqrt.parse().lower(x).coreOp == .elementwise(.expression(.unary(.squareRoot, .operand(0)))))
        #expect(try Round.parse().lower(x).coreOp == .elementwise(.expression(.unary(.roundToEven, .operand(0)))))
    }

    @Test func foldsExactlyInTheInputsType() throws {
        let floats = OpInputs(.floats([-2.5, -0.5, 0.5, 1.5, 2.5], shape: [5]))
        #expect(try Round.parse().evaluate(floats)?.first?.floats == [-2, -0, 0, 2, 2])  // halves to even
        #expect(try Floor.parse().evaluate(floats)?.first?.floats == [-3, -1, 0, 1, 2])
        #expect(try Sign.parse().evaluate(floats)?.first?.floats == [-1, -1, 1, 1, 1])
        let ints = OpInputs(.constant(.int32s([-7, 0, 9], shape: [3])))
        let negated = try #require(try Neg.parse().evaluate(ints)?.first)
        #expect(negated.dtype == .int32 && negated.int64s == [7, 0, -9])
        #expect(try Abs.parse().evaluate(ints)?.first?.int64s == [7, 0, 9])
    }

    @Test func typesAreCheckedPerOp() throws {
        // Transcendental functions without a float64 version refuse float64 rather than round it;
        // exp and log have one.
        expectCompileError(.unsupportedFeature, "float64") { try Erf.parse().inferTypes(OpInputs(.value(.float64, [2]))) }
        expectCompileError(.unsupportedFeature, "float64") { try Sin.parse().inferTypes(OpInputs(.value(.float64, [2]))) }
        #expect(try Exp.parse().inferTypes(OpInputs(.value(.float64, [2]))) == [TensorType(.float64, [2])])
        expectCompileError(.unsupportedFeature, "int64") { try Floor.parse().inferTypes(OpInputs(.value(.int64, [2]))) }
        #expect(try Sqrt.parse().inferTypes(OpInputs(.value(.float64, [2]))) == [TensorType(.float64, [2])])
        #expect(try IsNaN.parse().inferTypes(OpInputs(.value(.float16, [3]))) == [TensorType(.bool, [3])])
    }

    @Test func isInfDetectsTheChosenSigns() throws {
        let x = OpInputs(.value(.float32, [2]))
        let positiveOnly = try IsInf.parse(["detect_negative": .int(0)])
        #expect(try positiveOnly.lower(x).coreOp == .elementwise(.expression(.unary(.isPositiveInfinity, .operand(0)))))
        #expect(try IsInf.parse().inferTypes(x) == [TensorType(.bool, [2])])
    }
}
