// Elementwise kernels with NumPy broadcasting: binary arithmetic,
// activations, per-channel affine maps and plain copies share one
// loop-nest emitter whose innermost loop is unit-stride so it vectorizes.

/// The shared emitter for n-ary elementwise kernels.
enum Elementwise {
    /// An operand: where it lives and how the iteration space walks it.
    struct Operand {
        var id: ValueID?
        /// Element strides along each axis of the iteration shape (0 = broadcast).
        var strides: [Int]
        /// For compile-time data that is not a graph value (BN factors).
        var values: [Float]? = nil
        var key: String = ""

        /// An operand of `shape` broadcast to `target`.
        init(id: ValueID?, shape: [Int], broadcastTo target: [Int], values: [Float]? = nil, key: String = "") {
            self.id = id
            self.strides = Shape.broadcastStrides(from: shape, to: target)
            self.values = values
            self.key = key
        }

        /// Elements skipped before the first one read (a slice's start).
        var elementOffset = 0

        init(id: ValueID, strides: [Int], elementOffset: Int = 0) {
            self.id = id
            self.strides = strides
            self.elementOffset = elementOffset
        }
    }

    /// Plans `output = compute(operands)` elementwise over the output's shape.
    static func plan(
        _ context: KernelContext, operands: [Operand], output: ValueID,
        compute: @escaping (KernelBuilder, [IRValue]) -> IRValue
    ) -> KernelPlan {
        let shape = context.type(output).shape
        let outputType = context.type(output).dtype
        let epilogue = context.node.epilogue
        let (collapsedShape, strides) = collapse(shape, [Shape.strides(of: shape)] + operands.map(\.strides))
        // A single dimension left: split it into chunks so tiles stay balanced.
        let chunk = 8192
        if collapsedShape.count <= 1 {
            let count = collapsedShape.first ?? 1
            let tiles = max(1, (count + chunk - 1) / chunk)
            return KernelPlan(tileCount: tiles) { b, tile in
                let inputs = pointers(context, operands, b)
                let out = context.pointer(output, b)
                let start = tiles == 1 ? b.constant(0) : b.mul(tile, chunk)
                // The call's elements: `count`, or fewer below a bounded dim's bound.
                let live = context.itemPrefix(count, of: output, b)
                let end = tiles == 1 ? live : b.minimum(b.add(start, chunk), live)
                b.loop(from: start, to: end) { index in
                    let values = zip(inputs, strides.dropFirst()).map { input, stride in
                        let step = stride.first ?? 1
                        return b.load(input.pointer, step == 0 ? b.constant(0) : b.mul(index, step), input.dtype)
                    }
                    let value = compute(b, values)
                    b.store(epilogue.map { b.apply($0, value) } ?? value, out, index, outputType)
                }
            }
        }
        return KernelPlan(tileCount: collapsedShape[0]) { b, tile in
            emitStrided(
                b, shape: Array(collapsedShape.dropFirst()), leading: tile,
                output: (context.pointer(output, b), strides[0], 0, outputType),
                inputs: zip(pointers(context, operands, b), strides.dropFirst()).map { ($0.pointer, $1, $0.dtype) },
                epilogue: epilogue, compute: compute)
        }
    }

    /// Emits loops over `shape` (after an optional fixed `leading` index on
    /// axis 0 of the strides) computing `output[…] = compute(inputs[…])`.
    static func emitStrided(
        _ b: KernelBuilder, shape: [Int], leading: IRValue?,
        output: (pointer: IRValue, strides: [Int], base: Int, dtype: DType),
        inputs: [(IRValue, [Int], DType)], epilogue: Activation?, compute: (KernelBuilder, [IRValue]) -> IRValue
    ) {
        b.loopNest(shape) { inner in
            let indices = (leading.map { [$0] } ?? []) + inner
            let values = inputs.map { pointer, strides, dtype in b.load(pointer, b.linear(indices, strides), dtype) }
            let value = compute(b, values)
            b.store(
                epilogue.map { b.apply($0, value) } ?? value, output.pointer,
                b.linear(indices, output.strides, base: output.base), output.dtype)
        }
    }

    private static func pointers(
        _ context: KernelContext, _ operands: [Operand], _ b: KernelBuilder
    ) -> [(pointer: IRValue, dtype: DType)] {
        operands.map { operand in
            if let values = operand.values { return (context.constantPointer(values, key: operand.key, b), .float32) }
            guard let id = operand.id else { preconditionFailure("operand without a value") }
            let dtype = context.type(id).dtype
            let pointer = context.pointer(id, b)
            guard operand.elementOffset != 0 else { return (pointer, dtype) }
            return (b.advanced(pointer, byBytes: operand.elementOffset * dtype.byteSize), dtype)
        }
    }

