// Cast: elements converted to `to` (floats to integers truncate toward
// zero, anything to bool is != 0); a cast to the same type is no cast.

import Testing

@testable import KilnCompiler

@Suite struct CastTests {
    func cast(_ data: TensorData, to dtype: DType) throws -> TensorData? {
        try Cast.parse(["to": .int(dtype.rawValue)]).evaluate(OpInputs(.constant(data)))?.first
    }

    @Test func targetTypeIsAnONNXCode() throws {
        #expect(try Cast.parse(["to": .int(7)]).to == .int64)
        expectCompileError(.unsupportedFeature, "Cast to string") { try Cast.parse(["to": .int(8)]) }
        expectCompileError(.invalidAttribute, "'to'", "an integer") { try Cast.parse(["to": .string("int64")]) }
        let type = try Cast.parse(["to": .int(9)]).inferTypes(OpInputs(.value(.float32, [2, 3])))
        #expect(type == [TensorType(.bool, [2, 3])])
    }

    @Test func floatsTruncateTowardZero() throws {
        let floats = TensorData(shape: [4], floats: [2.7, -2.7, 0.5, -0.5])
        #expect(try cast(floats, to: .int64) == TensorData(shape: [4], int64s: [2, -2, 0, 0]))
        #expect(try cast(floats, to: .int32) == .int32s([2, -2, 0, 0]))
    }

    @Test func anythingToBoolIsNonZero() throws {
        let bools = TensorData(shape: [3], bools: [false, true, true])
        #expect(try cast(TensorData(shape: [3], floats: [0, 0.5, -1]), to: .bool) == bools)
        #expect(try cast(TensorData(shape: [3], int64s: [0, 7, -1]), to: .bool) == bools)
    }

    @Test func otherConversions() throws {
        #expect(
            try cast(TensorData(shape: [2], bools: [true, false]), to: .float32)
                == TensorData(shape: [2], floats: [1, 0]))
        #expect(
            try cast(TensorData(shape: [2], int64s: [3, -4]), to: .float32) == TensorData(shape: [2], floats: [3, -4]))
        // Integers narrow by wrapping, as in C.
        #expect(try cast(TensorData(shape: [2], int64s: [5, 1 << 32 | 9]), to: .int32) == .int32s([5, 9]))
        #expect(try Cast.parse(["to": .int(7)]).evaluate(OpInputs(.value(.float32, [2]))) == nil)
    }

    @Test func lowersToACastOrNothing() throws {
        let toInt = try Cast.parse(["to": .int(7)])
        #expect(try toInt.lower(OpInputs(.value(.float32, [2]))).coreOp == .elementwise(.cast(to: .int64)))
        #expect(try toInt.lower(OpInputs(.value(.int64, [2]))).replacements == [.input(0)])
    }
}
