// MaxPool, AveragePool and GlobalAveragePool: one tile per (image, channel)
// plane, window taps unrolled at compile time over a padded copy of the plane.

/// Pooling lowerings.
enum Pooling {
    /// Scratch for the padded planes, when the windows reach outside the image.
    static func scratchElements(_ node: Node, _ parameters: PoolParameters, in graph: Graph) -> Int {
        guard let x = node.input(0).flatMap({ graph[$0].type }) else { return 0 }
        let geometry = parameters.geometry
        let plane = PaddedPlane(geometry)
        return plane.needed || plane.top > 0 || plane.left > 0 ? x.shape[0] * x.shape[1] * plane.elements : 0
    }

    /// One tile per (image, channel): the plane is padded into scratch (with
    /// −∞ for max, 0 for average) when windows reach outside it, then every
    /// output row is computed a vector at a time, all taps in registers.
    static func pool(_ context: KernelContext, _ parameters: PoolParameters) -> KernelPlan {
        let node = context.node
        let xID = node.inputs[0]!
        let x = context.type(xID).shape
        let isMax = parameters.kind == .max
        let geometry = parameters.geometry
        let padded = PaddedPlane(geometry)
        let usesScratch = scratchElements(node, parameters, in: context.graph) > 0
        let pitch = usesScratch ? padded.paddedWidth : geometry.input.w
        let planeSize = usesScratch ? padded.elements : geometry.input.h * geometry.input.w
        let plane = geometry.output.h * geometry.output.w
        let reciprocals =
            isMax ? [] : averageReciprocals(geometry, includePadding: parameters.countIncludesPadding)
        let stride = geometry.strides.w
        let width = stride <= 4 ? context.vectorWidth : 1

        return KernelPlan(tileCount: x[0] * x[1]) { b, tile in
            let input = context.pointer(xID, b)
            let output = context.pointer(context.output, b)
            let source = usesScratch ? context.scratchPointer(b) : input
            if usesScratch {
                padded.emit(
                    b, input: input, padded: source, plane: tile, fill: isMax ? -Float.infinity : 0,
                    vectorWidth: context.vectorWidth)
            }
            let table = isMax ? nil : context.constantPointer(reciprocals, key: "reciprocals", b)
            let inBase = b.mul(tile, planeSize)
            let outBase = b.mul(tile, plane)
            b.loop(0..<geometry.output.h) { oh in
                let outRow = b.mul(oh, geometry.output.w)
                b.forEachVector(count: geometry.output.w, width: width) { ow, lanes in
                    func load(_ index: IRValue) -> IRValue {
                        width == 1
                            ? b.load(source, index)
                            : b.loadStridedVector(source, index, width: width, count: lanes, stride: stride)
                    }
                    var result: IRValue? = nil
                    for kh in 0..<geometry.kernel.h {
                        let row = b.add(b.mul(oh, geometry.strides.h), kh * geometry.dilations.h)
                        for kw in 0..<geometry.kernel.w {
                            let column = b.add(b.mul(ow, stride), kw * geometry.dilations.w)
                            let value = load(b.add(inBase, b.add(b.mul(row, pitch), column)))
                            result = result.map { isMax ? b.fmax($0, value) : b.fadd($0, value) } ?? value
                        }
                    }
                    guard var value = result else { return }
                    if let table {
                        let scale =
                            width == 1
                            ? b.load(table, b.add(outRow, ow))
                            : b.loadVector(table, b.add(outRow, ow), width: width, count: lanes)
                        value = b.fmul(value, scale)
                    }
                    if width == 1 {
                        b.store(value, output, b.add(outBase, b.add(outRow, ow)))
                    } else {
                        b.storeVector(value, output, b.add(outBase, b.add(outRow, ow)), count: lanes)
                    }
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
            let base = b.mul(tile, plane)
            let width = context.vectorWidth
            let sum = b.reduceVectors(
                count: plane, width: width, identity: 0,
                { offset, lanes in b.loadVector(input, b.add(base, offset), width: width, count: lanes) },
                combine: b.fadd)
            b.store(b.fmul(sum, b.constant(1 / Float(plane))), output, tile)
        }
    }
}
