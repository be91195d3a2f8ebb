// Shape: a tensor's dimensions as int64 (optionally a start..<end slice);
// always a compile-time constant because every shape is static.

struct ShapeOf: Operator {
    static let opType = "Shape"
    static let readsOnlyShapes = true
    let start: Int
    let end: Int?

    init(_ attributes: AttributeReader) throws {
        start = try attributes.int("start", default: 0)
        end = attributes.has("end") ? try attributes.int("end", default: 0) : nil
    }

    func dims(_ inputs: OpInputs) throws -> [Int] {
        let shape = try inputs.type(0).shape
        let rank = shape.count
        func clamp(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
        let (from, to) = (clamp(start), clamp(end ?? rank))
        return from < to ? Array(shape[from..<to]) : []
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(.int64, [try dims(inputs).count])] }

    func shapeTensor(_ inputs: OpInputs) throws -> TensorData {
        let dims = try dims(inputs)
        return TensorData(shape: [dims.count], int64s: dims.map { Int64($0) })
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [try shapeTensor(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { .replace([.constant(try shapeTensor(inputs))]) }
}
