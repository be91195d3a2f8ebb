// Evaluates nodes whose inputs are all known at compile time, so shape
// subgraphs (Shape → Gather → Concat → Reshape) and weight transforms vanish.

/// Compile-time evaluation of the ops that appear in shape and weight arithmetic.
struct ConstantFolder {
    let graph: Graph

    /// Constants the folder may create, in elements (a model file cannot
    /// make the compiler allocate without bound).
    static let maxFoldedElements = 1 << 26

    /// The node's outputs when it can be evaluated now, or nil when it must
    /// run at run time. `Shape` folds even with a non-constant input: shapes are static.
    func fold(_ node: Node) throws -> [TensorData]? {
        let location = graph.location(of: node)
        let types = node.inputs.map { $0.flatMap { graph[$0].type } }
        let constants = node.inputs.map { $0.flatMap { graph[$0].constant } }

        func constant(_ position: Int) -> TensorData? { position < constants.count ? constants[position] : nil }

        switch node.opType {
        case "Constant":
            return [try constantValue(node, location: location)]
        case "Shape":
            guard let type = types.first ?? nil else { return nil }
            let rank = type.rank
            func clampAxis(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
            let start = clampAxis(node.int("start", default: 0))
            let end = clampAxis(node.int("end", default: rank))
            let dims = start < end ? Array(type.shape[start..<end]) : []
            return [TensorData(shape: [dims.count], int64s: dims.map { Int64($0) })]
        case "ConstantOfShape":
            guard let shapeTensor = constant(0) else { return nil }
            let shape = shapeTensor.int64s.map { Int($0) }
            guard let count = Shape.checkedElementCount(shape), count <= ConstantFolder.maxFoldedElements else {
                throw CompileError(.invalidAttribute, at: location, "invalid or too large shape \(shape)")
            }
            if case .tensor(let value)? = node.attributes["value"] {
                switch value.storage {
                case .float32(let v):
                    return [TensorData(shape: shape, floats: .init(repeating: v.first ?? 0, count: count))]
                case .int64(let v):
                    return [TensorData(shape: shape, int64s: .init(repeating: v.first ?? 0, count: count))]
                }
            }
            return [TensorData(shape: shape, floats: .init(repeating: 0, count: count))]
        default:
            break
        }

        // Everything below needs every present input to be constant.
        guard !constants.isEmpty, zip(node.inputs, constants).allSatisfy({ $0.0 == nil || $0.1 != nil }) else {
            return nil
        }
        let inputs = constants.compactMap { $0 }

        switch node.opType {
        case "Identity", "Dropout":
            return node.outputs.count > 1 ? nil : [inputs[0]]
        case "Cast":
            let to = node.int("to", default: 1)
            switch to {
            case DType.float32.rawValue, DType.float64.rawValue:
                return [TensorData(shape: inputs[0].shape, floats: inputs[0].floats)]
            case DType.int64.rawValue, DType.int32.rawValue:
                return [TensorData(shape: inputs[0].shape, int64s: inputs[0].int64s)]
            default:
                throw CompileError(
                    .unsupportedFeature, at: location,
                    "Cast to \(ONNXImporter.dataTypeName(Int32(to))) is not supported")
            }
        case "Gather":
            return [try gather(inputs[0], indices: inputs[1], axis: node.int("axis", default: 0), location: location)]
        case "Unsqueeze", "Squeeze":
            let axes = try axesInput(node, constants: constants, location: location)
            return [
                try squeezeOrUnsqueeze(inputs[0], axes: axes, unsqueeze: node.opType == "Unsqueeze", location: location)
            ]
        case "Concat":
            return [try concat(inputs, axis: node.int("axis", default: 0), location: location)]
        case "Reshape":
            let shape = try ShapeInference.reshapeTarget(
                input: inputs[0].shape, requested: inputs[1].int64s, allowZero: node.int("allowzero", default: 0) != 0,
                location: location)
            return [inputs[0].reshaped(shape)]
        case "Flatten":
            let shape = try ShapeInference.flatten(
                inputs[0].shape, axis: node.int("axis", default: 1), location: location)
            return [inputs[0].reshaped(shape)]
        case "Transpose":
            let perm = node.ints("perm") ?? Array((0..<inputs[0].shape.count).reversed())
            guard perm.sorted() == Array(0..<inputs[0].shape.count) else {
                throw CompileError(.invalidAttribute, at: location, "perm \(perm) is not a permutation of the axes")
            }
            return [transpose(inputs[0], perm: perm)]
        case "Add", "Sub", "Mul", "Div":
            return try binary(node.opType, inputs[0], inputs[1], location: location).map { [$0] }
        default:
            return nil
        }
    }

    // MARK: - Ops

    private func constantValue(_ node: Node, location: SourceLocation) throws -> TensorData {
        switch (
            node.attributes["value"], node.attributes["value_float"], node.attributes["value_floats"],
            node.attributes["value_int"], node.attributes["value_ints"]
        )
        {
        case (.tensor(let value)?, _, _, _, _): return value
        case (_, .float(let value)?, _, _, _): return TensorData(shape: [], floats: [value])
        case (_, _, .floats(let values)?, _, _): return TensorData(shape: [values.count], floats: values)
        case (_, _, _, .int(let value)?, _): return TensorData(shape: [], int64s: [Int64(value)])
        case (_, _, _, _, .ints(let values)?):
            return TensorData(shape: [values.count], int64s: values.map { Int64($0) })
        default:
            throw CompileError(
                .unsupportedFeature, at: location,
                "Constant needs a 'value', 'value_float(s)' or 'value_int(s)' attribute")
        }
    }

    private func axesInput(_ node: Node, constants: [TensorData?], location: SourceLocation) throws -> [Int] {
        if let axes = node.ints("axes") { return axes }
        if constants.count > 1, let axes = constants[1] { return axes.int64s.map { Int($0) } }
        if node.opType == "Squeeze" { return [] }
        throw CompileError(.invalidAttribute, at: location, "Unsqueeze needs 'axes'")
    }

    private func gather(
        _ data: TensorData, indices: TensorData, axis rawAxis: Int, location: SourceLocation
    ) throws
        -> TensorData
    {
        let rank = data.shape.count
        guard let axis = Shape.normalize(axis: rawAxis, rank: rank) else {
            throw CompileError(.invalidAttribute, at: location, "axis \(rawAxis) is out of range for rank \(rank)")
        }
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        let size = data.shape[axis]
        var picks: [Int] = []
        for index in indices.int64s {
            let value = Int(index) < 0 ? Int(index) + size : Int(index)
            guard (0..<size).contains(value) else {
                throw CompileError(.invalidAttribute, at: location, "index \(index) is out of range for size \(size)")
            }
            picks.append(value)
        }
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        func gathered<T>(_ values: [T]) -> [T] {
            var result: [T] = []
            result.reserveCapacity(outer * picks.count * inner)
            for o in 0..<outer {
                for pick in picks {
                    let start = (o * size + pick) * inner
                    result.append(contentsOf: values[start..<start + inner])
                }
            }
            return result
        }
        switch data.storage {
        case .float32(let values): return TensorData(shape: shape, floats: gathered(values))
        case .int64(let values): return TensorData(shape: shape, int64s: gathered(values))
        }
    }

    private func squeezeOrUnsqueeze(
        _ data: TensorData, axes: [Int], unsqueeze: Bool, location: SourceLocation
    ) throws
        -> TensorData
    {
        if unsqueeze {
            let rank = data.shape.count + axes.count
            let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard normalized.count == axes.count, normalized.allSatisfy({ (0..<rank).contains($0) }) else {
                throw CompileError(.invalidAttribute, at: location, "invalid axes \(axes) for output rank \(rank)")
            }
            var source = data.shape.makeIterator()
            let shape = (0..<rank).map { normalized.contains($0) ? 1 : (source.next() ?? 1) }
            return data.reshaped(shape)
        }
        let rank = data.shape.count
        let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        let shape = data.shape.enumerated().filter { axis, dim in
            normalized.isEmpty ? dim != 1 : !normalized.contains(axis)
        }.map(\.element)
        return data.reshaped(shape)
    }

    private func concat(_ parts: [TensorData], axis rawAxis: Int, location: SourceLocation) throws -> TensorData {
        let rank = parts[0].shape.count
        guard let axis = Shape.normalize(axis: rawAxis, rank: rank) else {
            throw CompileError(.invalidAttribute, at: location, "axis \(rawAxis) is out of range for rank \(rank)")
        }
        let shape = try ShapeInference.concatShape(parts.map(\.shape), axis: axis, location: location)
        let outer = shape[..<axis].reduce(1, *)
        func joined<T>(_ arrays: [[T]]) -> [T] {
            var result: [T] = []
            for o in 0..<outer {
                for (part, values) in zip(parts, arrays) {
                    let chunk = part.shape[axis...].reduce(1, *)
                    result.append(contentsOf: values[o * chunk..<(o + 1) * chunk])
                }
            }
            return result
        }
        if parts.allSatisfy({ $0.dtype == .int64 }) {
            return TensorData(shape: shape, int64s: joined(parts.map(\.int64s)))
        }
        return TensorData(shape: shape, floats: joined(parts.map(\.floats)))
    }

    private func transpose(_ data: TensorData, perm: [Int]) -> TensorData {
        let shape = perm.map { data.shape[$0] }
        let sourceStrides = Shape.strides(of: data.shape)
        let sourceIndex = Shape.offsets(of: shape, strides: [perm.map { sourceStrides[$0] }])[0]
        switch data.storage {
        case .float32(let values): return TensorData(shape: shape, floats: sourceIndex.map { values[$0] })
        case .int64(let values): return TensorData(shape: shape, int64s: sourceIndex.map { values[$0] })
        }
    }

    private func binary(
        _ op: String, _ lhs: TensorData, _ rhs: TensorData, location: SourceLocation
    ) throws -> TensorData? {
        guard let shape = Shape.broadcast([lhs.shape, rhs.shape]) else {
            throw CompileError(.shapeMismatch, at: location, "shapes \(lhs.shape) and \(rhs.shape) do not broadcast")
        }
        let lhsStrides = Shape.broadcastStrides(from: lhs.shape, to: shape)
        let rhsStrides = Shape.broadcastStrides(from: rhs.shape, to: shape)
        let offsets = Shape.offsets(of: shape, strides: [lhsStrides, rhsStrides])
        let pairs = zip(offsets[0], offsets[1])
        if lhs.dtype == .int64 && rhs.dtype == .int64 {
            let a = lhs.int64s
            let b = rhs.int64s
            var values: [Int64] = []
            for (l, r) in pairs {
                switch op {
                case "Add": values.append(a[l] &+ b[r])
                case "Sub": values.append(a[l] &- b[r])
                case "Mul": values.append(a[l] &* b[r])
                default:
                    guard b[r] != 0 else {
                        throw CompileError(.invalidAttribute, at: location, "integer division by zero in a constant")
                    }
                    values.append(a[l] / b[r])
                }
            }
            return TensorData(shape: shape, int64s: values)
        }
        let a = lhs.floats
        let b = rhs.floats
        let values: [Float] = pairs.map { l, r in
            switch op {
            case "Add": a[l] + b[r]
            case "Sub": a[l] - b[r]
            case "Mul": a[l] * b[r]
            default: a[l] / b[r]
            }
        }
        return TensorData(shape: shape, floats: values)
    }
}
