// Add, Sub, Mul and Div: NumPy-broadcast arithmetic on two tensors of one
// element type, folded on constants of any numeric type.

/// The shared definition of the four arithmetic ops; each op is one line below.
protocol BinaryArithmetic: Operator {
    static var binaryOperator: BinaryOperator { get }
}

struct Add: BinaryArithmetic {
    static let opType = "Add"
    static let binaryOperator = BinaryOperator.add
    init(_ attributes: AttributeReader) throws {}
}

struct Sub: BinaryArithmetic {
    static let opType = "Sub"
    static let binaryOperator = BinaryOperator.subtract
    init(_ attributes: AttributeReader) throws {}
}

struct Mul: BinaryArithmetic {
    static let opType = "Mul"
    static let binaryOperator = BinaryOperator.multiply
    init(_ attributes: AttributeReader) throws {}
}

struct Div: BinaryArithmetic {
    static let opType = "Div"
    static let binaryOperator = BinaryOperator.divide
    init(_ attributes: AttributeReader) throws {}
}

extension BinaryArithmetic {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.type(0)
        let b = try inputs.type(1)
        guard a.dtype == b.dtype else {
            throw inputs.error(.shapeMismatch, "operands have different element types, \(a.dtype) and \(b.dtype)")
        }
        guard let shape = Shape.broadcast([a.shape, b.shape]) else {
            throw inputs.error(.shapeMismatch, "shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return [TensorType(a.dtype, shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        return [try ConstantArithmetic.apply(Self.binaryOperator, values[0], values[1], inputs)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        if try inputs.type(0).dtype == .bool {
            throw inputs.error(.unsupportedFeature, "\(Self.opType) is not defined on bool tensors")
        }
        return .core(.elementwise(.binary(Self.binaryOperator)))
    }
}

/// Arithmetic on constants, shared by the two-operand ops and their
/// variadic relatives (Sum, Mean, Max, Min) when they fold.
enum ConstantArithmetic {
    /// `lhs op rhs` with broadcasting, in the operands' (common) dtype.
    static func apply(_ op: BinaryOperator, _ lhs: TensorData, _ rhs: TensorData, _ inputs: OpInputs) throws
        -> TensorData
    {
        guard let shape = Shape.broadcast([lhs.shape, rhs.shape]) else {
            throw inputs.error(.shapeMismatch, "shapes \(lhs.shape) and \(rhs.shape) do not broadcast")
        }
        if lhs.dtype == .float32, let operation = float32Operation(op) {
            return Broadcasting.mapFloat32(lhs, rhs, to: shape, operation)
        }
        let offsets = Broadcasting.elementIndices([lhs, rhs], shape: shape)
        let bitOperations: Set<BinaryOperator> = [.bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight]
        if lhs.dtype.isFloatingPoint && bitOperations.contains(op) {
            throw inputs.error(.unsupportedFeature, "bit operations are defined on integers only")
        }
        // Shifts by the type's width or more give 0.
        let width = UInt64(lhs.dtype.byteSize * 8)
        if lhs.dtype.isFloatingPoint {
            let (a, b) = (lhs.doubles, rhs.doubles)
            let results: [Double] = zip(offsets[0], offsets[1]).map { l, r in
                switch op {
                case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight: .nan  // refused above
                case .add: a[l] + b[r]
                case .subtract: a[l] - b[r]
                case .multiply: a[l] * b[r]
                case .divide: a[l] / b[r]
                case .maximum: a[l].isNaN || b[r].isNaN ? .nan : Swift.max(a[l], b[r])
                case .minimum: a[l].isNaN || b[r].isNaN ? .nan : Swift.min(a[l], b[r])
                case .remainder: a[l].truncatingRemainder(dividingBy: b[r])
                case .modulo: floorModulo(a[l], b[r])
                }
            }
            return TensorData(dtype: lhs.dtype, shape: shape, converting: results)
        }
        if lhs.dtype == .uint64 { return try unsigned(op, lhs, rhs, shape, offsets, inputs) }
        let (a, b) = (lhs.int64s, rhs.int64s)
        var results: [Int64] = []
        results.reserveCapacity(offsets[0].count)
        for (l, r) in zip(offsets[0], offsets[1]) {
            switch op {
            case .add: results.append(a[l] &+ b[r])
            case .subtract: results.append(a[l] &- b[r])
            case .multiply: results.append(a[l] &* b[r])
            case .maximum: results.append(Swift.max(a[l], b[r]))
            case .minimum: results.append(Swift.min(a[l], b[r]))
            case .bitwiseAnd: results.append(a[l] & b[r])
            case .bitwiseOr: results.append(a[l] | b[r])
            case .bitwiseXor: results.append(a[l] ^ b[r])
            case .shiftLeft, .shiftRight:
                results.append(shift(op, a[l], by: b[r], signed: lhs.dtype.isSignedInteger, width: width))
            case .divide:
                guard b[r] != 0 else { throw inputs.error(.invalidAttribute, "integer division by zero in a constant") }
                results.append(a[l].dividedReportingOverflow(by: b[r]).partialValue)
            case .remainder, .modulo:
                // By 0 gives 0, as the kernels do; Int.min % -1 is 0 without overflow.
                let rest = b[r] == 0 ? 0 : a[l].remainderReportingOverflow(dividingBy: b[r]).partialValue
                let adjust = op == .modulo && rest != 0 && (rest < 0) != (b[r] < 0)
                results.append(adjust ? rest &+ b[r] : rest)
            }
        }
        return TensorData(dtype: lhs.dtype, shape: shape, converting: results)
    }

