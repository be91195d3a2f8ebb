// Compress: the slices along an axis (of the flattened input without one)
// whose condition is true. The condition sets the output's size, so it
// must be a compile-time constant; the op becomes a Gather of its true
// positions. A condition shorter than the axis leaves the rest out.

struct Compress: Operator {
    static let opType = "Compress"
    let axis: Int?
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axis = attributes.has("axis") ? try attributes.int("axis", default: 0) : nil
        opset = attributes.opset
    }

    /// The gathered axis (0 of the flattened input without `axis`) and the kept positions.
    func selection(_ inputs: OpInputs) throws -> (axis: Int?, picks: [Int64]) {
        let x = try inputs.type(0)
        _ = try inputs.require(1, "condition", in: [.bool])
        let condition = try inputs.requireConstant(1, "condition")
        let length = axis == nil ? x.elementCount : nil
        var resolved: Int? = nil
        if let axis {
            guard x.rank > 0, let normalized = Shape.normalize(axis: axis, rank: x.rank) else {
                throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for \(x.shape)")
            }
            resolved = normalized
        }
        let size = length ?? x.shape[resolved ?? 0]
        let flags = condition.int64s
        guard condition.shape.count == 1, flags.count <= size else {
            throw inputs.error(.shapeMismatch, "condition \(condition.shape) must be 1-D and no longer than \(size)")
        }
        return (resolved, flags.enumerated().compactMap { $0.element != 0 ? Int64($0.offset) : nil })
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        let (axis, picks) = try selection(inputs)
        guard let axis else { return [TensorType(x.dtype, [picks.count])] }
        var shape = x.shape
        shape[axis] = picks.count
        return [TensorType(x.dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let (axis, picks) = try selection(inputs)
        var b = DecompositionBuilder(opset: opset)
        let source = axis == nil ? b.reshape(.input(0), [x.elementCount]) : Decomposition.Operand.input(0)
        let result = b.add(
            "Gather", [source, .constant(TensorData(shape: [picks.count], int64s: picks))], ["axis": .int(axis ?? 0)])
        return .decompose(b.finish([result]))
    }
}
