// CumSum and CumProd: running sums or products along an axis (a
// compile-time constant input), optionally exclusive (each output leaves out
// its own element) and reversed. Numbers of any type; half types accumulate
// in float32.

/// The shared definition: the two differ only in the running operation.
protocol CumulativeOp: Operator {
    static var isProduct: Bool { get }
    var exclusive: Bool { get }
    var reverse: Bool { get }
    init(exclusive: Bool, reverse: Bool)
}

extension CumulativeOp {
    init(_ attributes: AttributeReader) throws {
        self.init(exclusive: try attributes.flag("exclusive"), reverse: try attributes.flag("reverse"))
    }

    func parameters(_ inputs: OpInputs) throws -> CumulativeParameters {
        let x = try inputs.require(0, "input x", in: signedNumbers.union([.uint32, .uint64]))
        _ = try inputs.require(1, "axis", in: [.int32, .int64])
        let value = try inputs.requireConstant(1, "axis")
        guard value.elementCount == 1, let requested = value.int64s.first,
            let axis = Shape.normalize(axis: Int(clamping: requested), rank: x.rank), x.rank > 0
        else {
            throw inputs.error(.invalidAttribute, "axis must be one value in range for shape \(x.shape), got \(value.int64s)")
        }
        return CumulativeParameters(isProduct: Self.isProduct, axis: axis, exclusive: exclusive, reverse: reverse)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try parameters(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.cumulative(try parameters(inputs))) }
}

struct CumSum: CumulativeOp {
    static let opType = "CumSum"
    static let isProduct = false
    let exclusive: Bool
    let reverse: Bool
}

struct CumProd: CumulativeOp {
    static let opType = "CumProd"
    static let isProduct = true
    let exclusive: Bool
    let reverse: Bool
}
