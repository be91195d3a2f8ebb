// Sum, Mean, Max and Min: any number of broadcast operands, decomposed into
// a chain of two-operand ops (Mean divides the sum by the count).

/// The shared definition: two operands are one core operation; more are a
/// chain of two-operand steps.
protocol VariadicOp: Operator {
    /// The operation on two operands.
    static var pairOperator: BinaryOperator { get }
    /// The op a two-operand step of the chain is.
    static var pairOpType: String { get }
    /// Whether the result is divided by the operand count.
    static var averages: Bool { get }
}

extension VariadicOp {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        guard inputs.count >= 1 else { throw inputs.error(.malformedModel, "\(Self.opType) needs at least one input") }
        let dtype = try Broadcasting.commonType(inputs, Array(0..<inputs.count))
        guard dtype != .bool else { throw inputs.error(.unsupportedFeature, "\(Self.opType) is not defined on bool") }
        return [TensorType(dtype, try Broadcasting.shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let values = inputs.allConstant, values.count == inputs.count else { return nil }
        var result = values[0]
        for value in values.dropFirst() { result = try ConstantArithmetic.apply(Self.pairOperator, result, value, inputs) }
        if Self.averages, values.count > 1 {
            let count = TensorData(dtype: result.dtype, shape: [], converting: [Double(values.count)])
            result = try ConstantArithmetic.apply(.divide, result, count, inputs)
        }
        // A single operand is returned as it is (ONNX broadcasts nothing then).
        return [result]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let type = try inferTypes(inputs)[0]
        if inputs.count == 2 && !Self.averages { return .core(.elementwise(.binary(Self.pairOperator))) }
        var steps: [Decomposition.Step] = []
        var last = Decomposition.Operand.input(0)
        for position in 1..<max(inputs.count, 1) {
            steps.append(Decomposition.Step(Self.pairOpType, [last, .input(position)]))
            last = .step(steps.count - 1)
        }
        if Self.averages && inputs.count > 1 {
            let count = TensorData(dtype: type.dtype, shape: [], converting: [Double(inputs.count)])
            steps.append(Decomposition.Step("Div", [last, .constant(count)]))
            last = .step(steps.count - 1)
        }
        // One operand broadcast to nothing bigger is the operand itself.
        if steps.isEmpty { return .replace([.input(0)]) }
        return .decompose(Decomposition(steps: steps, outputs: [last]))
    }
}

struct Sum: VariadicOp {
    static let opType = "Sum"
    static let pairOperator = BinaryOperator.add
    static let pairOpType = "Add"
    static let averages = false
    init(_ attributes: AttributeReader) throws {}
}

struct Mean: VariadicOp {
    static let opType = "Mean"
    static let pairOperator = BinaryOperator.add
    static let pairOpType = "Add"
    static let averages = true
    init(_ attributes: AttributeReader) throws {}
}

struct Max: VariadicOp {
    static let opType = "Max"
    static let pairOperator = BinaryOperator.maximum
    static let pairOpType = "Max"
    static let averages = false
    init(_ attributes: AttributeReader) throws {}
}

struct Min: VariadicOp {
    static let opType = "Min"
    static let pairOperator = BinaryOperator.minimum
    static let pairOpType = "Min"
    static let averages = false
    init(_ attributes: AttributeReader) throws {}
}