    /// The float32 form of the operators whose float32 result is the same as
    /// computing in float64 and rounding (one correctly rounded operation).
    private static func float32Operation(_ op: BinaryOperator) -> ((Float, Float) -> Float)? {
        switch op {
        case .add: { $0 + $1 }
        case .subtract: { $0 - $1 }
        case .multiply: { $0 * $1 }
        case .divide: { $0 / $1 }
        case .maximum: { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
        case .minimum: { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
        default: nil
        }
    }

    /// `value` shifted in a type of `width` bits. Signed right shifts are
    /// arithmetic, and a negative amount or one of the width or more leaves
    /// only the sign fill; unsigned values work zero-extended.
    static func shift(_ op: BinaryOperator, _ value: Int64, by amount: Int64, signed: Bool, width: UInt64) -> Int64 {
        if signed {
            if amount < 0 || amount >= Int64(width) { return op == .shiftRight && value < 0 ? -1 : 0 }
            if op == .shiftRight { return value >> amount }
            // Bits past the sign bit are dropped: wrap to the type's width.
            let spare = 64 - Int64(width)
            return ((value << amount) << spare) >> spare
        }
        let mask: UInt64 = width == 64 ? .max : (1 << width) - 1
        let bits = UInt64(bitPattern: value) & mask
        let distance = UInt64(bitPattern: amount)
        let shifted = distance >= width ? 0 : op == .shiftLeft ? (bits << distance) & mask : bits >> distance
        return Int64(bitPattern: shifted)
    }

    /// a − b·floor(a/b), with the divisor's sign.
    static func floorModulo(_ a: Double, _ b: Double) -> Double {
        let rest = a.truncatingRemainder(dividingBy: b)
        return rest != 0 && (rest < 0) != (b < 0) ? rest + b : rest
    }

    /// uint64 has values past Int64.max: division and ordering need unsigned arithmetic.
    private static func unsigned(
        _ op: BinaryOperator, _ lhs: TensorData, _ rhs: TensorData, _ shape: [Int], _ offsets: [[Int]],
        _ inputs: OpInputs
    ) throws -> TensorData {
        let (a, b) = (lhs.bitPatterns, rhs.bitPatterns)
        var results: [Int64] = []
        results.reserveCapacity(offsets[0].count)
        for (l, r) in zip(offsets[0], offsets[1]) {
            let value: UInt64
            switch op {
            case .add: value = a[l] &+ b[r]
            case .subtract: value = a[l] &- b[r]
            case .multiply: value = a[l] &* b[r]
            case .maximum: value = Swift.max(a[l], b[r])
            case .minimum: value = Swift.min(a[l], b[r])
            case .bitwiseAnd: value = a[l] & b[r]
            case .bitwiseOr: value = a[l] | b[r]
            case .bitwiseXor: value = a[l] ^ b[r]
            case .shiftLeft: value = b[r] >= 64 ? 0 : a[l] << b[r]
            case .shiftRight: value = b[r] >= 64 ? 0 : a[l] >> b[r]
            case .divide:
                guard b[r] != 0 else { throw inputs.error(.invalidAttribute, "integer division by zero in a constant") }
                value = a[l] / b[r]
            case .remainder, .modulo: value = b[r] == 0 ? 0 : a[l] % b[r]
            }
            results.append(Int64(bitPattern: value))
        }
        return TensorData(dtype: .uint64, shape: shape, converting: results)
    }
}
