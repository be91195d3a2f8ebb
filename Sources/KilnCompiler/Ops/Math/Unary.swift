// One-operand math: Abs, Neg, Sign (any signed number), Floor, Ceil, Round,
// Reciprocal, Sqrt, Exp, Log (floats; float64 in float64), Erf and the
// trigonometric and hyperbolic functions (float32 and half precision,
// computed in float32),
// IsNaN and IsInf (floats → bool).

import Foundation

/// The shared definition: the op is `function(x)`.
protocol UnaryMathOp: Operator {
    static var function: UnaryFunction { get }
    /// The input types the op is defined on here.
    static var dtypes: Set<DType> { get }
    /// Whether the result is bool (a test of the value) rather than the input's type.
    var resultIsBool: Bool { get }
}

extension UnaryMathOp {
    var resultIsBool: Bool { false }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input", in: Self.dtypes)
        return [resultIsBool ? TensorType(.bool, x.shape) : x]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let x = inputs.constant(0), !resultIsBool else { return nil }
        if !x.dtype.isFloatingPoint {
            let values = x.int64s.map { value -> Int64 in
                switch Self.function {
                case .abs: value == .min ? value : Swift.abs(value)
                case .negate: 0 &- value
                case .sign: value.signum()
                case .bitwiseNot: ~value
                default: value
                }
            }
            return [TensorData(dtype: x.dtype, shape: x.shape, converting: values)]
        }
        let values = x.doubles.map { value -> Double in
            switch Self.function {
            case .abs: Swift.abs(value)
            case .negate: -value
            case .floor: value.rounded(.down)
            case .ceil: value.rounded(.up)
            case .roundToEven: value.rounded(.toNearestOrEven)
            case .sign: value.isNaN ? value : value > 0 ? 1 : value < 0 ? -1 : value
            case .reciprocal: 1 / value
            case .squareRoot: value.squareRoot()
            case .exp: Foundation.exp(value)
            case .log: Foundation.log(value)
            case .erf: Foundation.erf(value)
            case .tanh: Foundation.tanh(value)
            case .sigmoid: 1 / (1 + Foundation.exp(-value))
            case .sin: Foundation.sin(value)
            case .cos: Foundation.cos(value)
            case .tan: Foundation.tan(value)
            case .asin: Foundation.asin(value)
            case .acos: Foundation.acos(value)
            case .atan: Foundation.atan(value)
            case .sinh: Foundation.sinh(value)
            case .cosh: Foundation.cosh(value)
            case .asinh: Foundation.asinh(value)
            case .acosh: Foundation.acosh(value)
            case .atanh: Foundation.atanh(value)
            case .isNaN, .isPositiveInfinity, .isNegativeInfinity, .bitwiseNot: value
            }
        }
        return [TensorData(dtype: x.dtype, shape: x.shape, converting: values)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.elementwise(.expression(.unary(Self.function, .operand(0)))))
    }
}

/// Float types computed exactly in their own precision.
let allFloats: Set<DType> = [.float32, .float16, .bfloat16, .float64]
/// Float types whose transcendental functions Kiln computes (in float32).
let float32Computed: Set<DType> = [.float32, .float16, .bfloat16]
/// Signed numbers.
let signedNumbers: Set<DType> = allFloats.union([.int8, .int16, .int32, .int64])

struct Abs: UnaryMathOp {
    static let opType = "Abs"
    static let function = UnaryFunction.abs
    static let dtypes = signedNumbers.union([.uint8, .uint16, .uint32, .uint64])
    init(_ attributes: AttributeReader) throws {}
}

struct Neg: UnaryMathOp {
    static let opType = "Neg"
    static let function = UnaryFunction.negate
    static let dtypes = signedNumbers
    init(_ attributes: AttributeReader) throws {}
}

struct Sign: UnaryMathOp {
    static let opType = "Sign"
    static let function = UnaryFunction.sign
    static let dtypes = signedNumbers.union([.uint8, .uint16, .uint32, .uint64])
    init(_ attributes: AttributeReader) throws {}
}

struct Floor: UnaryMathOp {
    static let opType = "Floor"
    static let function = UnaryFunction.floor
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Ceil: UnaryMathOp {
    static let opType = "Ceil"
    static let function = UnaryFunction.ceil
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

/// Round: halves to even, as ONNX specifies.
struct Round: UnaryMathOp {
    static let opType = "Round"
    static let function = UnaryFunction.roundToEven
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Reciprocal: UnaryMathOp {
    static let opType = "Reciprocal"
    static let function = UnaryFunction.reciprocal
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Sqrt: UnaryMathOp {
    static let opType = "Sqrt"
    static let function = UnaryFunction.squareRoot
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Exp: UnaryMathOp {
    static let opType = "Exp"
    static let function = UnaryFunction.exp
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Log: UnaryMathOp {
    static let opType = "Log"
    static let function = UnaryFunction.log
    static let dtypes = allFloats
    init(_ attributes: AttributeReader) throws {}
}

struct Erf: UnaryMathOp {
    static let opType = "Erf"
    static let function = UnaryFunction.erf
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct IsNaN: UnaryMathOp {
    static let opType = "IsNaN"
    static let function = UnaryFunction.isNaN
    static let dtypes = allFloats
    var resultIsBool: Bool { true }
    init(_ attributes: AttributeReader) throws {}
}

/// IsInf: which infinities count is chosen by two attributes (both by default).
struct IsInf: Operator {
    static let opType = "IsInf"
    let positive: Bool
    let negative: Bool

    init(_ attributes: AttributeReader) throws {
        positive = try attributes.flag("detect_positive", default: true)
        negative = try attributes.flag("detect_negative", default: true)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(.bool, try inputs.require(0, "input", in: allFloats).shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = Expression.operand(0)
        let expression: Expression =
            switch (positive, negative) {
            case (true, true): .compare(.equal, .unary(.abs, x), .constant(.infinity))
            case (true, false): .unary(.isPositiveInfinity, x)
            case (false, true): .unary(.isNegativeInfinity, x)
            case (false, false): .compare(.less, x, x)  // never true, NaN included
            }
        return .core(.elementwise(.expression(expression)))
    }
}

// The trigonometric and hyperbolic functions, computed in float32 (sin, cos
// and tan reduce their argument in float64).

struct Sin: UnaryMathOp {
    static let opType = "Sin"
    static let function = UnaryFunction.sin
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Cos: UnaryMathOp {
    static let opType = "Cos"
    static let function = UnaryFunction.cos
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Tan: UnaryMathOp {
    static let opType = "Tan"
    static let function = UnaryFunction.tan
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Asin: UnaryMathOp {
    static let opType = "Asin"
    static let function = UnaryFunction.asin
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Acos: UnaryMathOp {
    static let opType = "Acos"
    static let function = UnaryFunction.acos
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Atan: UnaryMathOp {
    static let opType = "Atan"
    static let function = UnaryFunction.atan
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Sinh: UnaryMathOp {
    static let opType = "Sinh"
    static let function = UnaryFunction.sinh
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Cosh: UnaryMathOp {
    static let opType = "Cosh"
    static let function = UnaryFunction.cosh
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Asinh: UnaryMathOp {
    static let opType = "Asinh"
    static let function = UnaryFunction.asinh
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Acosh: UnaryMathOp {
    static let opType = "Acosh"
    static let function = UnaryFunction.acosh
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}

struct Atanh: UnaryMathOp {
    static let opType = "Atanh"
    static let function = UnaryFunction.atanh
    static let dtypes = float32Computed
    init(_ attributes: AttributeReader) throws {}
}
