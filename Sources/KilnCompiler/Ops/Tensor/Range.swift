// Range: start, start + delta, … up to (not including) limit. Its length
// is its shape, so Kiln needs the three scalars at compile time and folds it.

struct RangeSequence: Operator {
    static let opType = "Range"
    /// More elements than this is a hostile or mistaken model, refused before allocating.
    static let maxElements = 1 << 26

    init(_ attributes: AttributeReader) throws {}

    func values(_ inputs: OpInputs) throws -> TensorData {
        let dtype = try inputs.require(0, "start", in: allFloats.union([.int16, .int32, .int64]))
            .dtype
        let scalars = try (0..<3).map { position -> TensorData in
            let value = try inputs.requireConstant(position, ["start", "limit", "delta"][position])
            guard value.elementCount == 1, value.dtype == dtype else {
                throw inputs.error(.shapeMismatch, "start, limit and delta must be scalars of one type")
            }
            return value
        }
        let (start, limit, delta) = (scalars[0].doubles[0], scalars[1].doubles[0], scalars[2].doubles[0])
        guard delta != 0, start.isFinite, limit.isFinite, delta.isFinite else {
            throw inputs.error(.invalidAttribute, "Range needs a finite start and limit and a non-zero delta")
        }
        let count = max(0, ((limit - start) / delta).rounded(.up))
        guard count <= Double(Self.maxElements) else {
            throw inputs.error(.unsupportedFeature, "Range of \(count) elements is larger than Kiln folds")
        }
        if dtype.isFloatingPoint {
            return TensorData(dtype: dtype, shape: [Int(count)], converting: (0..<Int(count)).map { start + Double($0) * delta })
        }
        let (first, step) = (scalars[0].int64s[0], scalars[2].int64s[0])
        return TensorData(dtype: dtype, shape: [Int(count)], converting: (0..<Int(count)).map { first &+ Int64($0) &* step })
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try values(inputs).type] }
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [try values(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.constant(try values(inputs))]) }
}
