// NumPy broadcasting for ops that combine several operands: the result
// shape, and constant evaluation element by element.

enum Broadcasting {
    /// The broadcast shape of `inputs`' present operands, or an error naming them.
    static func shape(_ inputs: OpInputs) throws -> [Int] {
        let shapes = try (0..<inputs.count).map { try inputs.type($0).shape }
        guard let shape = Shape.broadcast(shapes) else {
            throw inputs.error(.shapeMismatch, "shapes \(shapes.map { "\($0)" }.joined(separator: ", ")) do not broadcast")
        }
        return shape
    }

    /// Fails unless operands `positions` share one element type, which it returns.
    static func commonType(_ inputs: OpInputs, _ positions: [Int]) throws -> DType {
        let types = try positions.map { try inputs.type($0).dtype }
        guard let first = types.first, types.allSatisfy({ $0 == first }) else {
            throw inputs.error(.shapeMismatch, "operands have different element types: \(types)")
        }
        return first
    }

    /// For every element of the broadcast result, the element index in each operand.
    static func elementIndices(_ operands: [TensorData], shape: [Int]) -> [[Int]] {
        Shape.offsets(of: shape, strides: operands.map { Shape.broadcastStrides(from: $0.shape, to: shape) })
    }
}
