// 2-D convolution (pads, auto_pad, strides, dilations, groups, depthwise):
// one tile per (image, output channel), accumulating whole output planes so
// the innermost loop runs along an output row and vectorizes.

/// Direct convolution lowering.
enum Convolution {
    static func conv(_ context: KernelContext) throws -> KernelPlan {
        let node = context.node
        let xID = node.inputs[0]!
        let wID = node.inputs[1]!
        let x = context.type(xID).shape
        let w = context.type(wID).shape
        let y = context.type(context.output).shape
        let group = node.int("group", default: 1)
        let geometry = try WindowGeometry(
            node: node, input: (x[2], x[3]), kernel: (w[2], w[3]), ceilMode: false, location: context.location)
        let (batch, inChannels, height, width) = (x[0], x[1], x[2], x[3])
        let outChannels = y[1]
        let (outHeight, outWidth) = (y[2], y[3])
        let channelsPerGroup = inChannels / group
        let outputsPerGroup = outChannels / group
        let plane = outHeight * outWidth
        let bias = node.input(2)

        return KernelPlan(tileCount: batch * outChannels) { b, tile in
            let input = context.pointer(xID, b)
            let weights = context.pointer(wID, b)
            let output = context.pointer(context.output, b)
            let n = b.divide(tile, outChannels)
            let oc = b.remainder(tile, outChannels)
            let outBase = b.mul(tile, plane)
            let initial = bias.map { b.load(context.pointer($0, b), oc) } ?? b.constant(Float(0))
            b.loop(0..<plane) { index in b.store(initial, output, b.add(outBase, index)) }

            let firstChannel = b.add(b.mul(n, inChannels), b.mul(b.divide(oc, outputsPerGroup), channelsPerGroup))
            b.loop(0..<channelsPerGroup) { ic in
                let inBase = b.mul(b.add(firstChannel, ic), height * width)
                let weightBase = b.mul(b.add(b.mul(oc, channelsPerGroup), ic), geometry.kernel.h * geometry.kernel.w)
                for kh in 0..<geometry.kernel.h {
                    let rowOffset = kh * geometry.dilations.h - geometry.padBegin.h
                    let rows = WindowGeometry.validRange(
                        size: height, outputs: outHeight, stride: geometry.strides.h, offset: rowOffset)
                    for kw in 0..<geometry.kernel.w {
                        let columnOffset = kw * geometry.dilations.w - geometry.padBegin.w
                        let columns = WindowGeometry.validRange(
                            size: width, outputs: outWidth, stride: geometry.strides.w, offset: columnOffset)
                        guard !rows.isEmpty, !columns.isEmpty else { continue }
                        let weight = b.load(weights, b.add(weightBase, kh * geometry.kernel.w + kw))
                        b.loop(rows) { oh in
                            let outRow = b.add(outBase, b.mul(oh, outWidth))
                            let inRow = b.add(
                                inBase, b.mul(b.add(b.mul(oh, geometry.strides.h), rowOffset), width))
                            b.loop(columns) { ow in
                                let outIndex = b.add(outRow, ow)
                                let inIndex = b.add(inRow, b.add(b.mul(ow, geometry.strides.w), columnOffset))
                                b.store(
                                    b.fmuladd(weight, b.load(input, inIndex), b.load(output, outIndex)), output,
                                    outIndex)
                            }
                        }
                    }
                }
            }
            if let epilogue = node.epilogue {
                b.loop(0..<plane) { index in
                    let at = b.add(outBase, index)
                    b.store(b.apply(epilogue, b.load(output, at)), output, at)
                }
            }
        }
    }
}
