// Equal, Less, LessOrEqual, Greater, GreaterOrEqual: broadcast comparisons
// of two operands of one type, giving bool.

protocol ComparisonOp: Operator {
    static var comparison: ComparisonOperator { get }
}

struct Equal: ComparisonOp {
    static let opType = "Equal"
    static let comparison = ComparisonOperator.equal
    init(_ attributes: AttributeReader) throws {}
}

struct Less: ComparisonOp {
    static let opType = "Less"
    static let comparison = ComparisonOperator.less
    init(_ attributes: AttributeReader) throws {}
}

struct LessOrEqual: ComparisonOp {
    static let opType = "LessOrEqual"
    static let comparison = ComparisonOperator.lessOrEqual
    init(_ attributes: AttributeReader) throws {}
}

struct Greater: ComparisonOp {
    static let opType = "Greater"
    static let comparison = ComparisonOperator.greater
    init(_ attributes: AttributeReader) throws {}
}

struct GreaterOrEqual: ComparisonOp {
    static let opType = "GreaterOrEqual"
    static let comparison = ComparisonOperator.greaterOrEqual
    init(_ attributes: AttributeReader) throws {}
}

extension ComparisonOp {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try Broadcasting.commonType(inputs, [0, 1])
        return [TensorType(.bool, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        let shape = try Broadcasting.shape(inputs)
        let indices = Broadcasting.elementIndices(values, shape: shape)
        func compare<T: Comparable>(_ a: [T], _ b: [T]) -> [Bool] {
            zip(indices[0], indices[1]).map { l, r in
                switch Self.comparison {
                case .equal: a[l] == b[r]
                case .less: a[l] < b[r]
                case .lessOrEqual: a[l] <= b[r]
                case .greater: a[l] > b[r]
                case .greaterOrEqual: a[l] >= b[r]
                }
            }
        }
        let result =
            switch values[0].dtype {
            case _ where values[0].dtype.isFloatingPoint: compare(values[0].doubles, values[1].doubles)
            case .uint64: compare(values[0].bitPatterns, values[1].bitPatterns)
            default: compare(values[0].int64s, values[1].int64s)
            }
        return [TensorData(shape: shape, bools: result)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.compare(Self.comparison))) }
}
