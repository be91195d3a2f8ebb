// Shape: the input's dimensions as int64, optionally the start..<end slice
// (negative ends count from the back, out-of-range ends clamp); always constant.

import Testing

@testable import KilnCompiler

@Suite struct ShapeOfTests {
    func dims(_ attributes: [String: Attribute] = [:], of shape: [Int] = [2, 3, 4]) throws -> [Int64]? {
        let op = try ShapeOf.parse(attributes, opset: 15)
        let inputs = OpInputs(.value(.float32, shape))
        let folded = try op.evaluate(inputs)?.first
        #expect(try op.inferTypes(inputs) == [TensorType(.int64, [folded?.elementCount ?? -1])])
        return folded?.int64s
    }

    @Test func wholeShapeByDefault() throws {
        #expect(try dims() == [2, 3, 4])
        #expect(try dims(of: []) == [])
    }

    @Test func startAndEndSlice() throws {
        #expect(try dims(["start": .int(1)]) == [3, 4])
        #expect(try dims(["end": .int(-1)]) == [2, 3])
        #expect(try dims(["start": .int(-2), "end": .int(-1)]) == [3])
        // Out-of-range bounds clamp; an empty range is an empty shape.
        #expect(try dims(["start": .int(-9), "end": .int(9)]) == [2, 3, 4])
        #expect(try dims(["start": .int(2), "end": .int(1)]) == [])
        expectCompileError(.invalidAttribute, "'start'", "an integer") { try ShapeOf.parse(["start": .string("1")]) }
        expectCompileError(.invalidAttribute, "'end'", "an integer") { try ShapeOf.parse(["end": .float(1)]) }
    }

    @Test func lowersToTheConstant() throws {
        let lowering = try ShapeOf.parse(["start": .int(1)]).lower(OpInputs(.value(.float32, [2, 3, 4])))
        #expect(lowering.replacements == [.constant(TensorData(shape: [2], int64s: [3, 4]))])
    }
}
