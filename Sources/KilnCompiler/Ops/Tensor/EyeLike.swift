// EyeLike: a 2-D tensor shaped like the input with ones on diagonal `k`;
// it depends only on the (static) shape, so it is always a constant.

struct EyeLike: Operator {
    static let opType = "EyeLike"
    let k: Int
    let dtype: DType?

    init(_ attributes: AttributeReader) throws {
        k = try attributes.int("k", default: 0)
        if attributes.has("dtype") {
            let code = try attributes.int("dtype", default: 1)
            guard let dtype = DType(rawValue: code) else {
                throw CompileError(
                    .unsupportedFeature, at: attributes.location, "dtype \(DTypeName.name(of: code)) is not supported")
            }
            self.dtype = dtype
        } else {
            dtype = nil
        }
    }

    func eye(_ inputs: OpInputs) throws -> TensorData {
        let x = try inputs.require(0, "input", rank: 2)
        let (rows, columns) = (x.shape[0], x.shape[1])
        let values = (0..<rows * columns).map { index -> Int64 in index % columns - index / columns == k ? 1 : 0 }
        return TensorData(dtype: dtype ?? x.dtype, shape: x.shape, converting: values)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try eye(inputs).type] }
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [try eye(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.constant(try eye(inputs))]) }
}
