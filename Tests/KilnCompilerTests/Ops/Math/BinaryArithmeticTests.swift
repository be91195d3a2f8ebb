// Add, Sub, Mul and Div: two operands of one element type, NumPy
// broadcasting, folded in the operands' own type.

import Testing

@testable import KilnCompiler

@Suite struct BinaryArithmeticTests {
    @Test func resultBroadcastsAndKeepsTheElementType() throws {
        let floats = try Add.parse().inferTypes(OpInputs(.value(.float32, [2, 1, 4]), .value(.float32, [3, 1])))
        #expect(floats == [TensorType(.float32, [2, 3, 4])])
        let ints = try Div.parse().inferTypes(OpInputs(.value(.int32, [5]), .value(.int32, [])))
        #expect(ints == [TensorType(.int32, [5])])
    }

    @Test func mixedElementTypesAreRefused() {
        expectCompileError(.shapeMismatch, "different element types", "float32", "int64") {
            try Mul.parse().inferTypes(OpInputs(.value(.float32, [2]), .value(.int64, [2])))
        }
    }

    @Test func shapesThatDoNotBroadcastAreRefused() {
        expectCompileError(.shapeMismatch, "[2, 3]", "[4]", "do not broadcast") {
            try Sub.parse().inferTypes(OpInputs(.value(.float32, [2, 3]), .value(.float32, [4])))
        }
    }

    /// Shape arithmetic (e.g. batch × channels) folds on int64, the row broadcast over both rows.
    @Test func foldsInt64WithBroadcasting() throws {
        let inputs = OpInputs(.int64s([10, 20, 30, 40, 50, 60], shape: [2, 3]), .int64s([1, 2, 3]))
        func fold(_ op: some Operator) throws -> [Int64]? {
            let result = try op.evaluate(inputs)?.first
            #expect(result?.type == TensorType(.int64, [2, 3]))
            return result?.int64s
        }
        #expect(try fold(Add.parse()) == [11, 22, 33, 41, 52, 63])
        #expect(try fold(Sub.parse()) == [9, 18, 27, 39, 48, 57])
        #expect(try fold(Mul.parse()) == [10, 40, 90, 40, 100, 180])
        #expect(try fold(Div.parse()) == [10, 10, 10, 40, 25, 20])
    }

    /// Integer division truncates toward zero (as ONNX's reference and
    /// ONNX Runtime do), and an int32 result stays int32.
    @Test func integerDivisionTruncatesTowardZeroInTheOperandType() throws {
        let inputs = OpInputs(.constant(.int32s([7, -7, 7, -7])), .constant(.int32s([2, 2, -2, -2])))
        let result = try #require(try Div.parse().evaluate(inputs)?.first)
        #expect(result == .int32s([3, -3, -3, 3]))
    }

    @Test func integerDivisionByZeroIsAnError() {
        expectCompileError(.invalidAttribute, "division by zero") {
            try Div.parse().evaluate(OpInputs(.int64s([1]), .int64s([0])))
        }
    }

    @Test func foldsFloats() throws {
        let inputs = OpInputs(.floats([1.5, -2, 0.25]), .floats([2]))
        #expect(try Add.parse().evaluate(inputs)?.first == TensorData(shape: [3], floats: [3.5, 0, 2.25]))
        #expect(try Sub.parse().evaluate(inputs)?.first == TensorData(shape: [3], floats: [-0.5, -4, -1.75]))
        #expect(try Mul.parse().evaluate(inputs)?.first == TensorData(shape: [3], floats: [3, -4, 0.5]))
        #expect(try Div.parse().evaluate(inputs)?.first == TensorData(shape: [3], floats: [0.75, -1, 0.125]))
        // Float division by zero is IEEE infinity, not an error.
        #expect(try Div.parse().evaluate(OpInputs(.floats([1]), .floats([0])))?.first?.floats == [.infinity])
    }

