// Squeeze and Unsqueeze: remove or insert size-1 axes; `axes` is an
// attribute before opset 13 and an (optional for Squeeze) input since.

/// Reads the axes of Squeeze/Unsqueeze from wherever the opset puts them.
struct AxesOperand: Sendable {
    let attribute: [Int]?

    init(_ attributes: AttributeReader) throws {
        attribute = attributes.opset < 13 ? try attributes.ints("axes") : nil
    }

    func axes(_ inputs: OpInputs) throws -> [Int]? {
        if let attribute { return attribute }
        guard inputs.has(1) else { return nil }
        return try inputs.requireConstant(1, "axes").int64s.map { Int(clamping: $0) }
    }
}

struct Squeeze: ViewOperator {
    static let opType = "Squeeze"
    let axes: AxesOperand

    init(_ attributes: AttributeReader) throws { axes = try AxesOperand(attributes) }

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let shape = try inputs.type(0).shape
        let rank = shape.count
        guard let axes = try axes.axes(inputs) else { return shape.filter { $0 != 1 } }
        var normalized = Set<Int>()
        for axis in axes {
            guard let value = Shape.normalize(axis: axis, rank: rank), rank > 0, shape[value] == 1 else {
                throw inputs.error(.invalidAttribute, "cannot squeeze axis \(axis) of shape \(shape)")
            }
            normalized.insert(value)
        }
        return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    }
}

struct Unsqueeze: ViewOperator {
    static let opType = "Unsqueeze"
    let axes: AxesOperand

    init(_ attributes: AttributeReader) throws { axes = try AxesOperand(attributes) }

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let shape = try inputs.type(0).shape
        guard let axes = try axes.axes(inputs) else { throw inputs.error(.invalidAttribute, "Unsqueeze needs 'axes'") }
        let rank = shape.count + axes.count
        let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        guard normalized.count == axes.count, normalized.allSatisfy({ (0..<rank).contains($0) }) else {
            throw inputs.error(.invalidAttribute, "invalid axes \(axes) for output rank \(rank)")
        }
        var source = shape.makeIterator()
        return (0..<rank).map { normalized.contains($0) ? 1 : (source.next() ?? 1) }
    }
}
