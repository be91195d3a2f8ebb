// Reshape: the same elements under a target shape (0 copies the input's
// dimension unless allowzero; one -1 is inferred). A view: no copy.

struct Reshape: ViewOperator {
    static let opType = "Reshape"
    let allowZero: Bool

    init(_ attributes: AttributeReader) throws { allowZero = try attributes.flag("allowzero") }

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let input = try inputs.type(0).shape
        let requested = try inputs.requireConstant(1, "the target shape").int64s
        return try Self.target(input: input, requested: requested, allowZero: allowZero, inputs)
    }

    static func target(input: [Int], requested: [Int64], allowZero: Bool, _ inputs: OpInputs) throws -> [Int] {
        guard requested.allSatisfy({ $0 >= -1 && $0 <= Int64(Shape.maxElements) }) else {
            throw inputs.error(.shapeMismatch, "invalid target shape \(requested)")
        }
        var shape = requested.enumerated().map { axis, dim -> Int in
            if dim == 0 && !allowZero && axis < input.count { return input[axis] }
            return Int(dim)
        }
        let count = input.reduce(1, *)
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1 else {
            throw inputs.error(.shapeMismatch, "invalid target shape \(requested): more than one -1")
        }
        if let axis = inferred.first {
            let others = shape.enumerated().filter { $0.offset != axis }.map(\.element)
            guard let known = Shape.checkedElementCount(others), known > 0, count % known == 0 else {
                throw inputs.error(.shapeMismatch, "cannot reshape \(input) to \(requested)")
            }
            shape[axis] = count / known
        }
        guard Shape.checkedElementCount(shape) == count else {
            throw inputs.error(.shapeMismatch, "cannot reshape \(input) (\(count) elements) to \(shape)")
        }
        return shape
    }
}
