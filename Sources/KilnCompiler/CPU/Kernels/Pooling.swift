// MaxPool, AveragePool and GlobalAveragePool: one tile per (image, channel)
// plane, window taps unrolled at compile time with their valid output ranges.

/// Pooling lowerings.
enum Pooling {
    static func pool(_ context: KernelContext) throws -> KernelPlan {
        let node = context.node
        let xID = node.inputs[0]!
        let x = context.type(xID).shape
        let kernel = node.ints("kernel_shape") ?? [1, 1]
        let isMax = node.opType == "MaxPool"
        let geometry = try WindowGeometry(
            node: node, input: (x[2], x[3]), kernel: (kernel[0], kernel[1]),
            ceilMode: node.int("ceil_mode", default: 0) != 0, location: context.location)
        let (height, width) = (x[2], x[3])
        let plane = geometry.output.h * geometry.output.w
        let reciprocals =
            isMax ? [] : averageReciprocals(geometry, includePadding: node.int("count_include_pad", default: 0) != 0)

        return KernelPlan(tileCount: x[0] * x[1]) { b, tile in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let outBase = b.mul(tile, plane)
            let inBase = b.mul(tile, height * width)
            let initial = b.constant(isMax ? -Float.infinity : 0)
            b.loop(0..<plane) { index in b.store(initial, output, b.add(outBase, index)) }
            geometry.emitTaps(b, outBase: outBase, inBase: inBase) { _ in
                { outIndex, inIndex in
                    let value = b.load(input, inIndex)
                    let current = b.load(output, outIndex)
                    b.store(isMax ? b.fmax(current, value) : b.fadd(current, value), output, outIndex)
                }
            }
            if !isMax {
                let table = context.constantPointer(reciprocals, key: "reciprocals", b)
                b.loop(0..<plane) { index in
                    let at = b.add(outBase, index)
                    b.store(b.fmul(b.load(output, at), b.load(table, index)), output, at)
                }
            }
        }
    }

    /// 1 / (taps counted) per output position, as ONNX Runtime counts them:
    /// with `count_include_pad` the declared padding counts, never the
    /// extra area a ceil-mode window hangs over.
    static func averageReciprocals(_ geometry: WindowGeometry, includePadding: Bool) -> [Float] {
        func counts(
            size: Int, outputs: Int, stride: Int, kernel: Int, dilation: Int, padBegin: Int, padEnd: Int
        ) -> [Int] {
            (0..<outputs).map { o in
                (0..<kernel).filter { k in
                    let index = o * stride + k * dilation - padBegin
                    return includePadding ? index >= -padBegin && index < size + padEnd : index >= 0 && index < size
                }.count
            }
        }
        let rows = counts(
            size: geometry.input.h, outputs: geometry.output.h, stride: geometry.strides.h, kernel: geometry.kernel.h,
            dilation: geometry.dilations.h, padBegin: geometry.padBegin.h, padEnd: geometry.padEnd.h)
        let columns = counts(
            size: geometry.input.w, outputs: geometry.output.w, stride: geometry.strides.w, kernel: geometry.kernel.w,
            dilation: geometry.dilations.w, padBegin: geometry.padBegin.w, padEnd: geometry.padEnd.w)
        return rows.flatMap { r in columns.map { c in 1 / Float(max(r * c, 1)) } }
    }

    static func globalAverage(_ context: KernelContext) -> KernelPlan {
        let xID = context.input(0)!
        let x = context.type(xID).shape
        let plane = x.dropFirst(2).reduce(1, *)
        return KernelPlan(tileCount: x[0] * x[1]) { b, tile in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let sum = b.variable(b.constant(Float(0)))
            let base = b.mul(tile, plane)
            b.loop(0..<plane) { index in b.write(sum, b.fadd(b.read(sum), b.load(input, b.add(base, index)))) }
            b.store(b.fmul(b.read(sum), b.constant(1 / Float(plane))), output, tile)
        }
    }
}
