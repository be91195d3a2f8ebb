// ArgMax and ArgMin: the int64 index of the extreme element along an axis
// (keepdims by default; first on ties unless select_last_index).

import Testing

@testable import KilnCompiler

@Suite struct ArgExtremeTests {
    let x = OpInputs(.value(.float32, [2, 3, 4]))

    @Test func attributesDefault() throws {
        let argMax = try ArgMax.parse()
        #expect(argMax.axis == 0 && argMax.keepsDimension && !argMax.selectsLastIndex)
        expectCompileError(.invalidAttribute, "'keepdims'", "an integer") { try ArgMax.parse(["keepdims": .float(0)]) }
        expectCompileError(.invalidAttribute, "'axis'", "an integer") { try ArgMin.parse(["axis": .string("1")]) }
    }

    @Test func resultIsInt64WithTheAxisKeptOrDropped() throws {
        #expect(try ArgMax.parse(["axis": .int(1)]).inferTypes(x) == [TensorType(.int64, [2, 1, 4])])
        #expect(
            try ArgMin.parse(["axis": .int(1), "keepdims": .int(0)]).inferTypes(x) == [TensorType(.int64, [2, 4])])
        #expect(try ArgMax.parse(["axis": .int(-1)]).inferTypes(x) == [TensorType(.int64, [2, 3, 1])])
    }

    @Test func unanswerableQuestionsAreRefused() {
        expectCompileError(.invalidAttribute, "axis 3", "out of range", "[2, 3, 4]") {
            try ArgMax.parse(["axis": .int(3)]).inferTypes(x)
        }
        expectCompileError(.shapeMismatch, "ArgMin", "empty axis") {
            try ArgMin.parse(["axis": .int(1)]).inferTypes(OpInputs(.value(.float32, [2, 0])))
        }
        expectCompileError(.unsupportedFeature, "ArgMax of bool") {
            try ArgMax.parse().inferTypes(OpInputs(.value(.bool, [2])))
        }
    }

    @Test func lowersWithItsParameters() throws {
        let argMax = try ArgMax.parse(["axis": .int(-2), "keepdims": .int(0), "select_last_index": .int(1)])
        #expect(
            try argMax.lower(x).coreOp
                == .argExtreme(
                    ArgExtremeParameters(axis: 1, keepsDimension: false, findsMaximum: true, selectsLastIndex: true)))
        #expect(
            try ArgMin.parse().lower(x).coreOp
                == .argExtreme(
                    ArgExtremeParameters(axis: 0, keepsDimension: true, findsMaximum: false, selectsLastIndex: false)))
        // Not folded: no shape arithmetic needs it.
        #expect(try ArgMax.parse().evaluate(OpInputs(.floats([1, 3, 2]))) == nil)
    }
}
