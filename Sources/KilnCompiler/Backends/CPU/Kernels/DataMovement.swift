// Kernels that only move bytes: transpose, concat, and the copies behind
// views (reshapes) that the memory planner could not alias.

/// Data-movement lowerings.
enum DataMovement {
    /// Views: nothing to do when the planner aliased the output
    /// to the input (the usual case), else a copy.
    static func view(_ context: KernelContext) -> KernelPlan? {
        guard let source = context.input(0) else { return nil }
        if context.constant(source) == nil, context.plan.offsets[source] == context.plan.offsets[context.output] {
            return nil
        }
        let shape = context.type(context.output).shape
        let dtype = context.type(context.output).dtype
        if context.type(source).dtype != dtype {
            // BitCast: the bytes as they are, moved as unsigned integers of the element's width.
            let raw: DType = [1: .uint8, 2: .uint16, 4: .uint32][dtype.byteSize] ?? .uint64
            let count = context.type(context.output).elementCount
            return KernelPlan(tileCount: 1) { b, _ in
                let (from, to) = (context.pointer(source, b), context.pointer(context.output, b))
                b.loop(0..<count) { index in b.store(b.load(from, index, raw), to, index, raw) }
            }
        }
        return Elementwise.plan(
            context, operands: [Elementwise.Operand(id: source, strides: Shape.strides(of: shape))],
            output: context.output
        ) { _, values in values[0] }
    }

    static func transpose(_ context: KernelContext, permutation perm: [Int]) -> KernelPlan {
        let source = context.input(0)!
        let inputShape = context.type(source).shape
        let inputStrides = Shape.strides(of: inputShape)
        return Elementwise.plan(
            context, operands: [Elementwise.Operand(id: source, strides: perm.map { inputStrides[$0] })],
            output: context.output
        ) { _, values in values[0] }
    }

    /// A slice or broadcast: each output element read at a fixed stride pattern.
    static func stridedCopy(_ context: KernelContext, offset: Int, strides: [Int]) -> KernelPlan {
        Elementwise.plan(
            context, operands: [Elementwise.Operand(id: context.input(0)!, strides: strides, elementOffset: offset)],
            output: context.output
        ) { _, values in values[0] }
    }

    /// Every input copied into its slab of the output: in one tile, or
    /// where the result holds a bounded dim's items (every axis before
    /// theirs 1), in a tile per entry of that axis, so a call copies only
    /// its items' rows.
    static func concat(_ context: KernelContext, axis: Int) -> KernelPlan {
        let outputShape = context.type(context.output).shape
        let outputStrides = Shape.strides(of: outputShape)
        var parts: [(id: ValueID, shape: [Int], base: Int)] = []
        var position = 0
        for case let id? in context.node.inputs {
            let shape = context.type(id).shape
            parts.append((id, shape, position * outputStrides[axis]))
            position += shape[axis]
        }
        let dtype = context.type(context.output).dtype
        var rowAxis: Int?
        if let layout = context.graph.itemLayouts[context.output], context.graph.itemBound(of: context.output) != nil,
            axis > layout.axis
        {
            rowAxis = layout.axis
        }
        // A row tile fixes the item axis (the axes before it are 1) and
        // loops over the axes after it; the one tile loops over them all.
        let from = rowAxis ?? 0
        let looped = rowAxis.map { $0 + 1 } ?? 0
        return KernelPlan(tileCount: rowAxis.map { outputShape[$0] } ?? 1) { b, row in
            let output = context.pointer(context.output, b)
            for part in parts where part.shape.reduce(1, *) > 0 {
                Elementwise.emitStrided(
                    b, shape: Array(part.shape[looped...]), leading: rowAxis == nil ? nil : row,
                    output: (output, Array(outputStrides[from...]), part.base, dtype),
                    inputs: [(context.pointer(part.id, b), Array(Shape.strides(of: part.shape)[from...]), dtype)],
                    epilogue: nil
                ) { _, values in values[0] }
            }
        }
    }
}
