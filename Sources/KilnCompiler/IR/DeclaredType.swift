// What a model file says a graph output is. Exporters write it from their
// own shape inference; when Kiln's disagrees, one of the two is wrong about
// what the model computes, and the generated API would silently differ from
// what the model's documentation promises.

/// A graph output's type as the file declares it; parts it leaves open are nil.
public struct DeclaredType: Sendable, Equatable {
    /// nil when the declaration gives no element type (or an unknown one).
    public var dtype: DType?
    /// nil without a shape; a nil dim is symbolic or unknown.
    public var shape: [Int?]?

    public init(dtype: DType?, shape: [Int?]?) {
        self.dtype = dtype
        self.shape = shape
    }

    /// How `computed` contradicts the declaration, or nil when it agrees.
    public func disagreement(with computed: TensorType) -> String? {
        if let dtype, dtype != computed.dtype {
            return "is declared \(dtype) but the model computes \(computed.dtype)"
        }
        guard let shape else { return nil }
        let agrees =
            shape.count == computed.shape.count
            && zip(shape, computed.shape).allSatisfy { declared, size in declared.map { $0 == size } ?? true }
        guard !agrees else { return nil }
        let written = "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ",") + "]"
        let actual = "[" + computed.shape.map(String.init).joined(separator: ",") + "]"
        return "is declared with shape \(written) but the model computes \(actual)"
    }
}
