// Mod: the remainder of A / B with broadcasting. `fmod = 1` keeps the
// dividend's sign (C's fmod and %); `fmod = 0` (the default) keeps the
// divisor's sign (Python's %; on floats from opset 28, NumPy's mod).
// An integer remainder by 0 is 0, as Kiln's integer division by 0 is.

struct Mod: Operator {
    static let opType = "Mod"
    let usesFmod: Bool

    init(_ attributes: AttributeReader) throws {
        let value = try attributes.int("fmod", default: 0)
        guard value == 0 || value == 1 else { throw attributes.error("fmod must be 0 or 1, got \(value)") }
        usesFmod = value == 1
    }

    private var binaryOperator: BinaryOperator { usesFmod ? .remainder : .modulo }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try inputs.require(0, "input A", in: allFloats.union(integerTypes))
        let dtype = try Broadcasting.commonType(inputs, [0, 1])
        return [TensorType(dtype, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        return [try ConstantArithmetic.apply(binaryOperator, values[0], values[1], inputs)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.binary(binaryOperator))) }
}
