// ConstantOfShape: a constant shape filled with one value (float32 zero by
// default); folded only, never computed at run time.

import Testing

@testable import KilnCompiler

@Suite struct ConstantOfShapeTests {
    @Test func fillsWithZeroByDefault() throws {
        let zeros = try ConstantOfShape.parse().evaluate(OpInputs(.int64s([2, 3])))?.first
        #expect(zeros == TensorData(shape: [2, 3], floats: Array(repeating: 0, count: 6)))
    }

    @Test func fillsWithTheValueInItsType() throws {
        let seven = try ConstantOfShape.parse(["value": .tensor(TensorData(shape: [1], int64s: [7]))])
        #expect(try seven.inferTypes(OpInputs(.int64s([2, 2]))) == [TensorType(.int64, [2, 2])])
        #expect(
            try seven.evaluate(OpInputs(.int64s([2, 2])))?.first == TensorData(shape: [2, 2], int64s: [7, 7, 7, 7]))
        // An empty shape is a scalar; a zero dimension an empty tensor.
        #expect(try seven.evaluate(OpInputs(.int64s([])))?.first == TensorData(shape: [], int64s: [7]))
        #expect(try seven.evaluate(OpInputs(.int64s([3, 0])))?.first == TensorData(shape: [3, 0], int64s: []))
        let ones = try ConstantOfShape.parse(["value": .tensor(.int32s([1]))])
        #expect(try ones.evaluate(OpInputs(.int64s([3])))?.first == .int32s([1, 1, 1]))
    }

    @Test func valueMustBeOneElementTensor() {
        expectCompileError(.invalidAttribute, "one element", "[2]") {
            try ConstantOfShape.parse(["value": .tensor(TensorData(shape: [2], floats: [1, 2]))])
        }
        expectCompileError(.invalidAttribute, "'value'", "a tensor") { try ConstantOfShape.parse(["value": .float(1)]) }
    }

    @Test func shapeMustBeAConstantOfSaneSize() {
        expectCompileError(.invalidAttribute, "invalid or too large shape [2, -1]") {
            try ConstantOfShape.parse().inferTypes(OpInputs(.int64s([2, -1])))
        }
        expectCompileError(.unsupportedFeature, "the shape (input 0)", "compile-time constant") {
            try ConstantOfShape.parse().inferTypes(OpInputs(.value(.int64, [2])))
        }
        // 2³² float32s (16 GiB) is a valid shape but over the folding budget; refused before allocating.
        expectCompileError(.unsupportedFeature, "17179869184-byte constant") {
            try ConstantOfShape.parse().evaluate(OpInputs(.int64s([65536, 65536])))
        }
    }

    @Test func runTimeLoweringIsRefused() {
        expectCompileError(.unsupportedFeature, "ConstantOfShape", "compile-time constants") {
            try ConstantOfShape.parse().lower(OpInputs(.value(.int64, [2])))
        }
    }
}
