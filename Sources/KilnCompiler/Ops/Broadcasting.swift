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

    /// `operation(a, b)` over the broadcast of two float32 constants to
    /// `shape`, walking strides instead of building index tables: folds of
    /// tens of millions of elements (an exporter's broadcast of weights, or a
    /// hostile model's) stay linear in time and in memory.
    static func mapFloat32(
        _ lhs: TensorData, _ rhs: TensorData, to shape: [Int], _ operation: (Float, Float) -> Float
    ) -> TensorData {
        let count = shape.reduce(1, *)
        let inner = shape.last ?? 1
        var bytes = [UInt8](repeating: 0, count: count * 4)
        guard count > 0 else { return TensorData(dtype: .float32, shape: shape, bytes: bytes) }
        let (lhsStrides, rhsStrides) = (
            Shape.broadcastStrides(from: lhs.shape, to: shape), Shape.broadcastStrides(from: rhs.shape, to: shape)
        )
        let (lhsStep, rhsStep) = (lhsStrides.last ?? 0, rhsStrides.last ?? 0)
        lhs.bytes.withUnsafeBytes { a in
            rhs.bytes.withUnsafeBytes { b in
                bytes.withUnsafeMutableBytes { out in
                    func load(_ buffer: UnsafeRawBufferPointer, _ index: Int) -> Float {
                        Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                    }
                    Shape.forEachRow(of: shape, strides: [lhsStrides, rhsStrides], start: [0, 0]) { row, bases in
                        for column in 0..<inner {
                            let value = operation(load(a, bases[0] + column * lhsStep), load(b, bases[1] + column * rhsStep))
                            out.storeBytes(
                                of: value.bitPattern.littleEndian, toByteOffset: (row * inner + column) * 4, as: UInt32.self)
                        }
                    }
                }
            }
        }
        return TensorData(dtype: .float32, shape: shape, bytes: bytes)
    }

    /// For every element of the broadcast result, the element index in each operand.
    static func elementIndices(_ operands: [TensorData], shape: [Int]) -> [[Int]] {
        Shape.offsets(of: shape, strides: operands.map { Shape.broadcastStrides(from: $0.shape, to: shape) })
    }
}
