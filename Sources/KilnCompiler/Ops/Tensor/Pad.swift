// Pad: constant, edge, reflect or wrap padding (negative pads crop), with
// pads and the constant as attributes before opset 11 and constant inputs
// since (axes from opset 18). Decomposed per axis into a Concat of the
// pieces: constants for `constant`, broadcast edge slices for `edge`,
// reversed slices for `reflect`, slices from the other end for `wrap`.

struct Pad: Operator {
    static let opType = "Pad"
    enum Mode: String { case constant, edge, reflect, wrap }
    let mode: Mode
    let attributePads: [Int]?
    let attributeValue: Float

    init(_ attributes: AttributeReader) throws {
        let name = try attributes.string("mode", default: "constant")
        guard let mode = Mode(rawValue: name) else {
            throw attributes.error("mode must be constant, edge, reflect or wrap, got '\(name)'")
        }
        self.mode = mode
        attributePads = attributes.opset < 11 ? try attributes.ints("pads") : nil
        attributeValue = attributes.opset < 11 ? try attributes.float("value", default: 0) : 0
    }

    /// Pads before and after each axis.
    func pads(_ inputs: OpInputs) throws -> [(before: Int, after: Int)] {
        let x = try inputs.type(0)
        let flat = try attributePads ?? inputs.requireConstant(1, "pads").int64s.map { Int(clamping: $0) }
        let axes: [Int]
        if inputs.has(3) {
            axes = try inputs.requireConstant(3, "axes").int64s.map { axis in
                guard let value = Shape.normalize(axis: Int(clamping: axis), rank: x.rank), x.rank > 0 else {
                    throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for \(x.shape)")
                }
                return value
            }
        } else {
            axes = Array(0..<x.rank)
        }
        guard flat.count == 2 * axes.count, Set(axes).count == axes.count else {
            throw inputs.error(.shapeMismatch, "pads \(flat) need two values for each of the axes \(axes)")
        }
        var result = Array(repeating: (before: 0, after: 0), count: x.rank)
        for (index, axis) in axes.enumerated() {
            let (before, after) = (flat[index], flat[index + axes.count])
            let size = x.shape[axis]
            guard abs(before) <= 1 << 20, abs(after) <= 1 << 20, size + before + after >= 0 else {
                throw inputs.error(.shapeMismatch, "pads \(before), \(after) do not fit axis \(axis) of size \(size)")
            }
            let limit = mode == .reflect ? size - 1 : mode == .wrap ? size : Int.max
            guard mode == .constant || (size > 0 && max(before, after) <= limit) else {
                throw inputs.error(
                    .shapeMismatch, "\(mode.rawValue) padding of \(max(before, after)) does not fit axis \(axis) of size \(size)")
            }
            result[axis] = (before, after)
        }
        return result
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        let shape = zip(x.shape, try pads(inputs)).map { $0 + $1.before + $1.after }
        if inputs.has(2), try inputs.type(2).dtype != x.dtype {
            throw inputs.error(.shapeMismatch, "constant_value must have the input's element type \(x.dtype)")
        }
        return [TensorType(x.dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let pads = try pads(inputs)
        let fill = try inputs.has(2) ? inputs.requireConstant(2, "constant_value").doubles.first ?? 0 : Double(attributeValue)
        typealias Step = Decomposition.Step
        typealias Operand = Decomposition.Operand
        var steps: [Step] = []
        var current = Operand.input(0)
        var shape = x.shape
        func add(_ step: Step) -> Operand {
            steps.append(step)
            return .step(steps.count - 1)
        }
        /// Elements [start, end) of `axis` with `step` (Slice's clamping rules).
        func slice(_ start: Int, _ end: Int, axis: Int, step: Int = 1) -> Operand {
            add(Step("Slice", [current, .int64s([start]), .int64s([end]), .int64s([axis]), .int64s([step])]))
        }
        for (axis, pad) in pads.enumerated() where pad != (0, 0) {
            // Negative pads crop first.
            if pad.before < 0 || pad.after < 0 {
                current = slice(max(0, -pad.before), shape[axis] - max(0, -pad.after), axis: axis)
                shape[axis] -= max(0, -pad.before) + max(0, -pad.after)
            }
            let size = shape[axis]
            func piece(_ count: Int, atStart: Bool) -> Operand? {
                guard count > 0 else { return nil }
                var pieceShape = shape
                pieceShape[axis] = count
                switch mode {
                case .constant:
                    return .constant(
                        TensorData(dtype: x.dtype, shape: pieceShape, converting: Array(repeating: fill, count: pieceShape.reduce(1, *))))
                case .edge:
                    let edge = atStart ? slice(0, 1, axis: axis) : slice(size - 1, size, axis: axis)
                    return add(Step("Expand", [edge, .int64s(pieceShape)]))
                case .reflect:
                    // Before: x[count], …, x[1]; after: x[size-2], …, x[size-1-count].
                    return atStart
                        ? slice(count, 0, axis: axis, step: -1)
                        : slice(size - 2, size - 2 - count < 0 ? Int(Int64.min) : size - 2 - count, axis: axis, step: -1)
                case .wrap:
                    return atStart ? slice(size - count, size, axis: axis) : slice(0, count, axis: axis)
                }
            }
            let parts = [piece(pad.before, atStart: true), current, piece(pad.after, atStart: false)].compactMap { $0 }
            if parts.count > 1 { current = add(Step("Concat", parts, attributes: ["axis": .int(axis)])) }
            shape[axis] += max(0, pad.before) + max(0, pad.after)
        }
        if steps.isEmpty { return .replace([.input(0)]) }
        return .decompose(Decomposition(steps: steps, outputs: [current]))
    }
}
