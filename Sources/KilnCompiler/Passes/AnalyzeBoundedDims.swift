// Proves that a bounded dim indexes independent items (see IR/BoundedDim.swift):
// follows each input's item axis through the core graph and stops the build,
// naming the node, where a computation would mix items (a reduction or a
// softmax over them, a product summing over them, a reshape that splits
// them) or read the bound as a number. What passes runs correctly at any
// extent, because item i of every result depends only on item i of the inputs.

extension Graph {
    /// Fills ``itemLayouts`` for every value a bounded dim reaches, or throws
    /// where the model would compute something else at a smaller extent.
    public mutating func analyzeBoundedDims() throws {
        guard let dim = boundedDims.first else { return }
        var layouts: [ValueID: ItemLayout] = [:]
        let fix = "give it a size instead: {\"dims\": {\"\(dim.name)\": \(dim.bound)}}"
        for input in inputs {
            guard let axis = boundedInputAxes[input] else { continue }
            let shape = type(of: input).shape
            guard let layout = ItemLayout.of(shape: shape, axis: axis, bound: dim.bound) else {
                throw CompileError(
                    .dynamicShape, at: SourceLocation(file: ModelConfig.path(besideModel: modelFile)),
                    "input '\(self[input].name)' \(shape) is sized by the bounded dim '\(dim.name)' on axis \(axis), "
                        + "after axes larger than 1; a bounded dim must be the outermost axis (a batch) so each "
                        + "item is one block of memory. A dynamic fast axis (height, width, channels) costs the "
                        + "whole bound on every call: \(fix)")
            }
            layouts[input] = layout
        }
        for node in nodes {
            guard let core = node.core else { continue }
            for (position, input) in node.inputs.enumerated() {
                guard let input, boundDerived.contains(input), Self.readsAsData(core, position: position) else {
                    continue
                }
                throw CompileError(
                    .dynamicShape, at: location(of: node),
                    "input \(position) ('\(self[input].name)') is computed from the size of the bounded dim "
                        + "'\(dim.name)' (through Shape or Size) and used as a number; Kiln compiles a bounded dim "
                        + "once, so it would hold \(dim.bound) at every extent: \(fix)")
            }
            let given = node.inputs.map { $0.flatMap { layouts[$0] } }
            guard given.contains(where: { $0 != nil }) else { continue }
            guard let results = itemLayouts(node, core, given, bound: dim.bound) else {
                throw CompileError(
                    .dynamicShape, at: location(of: node),
                    "\(core) mixes the items of the bounded dim '\(dim.name)' (its inputs are "
                        + node.inputs.map { $0.map { "\(type(of: $0).shape)" } ?? "none" }.joined(separator: ", ")
                        + "); Kiln runs a bounded dim only through computations that keep its items apart, "
                        + "like a batch: \(fix)")
            }
            for (output, layout) in zip(node.outputs, results) { layouts[output] = layout }
        }
        for pair in state where layouts[outputs[pair.output]] != nil {
            throw CompileError(
                .dynamicShape, at: SourceLocation(file: ModelConfig.path(besideModel: modelFile)),
                "state output '\(self[outputs[pair.output]].name)' depends on the items of the bounded dim "
                    + "'\(dim.name)', but its state input does not; \(fix)")
        }
        itemLayouts = layouts
    }

    /// Whether a core op computes with input `position`'s values, rather than
    /// reading only its shape (a reshape's target shape, a slice's bounds).
    private static func readsAsData(_ core: CoreOp, position: Int) -> Bool {
        switch core {
        case .view, .stridedCopy, .topK, .reduce: position == 0
        default: true
        }
    }

