// Slice: a box of the input with a step per axis (negative steps walk
// backwards); starts/ends/axes are attributes before opset 10 and constant
// inputs (with steps) since. Indices clamp to the axis as ONNX specifies.
// A strided copy at run time, a gather of bytes when folding.

struct Slice: Operator {
    static let opType = "Slice"
    /// Before opset 10: (starts, ends, axes) from attributes.
    let attributeBox: (starts: [Int], ends: [Int], axes: [Int]?)?

    init(_ attributes: AttributeReader) throws {
        if attributes.opset < 10 {
            guard let starts = try attributes.ints("starts"), let ends = try attributes.ints("ends") else {
                throw attributes.error("Slice needs 'starts' and 'ends'")
            }
            attributeBox = (starts, ends, try attributes.ints("axes"))
        } else {
            attributeBox = nil
        }
    }

    /// Per input axis: first index, step and count.
    func box(_ inputs: OpInputs) throws -> [(start: Int, step: Int, count: Int)] {
        let shape = try inputs.type(0).shape
        func ints(_ position: Int, _ what: String) throws -> [Int]? {
            guard inputs.has(position) else { return nil }
            return try inputs.requireConstant(position, what).int64s.map { Int(clamping: $0) }
        }
        let starts: [Int]
        let ends: [Int]
        let givenAxes: [Int]?
        if let attributeBox {
            (starts, ends, givenAxes) = attributeBox
        } else {
            starts = try ints(1, "starts") ?? []
            ends = try ints(2, "ends") ?? []
            givenAxes = try ints(3, "axes")
        }
        let axes = givenAxes ?? Array(0..<starts.count)
        let steps = try ints(4, "steps") ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw inputs.error(.shapeMismatch, "starts, ends, axes and steps must have one entry per sliced axis")
        }
        var box = shape.map { (start: 0, step: 1, count: $0) }
        var seen = Set<Int>()
        for (index, rawAxis) in axes.enumerated() {
            guard let axis = Shape.normalize(axis: rawAxis, rank: shape.count), shape.count > 0,
                seen.insert(axis).inserted
            else { throw inputs.error(.invalidAttribute, "axes \(axes) are out of range or repeated for \(shape)") }
            let size = shape[axis]
            let step = steps[index]
            guard step != 0 else { throw inputs.error(.invalidAttribute, "a step of 0 is not allowed") }
            func resolve(_ value: Int) -> Int { value < 0 ? value.addingReportingOverflow(size).partialValue : value }
            var start = resolve(starts[index])
            var end = resolve(ends[index])
            if step > 0 {
                start = min(max(start, 0), size)
                end = min(max(end, 0), size)
            } else {
                start = min(max(start, 0), size - 1)
                end = min(max(end, -1), size - 1)
            }
            let span = step > 0 ? end - start : start - end
            // Steps come from the file: Int.min has no positive counterpart, and
            // span + step can overflow, so count as 1 + (span - 1) / |step|.
            let magnitude = Int(clamping: step.magnitude)
            box[axis] = (start: start, step: step, count: span > 0 ? 1 + (span - 1) / magnitude : 0)
        }
        return box
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        [TensorType(try inputs.type(0).dtype, try box(inputs).map(\.count))]
    }

    /// The result shape, and the offset of its first element and its strides, in input elements.
    func layout(_ inputs: OpInputs) throws -> (shape: [Int], offset: Int, strides: [Int]) {
        let box = try box(inputs)
        let strides = Shape.strides(of: try inputs.type(0).shape)
        let empty = box.contains { $0.count == 0 }
        let offset = empty ? 0 : zip(box, strides).map { $0.start * $1 }.reduce(0, +)
        // An axis taking one element never uses its stride, whose step may be
        // anything the file says; any axis taking more has |step| < its size.
        return (box.map(\.count), offset, zip(box, strides).map { $0.count > 1 ? $0.step * $1 : 0 })
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let data = inputs.constant(0) else { return nil }
        let (shape, offset, strides) = try layout(inputs)
        return [data.strided(shape: shape, strides: strides, offset: offset)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (_, offset, strides) = try layout(inputs)
        return .core(.stridedCopy(offset: offset, strides: strides))
    }
}
