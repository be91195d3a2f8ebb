// Ops whose result is their input's elements under another shape (Reshape,
// Flatten, Squeeze, Unsqueeze): each says only how to compute that shape.

/// An op whose output is input 0's bytes under ``shape(_:)``.
protocol ViewOperator: Operator {
    /// The result shape, from the input's type and any constant operands.
    func shape(_ inputs: OpInputs) throws -> [Int]
}

extension ViewOperator {
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(0).dtype, try shape(inputs))]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let data = inputs.constant(0) else { return nil }
        return [data.reshaped(try shape(inputs))]
    }

    /// The planner aliases the output to the input; a copy only when it cannot.
    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.view) }
}
