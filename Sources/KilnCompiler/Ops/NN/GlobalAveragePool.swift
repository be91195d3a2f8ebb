// GlobalAveragePool: the mean of each (image, channel) over every spatial axis.

struct GlobalAveragePool: Operator {
    static let opType = "GlobalAveragePool"
    init(_ attributes: AttributeReader) throws {}

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input X", in: [.float32])
        guard x.rank >= 3 else {
            throw inputs.error(.shapeMismatch, "GlobalAveragePool needs rank ≥ 3, got \(x.shape)")
        }
        return [TensorType(.float32, Array(x.shape[..<2]) + Array(repeating: 1, count: x.rank - 2))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.globalAveragePool) }
}
