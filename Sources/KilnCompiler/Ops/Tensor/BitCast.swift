// BitCast (opset 26): the input's bytes reinterpreted as another type of the
// same width, shape unchanged. The planner aliases the result to the input;
// where it cannot, the bytes are copied unchanged.

struct BitCast: Operator {
    static let opType = "BitCast"
    let to: DType

    init(_ attributes: AttributeReader) throws {
        let code = try attributes.int("to", default: 0)
        guard let to = DType(rawValue: code) else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "BitCast to \(DTypeName.name(of: code)) is not supported")
        }
        self.to = to
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        // 4- and 2-bit integers sit one per byte, sign- or zero-extended, so
        // their bytes are not their bits.
        guard x.dtype.packedBits == nil, to.packedBits == nil else {
            throw inputs.error(.unsupportedFeature, "BitCast from \(x.dtype) to \(to) is not supported (4- and 2-bit types)")
        }
        guard x.dtype.byteSize == to.byteSize else {
            throw inputs.error(
                .invalidAttribute,
                "BitCast needs types of one width: \(x.dtype) has \(8 * x.dtype.byteSize) bits, \(to) \(8 * to.byteSize)")
        }
        return [TensorType(to, x.shape)]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        inputs.constant(0).map { [TensorData(dtype: to, shape: $0.shape, bytes: $0.bytes)] }
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.view) }
}