    /// float32 folds walk broadcast strides directly (no index tables): every
    /// axis pattern, a scalar, an empty result and NaN in Max must agree
    /// with the element-by-element definition.
    @Test func float32BroadcastFoldsMatchTheDefinition() throws {
        let a = (0..<24).map { Float($0) * 0.75 - 7 }
        let b: [Float] = [0.5, -3, .nan, 11]
        let lhs = TensorData(shape: [2, 3, 1, 4], floats: a)
        let rhs = TensorData(shape: [1, 4, 1], floats: b)
        let sum = try #require(try Add.parse().evaluate(OpInputs(.constant(lhs), .constant(rhs)))?.first)
        let greatest = try #require(try Max.parse().evaluate(OpInputs(.constant(lhs), .constant(rhs)))?.first)
        #expect(sum.shape == [2, 3, 4, 4])
        var expectedSum: [Float] = []
        var expectedMax: [Float] = []
        for i in 0..<2 {
            for j in 0..<3 {
                for k in 0..<4 {
                    for l in 0..<4 {
                        let (x, y) = (a[(i * 3 + j) * 4 + l], b[k])
                        expectedSum.append(x + y)
                        expectedMax.append(y.isNaN ? .nan : Swift.max(x, y))
                    }
                }
            }
        }
        func same(_ actual: [Float], _ expected: [Float]) -> Bool {
            actual.count == expected.count && zip(actual, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        }
        #expect(same(sum.floats, expectedSum))
        #expect(same(greatest.floats, expectedMax))
        let scalars = OpInputs(.constant(TensorData(shape: [], floats: [6])), .constant(TensorData(shape: [], floats: [4])))
        #expect(try Div.parse().evaluate(scalars)?.first == TensorData(shape: [], floats: [1.5]))
        let empty = OpInputs(.constant(TensorData(shape: [0, 3], floats: [])), .constant(TensorData(shape: [3], floats: [1, 2, 3])))
        #expect(try Mul.parse().evaluate(empty)?.first == TensorData(shape: [0, 3], floats: []))
    }

    /// float64 constants are computed and stored in double precision, not float32.
    @Test func float64StaysDouble() throws {
        let a = TensorData(dtype: .float64, shape: [], converting: [0.1])
        let b = TensorData(dtype: .float64, shape: [], converting: [0.2])
        let sum = try #require(try Add.parse().evaluate(OpInputs(.constant(a), .constant(b)))?.first)
        #expect(sum.dtype == .float64)
        #expect(sum.doubles == [0.1 + 0.2])
    }

    @Test func runTimeOperandsDoNotFold() throws {
        #expect(try Add.parse().evaluate(OpInputs(.int64s([1]), .value(.int64, [1]))) == nil)
    }

    @Test func lowersToTheBinaryCoreOperation() throws {
        let inputs = OpInputs(.value(.float32, [2]), .value(.float32, [2]))
        #expect(try Add.parse().lower(inputs).coreOp == .elementwise(.binary(.add)))
        #expect(try Sub.parse().lower(inputs).coreOp == .elementwise(.binary(.subtract)))
        #expect(try Mul.parse().lower(inputs).coreOp == .elementwise(.binary(.multiply)))
        #expect(try Div.parse().lower(inputs).coreOp == .elementwise(.binary(.divide)))
    }

    @Test func boolOperandsAreRefusedAtRunTime() {
        expectCompileError(.unsupportedFeature, "Add", "bool") {
            try Add.parse().lower(OpInputs(.value(.bool, [2]), .value(.bool, [2])))
        }
    }

    /// uint64 constants divide unsigned: values of 2⁶³ and above are not negative.
    @Test func uint64DivisionIsUnsigned() throws {
        let big = TensorData(dtype: .uint64, shape: [1], converting: [-2] as [Int64])  // 2⁶⁴ − 2
        let two = TensorData(dtype: .uint64, shape: [1], converting: [2] as [Int64])
        let result = try #require(try Div.parse().evaluate(OpInputs(.constant(big), .constant(two)))?.first)
        #expect(result.bits(at: 0) == UInt64.max / 2)
    }
}
