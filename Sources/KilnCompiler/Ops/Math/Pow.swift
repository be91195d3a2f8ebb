// Pow: xʸ with broadcasting. A constant small integer or ½ exponent (x², x³,
// √x: what exported models use) becomes exact multiplications or a square
// root; any other exponent is e^{y·ln|x|} in float32, with the sign and NaN
// of a negative base as C's pow gives them (odd integer y: negative; a
// fractional y: NaN) and x⁰ = 1. Integer bases are raised in float64 and
// rounded back (exact while the result stays below 2⁵³).

import Foundation

struct Pow: Operator {
    static let opType = "Pow"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "base X", in: allFloats.union(Self.integers))
        _ = try inputs.require(1, "exponent Y", in: allFloats.union(Self.integers))
        let shape = try Broadcasting.shape(inputs)
        return [TensorType(x.dtype, shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        let shape = try Broadcasting.shape(inputs)
        let indices = Broadcasting.elementIndices(values, shape: shape)
        let (a, b) = (values[0].doubles, values[1].doubles)
        let results = zip(indices[0], indices[1]).map { Foundation.pow(a[$0], b[$1]) }
        return [TensorData(dtype: values[0].dtype, shape: shape, converting: results)]
    }

    static let integers: Set<DType> = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64]

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = Expression.operand(0)
        let exponentType = try inputs.type(1)
        let baseType = try inputs.type(0)
        if baseType.dtype.isInteger {
            var b = DecompositionBuilder(opset: 15)
            let wide = b.add(
                "Pow", [b.cast(.input(0), from: baseType.dtype, to: .float64), b.cast(.input(1), from: exponentType.dtype, to: .float64)])
            let result = b.cast(b.add("Round", [wide]), from: .float64, to: baseType.dtype)
            return .decompose(b.finish([result]))
        }
        if exponentType.dtype != baseType.dtype {
            // The formula computes in X's type; convert Y first.
            return .decompose(
                Decomposition(
                    steps: [
                        Decomposition.Step("Cast", [.input(1)], attributes: ["to": .int(baseType.dtype.rawValue)]),
                        Decomposition.Step("Pow", [.input(0), .step(0)]),
                    ], outputs: [.step(1)]))
        }
        if let exponent = inputs.constant(1), exponent.elementCount == 1, let formula = Self.power(x, exponent.doubles[0]) {
            return .core(.elementwise(.expression(formula)))
        }
        let y = Expression.operand(1)
        let magnitude = Expression.unary(.exp, .binary(.multiply, y, .unary(.log, .unary(.abs, x))))
        let isInteger = Expression.compare(.equal, .unary(.floor, y), y)
        let half = Expression.binary(.multiply, y, .constant(0.5))
        let isOdd = Expression.compare(.less, .unary(.floor, half), half)
        let negativeBase: Expression = .select(
            isInteger, .select(isOdd, .unary(.negate, magnitude), magnitude), .constant(.nan))
        let formula: Expression = .select(
            .compare(.equal, y, .constant(0)), .constant(1),
            .select(.compare(.less, x, .constant(0)), negativeBase, magnitude))
        return .core(.elementwise(.expression(formula)))
    }

    /// xⁿ for a small integer n (and n = ½) as exact arithmetic.
    static func power(_ x: Expression, _ exponent: Double) -> Expression? {
        if exponent == 0.5 { return .unary(.squareRoot, x) }
        guard exponent.rounded() == exponent, (-4...4).contains(exponent) else { return nil }
        let n = Int(exponent)
        if n == 0 { return .constant(1) }
        var product = x
        for _ in 1..<abs(n) { product = .binary(.multiply, product, x) }
        return n > 0 ? product : .unary(.reciprocal, product)
    }
}
