// And, Or, Xor (broadcast) and Not on bool tensors.

protocol LogicalOp: Operator {
    static var logical: LogicalOperator { get }
}

struct And: LogicalOp {
    static let opType = "And"
    static let logical = LogicalOperator.and
    init(_ attributes: AttributeReader) throws {}
}

struct Or: LogicalOp {
    static let opType = "Or"
    static let logical = LogicalOperator.or
    init(_ attributes: AttributeReader) throws {}
}

struct Xor: LogicalOp {
    static let opType = "Xor"
    static let logical = LogicalOperator.xor
    init(_ attributes: AttributeReader) throws {}
}

extension LogicalOp {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        for position in 0...1 { _ = try inputs.require(position, "input \(position)", in: [.bool]) }
        return [TensorType(.bool, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == 2 else { return nil }
        let shape = try Broadcasting.shape(inputs)
        let indices = Broadcasting.elementIndices(values, shape: shape)
        let (a, b) = (values[0].int64s, values[1].int64s)
        let result = zip(indices[0], indices[1]).map { l, r -> Bool in
            switch Self.logical {
            case .and: a[l] != 0 && b[r] != 0
            case .or: a[l] != 0 || b[r] != 0
            case .xor: (a[l] != 0) != (b[r] != 0)
            }
        }
        return [TensorData(shape: shape, bools: result)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.logical(Self.logical))) }
}

struct Not: Operator {
    static let opType = "Not"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try inputs.require(0, "input", in: [.bool])] }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        inputs.constant(0).map { [TensorData(shape: $0.shape, bools: $0.int64s.map { $0 == 0 })] }
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.elementwise(.not)) }
}
