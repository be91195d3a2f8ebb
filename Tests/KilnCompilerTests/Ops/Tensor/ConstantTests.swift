// Constant: a tensor given by exactly one of its value attributes.

import Testing

@testable import KilnCompiler

@Suite struct ConstantTests {
    @Test func eachValueAttributeGivesItsTensor() throws {
        let tensor = TensorData.int32s([1, 2], shape: [2, 1])
        #expect(try Constant.parse(["value": .tensor(tensor)]).value == tensor)
        #expect(try Constant.parse(["value_float": .float(1.5)]).value == TensorData(shape: [], floats: [1.5]))
        #expect(try Constant.parse(["value_floats": .floats([1, 2])]).value == TensorData(shape: [2], floats: [1, 2]))
        #expect(try Constant.parse(["value_int": .int(-3)]).value == TensorData(shape: [], int64s: [-3]))
        #expect(
            try Constant.parse(["value_ints": .ints([4, 5, 6])]).value == TensorData(shape: [3], int64s: [4, 5, 6]))
    }

    @Test func exactlyOneValueOfTheRightType() {
        expectCompileError(.unsupportedFeature, "needs one") { try Constant.parse() }
        expectCompileError(.unsupportedFeature, "needs one") { try Constant.parse(["value_string": .string("a")]) }
        expectCompileError(.unsupportedFeature, "several value attributes", "value_float, value_int") {
            try Constant.parse(["value_int": .int(1), "value_float": .float(1)])
        }
        expectCompileError(.invalidAttribute, "'value_ints'", "wrong type") {
            try Constant.parse(["value_ints": .floats([1])])
        }
    }

    @Test func typesFoldsAndLowersToItsValue() throws {
        let value = TensorData(shape: [2], int64s: [7, 8])
        let constant = try Constant.parse(["value": .tensor(value)])
        #expect(try constant.inferTypes(OpInputs()) == [TensorType(.int64, [2])])
        #expect(try constant.evaluate(OpInputs()) == [value])
        #expect(try constant.lower(OpInputs()).replacements == [.constant(value)])
    }
}
