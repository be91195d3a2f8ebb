// Constant tensor contents: initializers, folded values, prepacked weights.

/// The contents of a constant tensor, held in Swift arrays.
public struct TensorData: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case int64([Int64])
    }

    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape/element count mismatch")
        self.shape = shape
        self.storage = .float32(floats)
    }

    public init(shape: [Int], int64s: [Int64]) {
        precondition(shape.reduce(1, *) == int64s.count, "shape/element count mismatch")
        self.shape = shape
        self.storage = .int64(int64s)
    }

    public var dtype: DType {
        switch storage {
        case .float32: .float32
        case .int64: .int64
        }
    }

    public var type: TensorType { TensorType(dtype, shape) }
    public var elementCount: Int { shape.reduce(1, *) }

    /// Elements as floats (int64 converted).
    public var floats: [Float] {
        switch storage {
        case .float32(let values): values
        case .int64(let values): values.map { Float($0) }
        }
    }

    /// Elements as int64 (floats truncated toward zero, as ONNX Cast does).
    public var int64s: [Int64] {
        switch storage {
        case .float32(let values): values.map { Int64($0) }
        case .int64(let values): values
        }
    }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> TensorData {
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// Little-endian bytes, as the weights blob and the runtime expect.
    public var bytes: [UInt8] {
        switch storage {
        case .float32(let values):
            var out = [UInt8]()
            out.reserveCapacity(values.count * 4)
            for value in values {
                let bits = value.bitPattern
                for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> shift)) }
            }
            return out
        case .int64(let values):
            var out = [UInt8]()
            out.reserveCapacity(values.count * 8)
            for value in values {
                let bits = UInt64(bitPattern: value)
                for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> shift)) }
            }
            return out
        }
    }
}
