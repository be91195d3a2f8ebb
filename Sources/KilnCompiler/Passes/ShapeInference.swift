// Output types for every op Kiln compiles, with the checks that catch
// mismatched shapes at build time instead of as wrong numbers at run time.

/// Per-op type rules.
enum ShapeInference {
    /// Output types of a node whose inputs are typed.
    static func infer(_ node: Node, in graph: Graph) throws -> [TensorType] {
        let location = graph.location(of: node)
        func input(_ position: Int) throws -> TensorType {
            guard let id = node.input(position), let type = graph[id].type else {
                throw CompileError(.malformedModel, at: location, "missing required input \(position)")
            }
            return type
        }
        func requireFloat(_ type: TensorType, _ what: String) throws {
            guard type.dtype == .float32 else {
                throw CompileError(
                    .unsupportedFeature, at: location,
                    "\(what) is \(type.dtype) at run time; Kiln computes float32 tensors "
                        + "(integer tensors are supported only in constant shape arithmetic)")
            }
        }
        func requireRank(_ type: TensorType, _ rank: Int, _ what: String) throws {
            guard type.rank == rank else {
                throw CompileError(
                    .unsupportedFeature, at: location,
                    "\(what) has shape \(type.shape); Kiln supports only rank-\(rank) (2-D NCHW) tensors here")
            }
        }
        let x = try input(0)
        try requireFloat(x, "input 0")

        switch node.opType {
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Identity", "Dropout", "Clip":
            if node.opType == "Clip" {
                for position in [1, 2] {
                    if let id = node.input(position), graph[id].constant == nil {
                        throw CompileError(
                            .unsupportedFeature, at: location,
                            "Clip bounds must be constants (input \(position) is computed)")
                    }
                }
            }
            if node.opType == "Dropout", node.outputs.count > 1 {
                return [x, TensorType(.bool, x.shape)]
            }
            return [x]

        case "Softmax":
            let axis = node.int("axis", default: graph.opset >= 13 ? -1 : 1)
            guard Shape.normalize(axis: axis, rank: x.rank) != nil else {
                throw CompileError(.invalidAttribute, at: location, "axis \(axis) is out of range for shape \(x.shape)")
            }
            return [x]

        case "Add", "Sub", "Mul", "Div":
            let y = try input(1)
            try requireFloat(y, "input 1")
            guard let shape = Shape.broadcast([x.shape, y.shape]) else {
                throw CompileError(.shapeMismatch, at: location, "shapes \(x.shape) and \(y.shape) do not broadcast")
            }
            return [TensorType(.float32, shape)]

        case "Gemm":
            let b = try input(1)
            try requireRank(x, 2, "A")
            try requireRank(b, 2, "B")
            let transA = node.int("transA", default: 0) != 0
            let transB = node.int("transB", default: 0) != 0
            let (m, k) = transA ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
            let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            guard k == kb else {
                throw CompileError(
                    .shapeMismatch, at: location,
                    "inner dimensions differ: A is \(x.shape)\(transA ? "ᵀ" : ""), B is \(b.shape)\(transB ? "ᵀ" : "")")
            }
            if let cID = node.input(2), let c = graph[cID].type, Shape.broadcast([c.shape, [m, n]]) != [m, n] {
                throw CompileError(
                    .shapeMismatch, at: location, "C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            return [TensorType(.float32, [m, n])]

        case "MatMul":
            let b = try input(1)
            try requireFloat(b, "input 1")
            guard x.rank >= 1, b.rank >= 1 else {
                throw CompileError(.shapeMismatch, at: location, "MatMul needs inputs of rank ≥ 1")
            }
            let a2 = x.rank == 1 ? [1] + x.shape : x.shape
            let b2 = b.rank == 1 ? b.shape + [1] : b.shape
            guard a2[a2.count - 1] == b2[b2.count - 2] else {
                throw CompileError(.shapeMismatch, at: location, "inner dimensions differ: \(x.shape) × \(b.shape)")
            }
            guard let batch = Shape.broadcast([Array(a2.dropLast(2)), Array(b2.dropLast(2))]) else {
                throw CompileError(
                    .shapeMismatch, at: location, "batch dimensions of \(x.shape) and \(b.shape) do not broadcast")
            }
            var shape = batch + [a2[a2.count - 2], b2[b2.count - 1]]
            if x.rank == 1 { shape.remove(at: shape.count - 2) }
            if b.rank == 1 { shape.removeLast() }
            return [TensorType(.float32, shape)]

        case "Conv":
            let w = try input(1)
            try requireRank(x, 4, "input X")
            try requireRank(w, 4, "weight W")
            let group = node.int("group", default: 1)
            guard group >= 1, x.shape[1] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == x.shape[1] else {
                throw CompileError(
                    .shapeMismatch, at: location,
                    "weights \(w.shape) with group \(group) do not match the \(x.shape[1]) input channels of \(x.shape)"
                )
            }
            if let kernel = node.ints("kernel_shape"), kernel != [w.shape[2], w.shape[3]] {
                throw CompileError(
                    .shapeMismatch, at: location, "kernel_shape \(kernel) differs from weights \(w.shape)")
            }
            if let bID = node.input(2), let bias = graph[bID].type, bias.shape != [w.shape[0]] {
                throw CompileError(.shapeMismatch, at: location, "bias shape \(bias.shape) is not [\(w.shape[0])]")
            }
            let geometry = try WindowGeometry(
                node: node, input: (x.shape[2], x.shape[3]), kernel: (w.shape[2], w.shape[3]), ceilMode: false,
                location: location)
            return [TensorType(.float32, [x.shape[0], w.shape[0], geometry.output.h, geometry.output.w])]

        case "MaxPool", "AveragePool":
            try requireRank(x, 4, "input X")
            guard let kernel = node.ints("kernel_shape"), kernel.count == 2,
                kernel.allSatisfy({ (1...4096).contains($0) })
            else {
                throw CompileError(.invalidAttribute, at: location, "kernel_shape must hold two positive values")
            }
            if node.opType == "MaxPool", node.outputs.count > 1 {
                throw CompileError(.unsupportedFeature, at: location, "MaxPool's Indices output is not supported")
            }
            if node.int("storage_order", default: 0) != 0 {
                throw CompileError(.unsupportedFeature, at: location, "MaxPool storage_order 1 is not supported")
            }
            let geometry = try WindowGeometry(
                node: node, input: (x.shape[2], x.shape[3]), kernel: (kernel[0], kernel[1]),
                ceilMode: node.int("ceil_mode", default: 0) != 0, location: location)
            return [TensorType(.float32, [x.shape[0], x.shape[1], geometry.output.h, geometry.output.w])]

        case "GlobalAveragePool":
            guard x.rank >= 3 else {
                throw CompileError(.shapeMismatch, at: location, "GlobalAveragePool needs rank ≥ 3, got \(x.shape)")
            }
            return [TensorType(.float32, Array(x.shape[..<2]) + Array(repeating: 1, count: x.rank - 2))]

        case "BatchNormalization":
            if node.int("training_mode", default: 0) != 0 || node.outputs.count > 1 {
                throw CompileError(
                    .unsupportedFeature, at: location, "BatchNormalization in training mode is not supported")
            }
            guard x.rank >= 2 else {
                throw CompileError(.shapeMismatch, at: location, "BatchNormalization needs rank ≥ 2, got \(x.shape)")
            }
            for position in 1...4 {
                let id = node.input(position)
                guard let id, let constant = graph[id].constant else {
                    throw CompileError(
                        .unsupportedFeature, at: location,
                        "BatchNormalization input \(position) must be a constant (inference mode)")
                }
                guard constant.elementCount == x.shape[1] else {
                    throw CompileError(
                        .shapeMismatch, at: location,
                        "input \(position) has \(constant.elementCount) values for \(x.shape[1]) channels")
                }
            }
            return [x]

        case "Flatten":
            return [TensorType(.float32, try flatten(x.shape, axis: node.int("axis", default: 1), location: location))]

        case "Reshape":
            guard let id = node.input(1), let requested = graph[id].constant else {
                throw CompileError(
                    .unsupportedFeature, at: location,
                    "the target shape must be known at compile time (a constant or foldable shape computation)")
            }
            let shape = try reshapeTarget(
                input: x.shape, requested: requested.int64s, allowZero: node.int("allowzero", default: 0) != 0,
                location: location)
            return [TensorType(.float32, shape)]

        case "Transpose":
            let perm = node.ints("perm") ?? Array((0..<x.rank).reversed())
            guard perm.sorted() == Array(0..<x.rank) else {
                throw CompileError(
                    .invalidAttribute, at: location, "perm \(perm) is not a permutation of 0..<\(x.rank)")
            }
            return [TensorType(.float32, perm.map { x.shape[$0] })]

        case "Concat":
            var shapes: [[Int]] = []
            for position in node.inputs.indices {
                let type = try input(position)
                try requireFloat(type, "input \(position)")
                shapes.append(type.shape)
            }
            let rawAxis = node.int("axis", default: 0)
            guard let axis = Shape.normalize(axis: rawAxis, rank: x.rank) else {
                throw CompileError(
                    .invalidAttribute, at: location, "axis \(rawAxis) is out of range for rank \(x.rank)")
            }
            return [TensorType(.float32, try concatShape(shapes, axis: axis, location: location))]

        default:
            throw CompileError(
                .unsupportedFeature, at: location,
                "op '\(node.opType)' is supported only when its inputs are compile-time constants (shape arithmetic)")
        }
    }

    // MARK: - Shared shape rules

    static func flatten(_ shape: [Int], axis rawAxis: Int, location: SourceLocation) throws -> [Int] {
        let axis = rawAxis < 0 ? rawAxis + shape.count : rawAxis
        guard (0...shape.count).contains(axis) else {
            throw CompileError(
                .invalidAttribute, at: location,
                "axis \(rawAxis) is out of range for \(shape)")
        }
        return [shape[..<axis].reduce(1, *), shape[axis...].reduce(1, *)]
    }

    static func reshapeTarget(
        input: [Int], requested: [Int64], allowZero: Bool, location: SourceLocation
    ) throws -> [Int] {
        var shape = requested.enumerated().map { axis, dim -> Int in
            if dim == 0 && !allowZero && axis < input.count { return input[axis] }
            return Int(dim)
        }
        let count = input.reduce(1, *)
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw CompileError(.shapeMismatch, at: location, "invalid target shape \(requested)")
        }
        if let axis = inferred.first {
            let others = shape.enumerated().filter { $0.offset != axis }.map(\.element)
            guard let known = Shape.checkedElementCount(others), known > 0, count % known == 0 else {
                throw CompileError(.shapeMismatch, at: location, "cannot reshape \(input) to \(requested)")
            }
            shape[axis] = count / known
        }
        guard Shape.checkedElementCount(shape) == count else {
            throw CompileError(.shapeMismatch, at: location, "cannot reshape \(input) (\(count) elements) to \(shape)")
        }
        return shape
    }

    static func concatShape(_ shapes: [[Int]], axis: Int, location: SourceLocation) throws -> [Int] {
        var result = shapes[0]
        for shape in shapes.dropFirst() {
            guard shape.count == result.count,
                shape.indices.allSatisfy({ $0 == axis || shape[$0] == result[$0] })
            else {
                throw CompileError(.shapeMismatch, at: location, "cannot concatenate \(shapes) along axis \(axis)")
            }
            result[axis] += shape[axis]
        }
        return result
    }
}
