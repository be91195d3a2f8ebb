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
        let channelsPerGroup = inChannels / group
        let outputsPerGroup = outChannels / group
        let plane = y[2] * y[3]
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
                geometry.emitTaps(b, outBase: outBase, inBase: inBase) { tap in
                    let weight = b.load(weights, b.add(weightBase, tap))
                    return { outIndex, inIndex in
                        b.store(b.fmuladd(weight, b.load(input, inIndex), b.load(output, outIndex)), output, outIndex)
                    }
                }
            }
            b.apply(node.epilogue, toElementsOf: output, from: outBase, count: plane)
        }
    }
}