    /// The item layouts of `node`'s outputs when each item of them depends
    /// only on the same item of the inputs; nil when items would mix.
    private func itemLayouts(_ node: Node, _ core: CoreOp, _ given: [ItemLayout?], bound: Int) -> [ItemLayout?]? {
        let shapes = node.inputs.map { $0.map { type(of: $0).shape } ?? [] }
        let out = type(of: node.outputs[0]).shape
        /// The output layout with item axis `axis`, when the output holds whole items there.
        func result(_ axis: Int) -> [ItemLayout?]? {
            guard let layout = ItemLayout.of(shape: out, axis: axis, bound: bound) else { return nil }
            return Array(repeating: layout, count: node.outputs.count)
        }
        /// The one axis of the output the item-major inputs align to (NumPy
        /// broadcasting), each with all its items there; nil when they differ.
        func alignedAxis(_ positions: [Int]) -> Int? {
            var axis: Int?
            for position in positions {
                guard let layout = given[position] else { continue }
                let aligned = layout.axis + out.count - shapes[position].count
                guard aligned >= 0, axis == nil || axis == aligned, out[aligned] == shapes[position][layout.axis]
                else { return nil }
                axis = aligned
            }
            return axis
        }
        let onlyFirst = given.dropFirst().allSatisfy { $0 == nil }
        switch core {
        case .elementwise:
            return alignedAxis(Array(given.indices)).flatMap(result)
        case .convolution, .pool, .globalAveragePool:
            guard onlyFirst, given[0]?.axis == 0 else { return nil }
            return result(0)
        case .gemm(let parameters):
            guard onlyFirst, !parameters.transposeA, given[0]?.axis == 0 else { return nil }
            return result(0)
        case .matMul:
            guard given.count < 3 || given[2] == nil, shapes[0].count >= 2, shapes[1].count >= 2 else { return nil }
            // A's item axis may be a batch axis or its rows, B's a batch axis;
            // never the summed axis (or B's columns).
            if let a = given[0], a.axis == shapes[0].count - 1 { return nil }
            if let b = given[1], b.axis >= shapes[1].count - 2 { return nil }
            return alignedAxis([0, 1]).flatMap(result)
        case .softmax(let parameters):
            guard let axis = given[0]?.axis, axis < parameters.axis else { return nil }
            return result(axis)
        case .layerNormalization(let normalized, _):
            guard onlyFirst, let axis = given[0]?.axis, axis < normalized else { return nil }
            return result(axis)
        case .transpose(let permutation):
            guard let axis = given[0]?.axis, let moved = permutation.firstIndex(of: axis) else { return nil }
            return result(moved)
        case .concat(let joined):
            guard let axis = alignedAxis(Array(given.indices)), axis != joined else { return nil }
            return result(axis)
        case .reduce(let parameters):
            guard onlyFirst, let axis = given[0]?.axis, !parameters.axes.contains(axis) else { return nil }
            return result(parameters.keepsDimensions ? axis : axis - parameters.axes.filter { $0 < axis }.count)
        case .argExtreme(let parameters):
            guard let axis = given[0]?.axis, axis != parameters.axis else { return nil }
            return result(parameters.keepsDimension || axis < parameters.axis ? axis : axis - 1)
        case .topK(let along, _, _):
            guard onlyFirst, let axis = given[0]?.axis, axis != along else { return nil }
            guard let values = ItemLayout.of(shape: out, axis: axis, bound: bound),
                let indices = ItemLayout.of(shape: type(of: node.outputs[1]).shape, axis: axis, bound: bound)
            else { return nil }
            return [values, indices]
        case .cumulative(let parameters):
            guard let axis = given[0]?.axis, axis != parameters.axis else { return nil }
            return result(axis)
        case .gather(let along):
            switch (given[0], given[1]) {
            case (let data?, nil) where data.axis < along: return result(data.axis)
            case (let data?, nil) where data.axis > along: return result(data.axis - 1 + shapes[1].count)
            case (nil, let indices?): return result(along + indices.axis)
            default: return nil
            }
        case .gatherElements(let along):
            guard let axis = alignedAxis([0, 1]), axis != along else { return nil }
            return result(axis)
        case .stridedCopy(let offset, let strides):
            // A slice or broadcast that leaves the item axis whole: item i of
            // the result is read from item i's block of the input alone.
            guard onlyFirst, let layout = given[0], strides.count == shapes[0].count else { return nil }
            let axis = layout.axis
            let rowStride = Shape.strides(of: shapes[0])[axis]
            guard out[axis] == shapes[0][axis], strides[axis] == rowStride, out.allSatisfy({ $0 > 0 }) else {
                return nil
            }
            let others = out.indices.filter { $0 != axis }
            let lowest = offset + others.reduce(0) { $0 + (out[$1] - 1) * min(strides[$1], 0) }
            let highest = offset + others.reduce(0) { $0 + (out[$1] - 1) * max(strides[$1], 0) }
            guard lowest >= 0, highest < rowStride else { return nil }
            return result(axis)
        case .view:
            guard onlyFirst, given[0] != nil, let layout = ItemLayout.contiguous(shape: out, bound: bound) else {
                return nil
            }
            return [layout]
        case .gatherND, .scatterElements, .scatterND:
            return nil
        }
    }
}
