// BitwiseAnd, BitwiseOr, BitwiseXor, BitwiseNot (any integer type) and
// BitShift (direction LEFT or RIGHT; signed types since opset 28, shifting
// right arithmetically; a negative amount or one of the width or more
// leaves only the sign fill). The two-operand ones share BinaryArithmetic's rules.

let integerTypes: Set<DType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64]

/// The shared definition of the two-operand bitwise ops: integer operands only.
protocol BitwiseOp: BinaryArithmetic {}

extension BitwiseOp {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try inputs.require(0, "input A", in: integerTypes)
        let dtype = try Broadcasting.commonType(inputs, [0, 1])
        return [TensorType(dtype, try Broadcasting.shape(inputs))]
    }
}

struct BitwiseAnd: BitwiseOp {
    static let opType = "BitwiseAnd"
    static let binaryOperator = BinaryOperator.bitwiseAnd
    init(_ attributes: AttributeReader) throws {}
}

struct BitwiseOr: BitwiseOp {
    static let opType = "BitwiseOr"
    static let binaryOperator = BinaryOperator.bitwiseOr
    init(_ attributes: AttributeReader) throws {}
}

struct BitwiseXor: BitwiseOp {
    static let opType = "BitwiseXor"
    static let binaryOperator = BinaryOperator.bitwiseXor
    init(_ attributes: AttributeReader) throws {}
}

struct BitShift: Operator {
    static let opType = "BitShift"
    let direction: BinaryOperator

    init(_ attributes: AttributeReader) throws {
        let name = try attributes.string("direction", default: "")
        switch name {
        case "LEFT": direction = .shiftLeft
        case "RIGHT": direction = .shiftRight
        default: throw attributes.error("direction must be LEFT or RIGHT, got '\(name)'")
        }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try inputs.require(0, "input X", in: integerTypes)
        let dtype = try Broadcasting.commonType(inputs, [0, 1])
        return [TensorType(dtype, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        return [try ConstantArithmetic.apply(direction, values[0], values[1], inputs)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.binary(direction))) }
}

struct BitwiseNot: UnaryMathOp {
    static let opType = "BitwiseNot"
    static let function = UnaryFunction.bitwiseNot
    static let dtypes = integerTypes
    init(_ attributes: AttributeReader) throws {}
}
