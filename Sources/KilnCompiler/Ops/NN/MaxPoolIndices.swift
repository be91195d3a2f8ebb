// MaxPool's optional Indices output: where each maximum came from, as a
// flat index into X (row-major over H and W, or column-major with
// storage_order 1, plus the image and channel offset). Every window is
// gathered into a row of the padded input (positions known at compile
// time), then reduced with ReduceMax and ArgMax (the first maximum, as ONNX
// Runtime picks it). Slower than the pool kernel, so only models that ask
// for Indices take this path.

extension MaxPool {
    /// Indices are computed for 2-D float32 windows.
    func requireIndexable(_ inputs: OpInputs) throws {
        let x = try inputs.type(0)
        guard x.rank == 4, x.dtype == .float32 else {
            throw inputs.error(
                .unsupportedFeature, "MaxPool's Indices output is supported for float32 2-D windows, not \(x)")
        }
    }

    func lowerWithIndices(_ inputs: OpInputs) throws -> Lowering {
        try requireIndexable(inputs)
        let x = try inputs.type(0)
        let g = try core(inputs).geometry
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outHeight, outWidth) = g.output
        let taps = g.kernel.h * g.kernel.w
        try ConstantBudget.check(bytes: 16 * outHeight * outWidth * taps, inputs)
        // ceil_mode windows may reach past the end padding: pad that far too.
        let reach = (
            h: (outHeight - 1) * g.strides.h + (g.kernel.h - 1) * g.dilations.h + 1,
            w: (outWidth - 1) * g.strides.w + (g.kernel.w - 1) * g.dilations.w + 1
        )
        let padEnd = (h: max(g.padEnd.h, reach.h - h - g.padBegin.h, 0), w: max(g.padEnd.w, reach.w - w - g.padBegin.w, 0))
        let padded = (h: g.padBegin.h + h + padEnd.h, w: g.padBegin.w + w + padEnd.w)
        var positions: [Int64] = []
        var sources: [Int64] = []
        positions.reserveCapacity(outHeight * outWidth * taps)
        sources.reserveCapacity(outHeight * outWidth * taps)
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for i in 0..<g.kernel.h {
                    for j in 0..<g.kernel.w {
                        let (py, px) = (oy * g.strides.h + i * g.dilations.h, ox * g.strides.w + j * g.dilations.w)
                        positions.append(Int64(py * padded.w + px))
                        let (y, column) = (py - g.padBegin.h, px - g.padBegin.w)
                        let inside = (0..<h).contains(y) && (0..<w).contains(column)
                        sources.append(inside ? Int64(columnMajorIndices ? column * h + y : y * w + column) : 0)
                    }
                }
            }
        }
        var b = DecompositionBuilder(opset: max(opset, 13))
        var source = Decomposition.Operand.input(0)
        if g.padBegin.h + g.padBegin.w + padEnd.h + padEnd.w > 0 {
            let pads = [0, 0, g.padBegin.h, g.padBegin.w, 0, 0, padEnd.h, padEnd.w]
            source = b.add("Pad", [source, .int64s(pads), DecompositionBuilder.scalar(-.infinity)])
        }
        let windows = b.add(
            "Gather",
            [b.reshape(source, [n, c, padded.h * padded.w]),
             .constant(TensorData(shape: [outHeight * outWidth, taps], int64s: positions))],
            ["axis": .int(2)])
        let values = b.reshape(b.reduce(ReduceMax.self, windows, axes: [3]), [n, c, outHeight, outWidth])
        let tap = b.add("ArgMax", [windows], ["axis": .int(3), "keepdims": .int(0)])
        let rowStarts = TensorData(shape: [outHeight * outWidth], int64s: (0..<outHeight * outWidth).map { Int64($0 * taps) })
        let local = b.add(
            "Gather", [.constant(TensorData(shape: [sources.count], int64s: sources)), b.add("Add", [tap, .constant(rowStarts)])],
            ["axis": .int(0)])
        let planes = TensorData(shape: [n, c, 1], int64s: (0..<n * c).map { Int64($0 * h * w) })
        let indices = b.reshape(b.add("Add", [local, .constant(planes)]), [n, c, outHeight, outWidth])
        return .decompose(b.finish([values, indices]))
    }
}