    /// Merges adjacent axes that every operand walks contiguously (or not at
    /// all), so `[1,64,56,56] + [1,64,1,1]` becomes a `[64, 3136]` loop nest.
    static func collapse(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
        var newShape: [Int] = []
        var newStrides: [[Int]] = strides.map { _ in [] }
        for axis in shape.indices where shape[axis] != 1 || shape.allSatisfy({ $0 == 1 }) && axis == 0 {
            if let last = newShape.indices.last,
                strides.indices.allSatisfy({ newStrides[$0][last] == strides[$0][axis] * shape[axis] })
            {
                newShape[last] *= shape[axis]
                for operand in strides.indices { newStrides[operand][last] = strides[operand][axis] }
            } else {
                newShape.append(shape[axis])
                for operand in strides.indices { newStrides[operand].append(strides[operand][axis]) }
            }
        }
        return (newShape, newStrides)
    }

    // MARK: - Op lowerings

    /// The operands of a node's inputs, each broadcast to the output's shape.
    static func broadcastOperands(_ context: KernelContext) -> [Operand] {
        let shape = context.type(context.output).shape
        return context.node.inputs.compactMap { $0 }.map { id in
            Operand(id: id, shape: context.type(id).shape, broadcastTo: shape)
        }
    }

    static func binary(_ context: KernelContext, _ op: BinaryOperator) -> KernelPlan {
        let dtype = context.type(context.output).dtype
        return plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.arithmetic(op, values[0], values[1], dtype)
        }
    }

    static func compare(_ context: KernelContext, _ op: ComparisonOperator) -> KernelPlan {
        let dtype = context.type(context.input(0)!).dtype
        return plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.compare(op, values[0], values[1], dtype)
        }
    }

    static func logical(_ context: KernelContext, _ op: LogicalOperator) -> KernelPlan {
        plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.logical(op, values[0], values[1])
        }
    }

    static func not(_ context: KernelContext) -> KernelPlan {
        plan(context, operands: broadcastOperands(context), output: context.output) { b, values in b.not(values[0]) }
    }

    /// Where: `condition ? a : b`, all three broadcast.
    static func select(_ context: KernelContext) -> KernelPlan {
        plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.select(values[0], values[1], values[2])
        }
    }

    /// A pointwise formula, computed in operand 0's compute type.
    static func expression(_ context: KernelContext, _ expression: Expression) -> KernelPlan {
        let dtype = context.type(context.input(0)!).dtype
        return plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.evaluate(expression, values, dtype)
        }
    }

    /// Fused float32 formulas, each step reading the operands and the
    /// results of the steps before it, all in registers.
    static func fused(_ context: KernelContext, _ steps: [Expression]) -> KernelPlan {
        plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            var results = values
            for step in steps { results.append(b.evaluate(step, results, .float32)) }
            return results[results.count - 1]
        }
    }

    static func cast(_ context: KernelContext, to target: DType, _ conversion: FloatConversion) -> KernelPlan {
        let source = context.type(context.input(0)!).dtype
        return plan(context, operands: broadcastOperands(context), output: context.output) { b, values in
            b.convert(values[0], from: source, to: target, conversion)
        }
    }

    static func activation(_ context: KernelContext, _ activation: Activation) -> KernelPlan {
        let id = context.input(0)!
        let shape = context.type(id).shape
        return plan(context, operands: [Operand(id: id, shape: shape, broadcastTo: shape)], output: context.output) {
            b, values in b.apply(activation, values[0])
        }
    }

    static func copy(_ context: KernelContext) -> KernelPlan {
        let id = context.input(0)!
        let shape = context.type(id).shape
        return plan(context, operands: [Operand(id: id, shape: shape, broadcastTo: shape)], output: context.output) {
            _, values in values[0]
        }
    }

    /// `x × scale[c] + shift[c]` along axis 1 (inference batch normalisation).
    static func channelAffine(_ context: KernelContext, scale: [Float], shift: [Float]) -> KernelPlan {
        let id = context.input(0)!
        let shape = context.type(id).shape
        let channelShape = [1, shape[1]] + Array(repeating: 1, count: shape.count - 2)
        let operands = [
            Operand(id: id, shape: shape, broadcastTo: shape),
            Operand(id: nil, shape: channelShape, broadcastTo: shape, values: scale, key: "scale"),
            Operand(id: nil, shape: channelShape, broadcastTo: shape, values: shift, key: "shift"),
        ]
        return plan(context, operands: operands, output: context.output) { b, values in
            b.fmuladd(values[0], values[1], values[2])
        }
    }
}
