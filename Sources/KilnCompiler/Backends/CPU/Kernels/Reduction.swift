// Reductions over any set of axes: one tile per block of output elements;
// each output walks its reduced elements with compile-time strides and
// accumulates in the compute type (float32 for half precision).

import CLLVM

enum Reduction {
    static func reduce(_ context: KernelContext, _ parameters: ReduceParameters) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID)
        let reduced = Set(parameters.axes)
        let strides = Shape.strides(of: x.shape)
        // Kept axes index the output (row-major); reduced axes are walked per output.
        let keptAxes = x.shape.indices.filter { !reduced.contains($0) }
        let keptShape = keptAxes.map { x.shape[$0] }
        let keptStrides = keptAxes.map { strides[$0] }
        let reducedAxes = parameters.axes
        let reducedShape = reducedAxes.map { x.shape[$0] }
        let reducedStrides = reducedAxes.map { strides[$0] }
        let count = reducedShape.reduce(1, *)
        let outputs = keptShape.reduce(1, *)
        let dtype = x.dtype
        // float32 rows along the last axis run on SIMD vectors.
        let vectorized = dtype == .float32 && reducedAxes.last == x.shape.count - 1 && count > 1
        let width = context.vectorWidth
        // Tiles of up to 64 outputs keep work per tile even for tiny reductions.
        let perTile = 64
        let tiles = max(1, (outputs + perTile - 1) / perTile)
        return KernelPlan(tileCount: tiles) { b, tile in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let start = b.mul(tile, perTile)
            // The call's outputs: all, or fewer below a bounded dim's bound.
            let end = b.minimum(b.add(start, perTile), context.itemPrefix(outputs, of: context.output, b))
            b.loop(from: start, to: end) { position in
                // The input offset of this output's first element.
                var remaining = position
                var base: IRValue = b.constant(0)
                for axis in keptShape.indices.reversed() {
                    let index = b.remainder(remaining, keptShape[axis])
                    remaining = b.divide(remaining, keptShape[axis])
                    base = b.add(base, b.mul(index, keptStrides[axis]))
                }
                if vectorized {
                    let (map, op, identity) = vectorParts(parameters.kind, b)
                    let combine = { (x: IRValue, y: IRValue) in b.arithmetic(op, x, y, dtype) }
                    let accumulator = b.variable(b.splatConstant(b.constant(identity), lanes: width))
                    let row = reducedShape.last ?? 1
                    b.loopNest(Array(reducedShape.dropLast())) { indices in
                        let start = b.add(base, b.linear(indices, Array(reducedStrides.dropLast())))
                        b.accumulateVectors(
                            into: accumulator, count: row, width: width, identity: identity,
                            { offset, lanes in map(b.loadVector(input, b.add(start, offset), width: width, count: lanes)) },
                            combine: combine)
                    }
                    let total = b.foldLanes(b.read(accumulator), combine: combine)
                    b.store(finish(parameters.kind, total, count: count, b, dtype), output, position, dtype)
                    return
                }
                let accumulator = b.variable(initial(parameters.kind, b, dtype))
                b.loopNest(reducedShape) { indices in
                    let value = b.load(input, b.add(base, b.linear(indices, reducedStrides)), dtype)
                    b.write(accumulator, combine(parameters.kind, b.read(accumulator), value, b, dtype))
                }
                b.store(finish(parameters.kind, b.read(accumulator), count: count, b, dtype), output, position, dtype)
            }
        }
    }

    /// Running sums or products along one axis: one tile per position of the
    /// axes before it; each inner position walks the axis (backwards when
    /// reversed), storing the total before (exclusive) or after adding its element.
    static func cumulative(_ context: KernelContext, _ parameters: CumulativeParameters) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID)
        let axis = parameters.axis
        let (outer, length, inner) = Shape.split(x.shape, around: axis)
        let kind: ReduceParameters.Kind = parameters.isProduct ? .product : .sum
        let dtype = x.dtype
        return KernelPlan(tileCount: outer) { b, o in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            b.loop(0..<inner) { k in
                let base = b.add(b.mul(o, length * inner), k)
                let total = b.variable(initial(kind, b, dtype))
                b.loop(0..<length) { step in
                    let i = parameters.reverse ? b.sub(b.constant(length - 1), step) : step
                    let at = b.add(base, b.mul(i, inner))
                    let combined = combine(kind, b.read(total), b.load(input, at, dtype), b, dtype)
                    b.store(parameters.exclusive ? b.read(total) : combined, output, at, dtype)
                    b.write(total, combined)
                }
            }
        }
    }

    /// A float32 reduction as a map of each element and an associative
    /// operator, with its neutral element, that folds the mapped values (and
    /// partial results).
    private static func vectorParts(
        _ kind: ReduceParameters.Kind, _ b: KernelBuilder
    ) -> (map: (IRValue) -> IRValue, op: BinaryOperator, identity: Float) {
        switch kind {
        case .sum, .mean, .logSum: ({ $0 }, .add, 0)
        case .maximum: ({ $0 }, .maximum, -.infinity)
        case .minimum: ({ $0 }, .minimum, .infinity)
        case .product: ({ $0 }, .multiply, 1)
        case .sumAbsolute: ({ b.apply(.abs, $0, .float32) }, .add, 0)
        case .sumSquare, .l2Norm: ({ b.fmul($0, $0) }, .add, 0)
        case .logSumExp: ({ b.exp($0) }, .add, 0)
        }
    }

    private static func initial(_ kind: ReduceParameters.Kind, _ b: KernelBuilder, _ dtype: DType) -> IRValue {
        switch kind {
        case .maximum, .minimum:
            if dtype.isFloatingPoint { return b.constant(kind == .maximum ? -.infinity : .infinity, dtype) }
            // The smallest (largest) value of the integer type: its bit pattern at the type's width.
            let type = b.computeType(dtype)
            let width = UInt64(LLVMGetIntTypeWidth(type))
            let signBit: UInt64 = 1 << (width - 1)
            let allOnes: UInt64 = width == 64 ? .max : (1 << width) - 1
            let bits: UInt64 =
                switch (kind == .maximum, dtype.isSignedInteger) {
                case (true, true): signBit
                case (true, false): 0
                case (false, true): signBit - 1
                case (false, false): allOnes
                }
            return LLVMConstInt(type, bits, 0)
        case .product: return b.constant(1, dtype)
        default: return b.constant(0, dtype)
        }
    }

    private static func combine(
        _ kind: ReduceParameters.Kind, _ sum: IRValue, _ x: IRValue, _ b: KernelBuilder, _ dtype: DType
    ) -> IRValue {
        switch kind {
        case .sum, .mean, .logSum: b.arithmetic(.add, sum, x, dtype)
        case .maximum: b.arithmetic(.maximum, sum, x, dtype)
        case .minimum: b.arithmetic(.minimum, sum, x, dtype)
        case .product: b.arithmetic(.multiply, sum, x, dtype)
        case .sumAbsolute: b.arithmetic(.add, sum, b.apply(.abs, x, dtype), dtype)
        case .sumSquare, .l2Norm: b.arithmetic(.add, sum, b.arithmetic(.multiply, x, x, dtype), dtype)
        case .logSumExp: b.arithmetic(.add, sum, b.exp(x), dtype)
        }
    }

    private static func finish(
        _ kind: ReduceParameters.Kind, _ total: IRValue, count: Int, _ b: KernelBuilder, _ dtype: DType
    ) -> IRValue {
        switch kind {
        case .mean: b.arithmetic(.divide, total, b.constant(Double(count), dtype), dtype)
        case .l2Norm: b.apply(.squareRoot, total, dtype)
        case .logSum, .logSumExp: b.log(total)
        default: total
        }
    }
}
