// 2-D convolution (pads, auto_pad, strides, dilations, groups, depthwise):
// one tile per (image, output channel), accumulating whole output planes so
// the innermost loop runs along an output row and vectorizes. The interior
// applies all taps of a block of input channels per pass; only the edges
// go tap by tap.

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
        let interior = geometry.interior
        let border = geometry.border(around: interior)
        // Input channels summed per pass over the output: enough taps to
        // amortise the output load/store, few enough to keep weights in registers.
        let taps = geometry.kernel.h * geometry.kernel.w
        let channelBlock = [8, 4, 3, 2, 1].first { channelsPerGroup % $0 == 0 && $0 * taps <= 32 } ?? 1

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
            b.loop(0..<(channelsPerGroup / channelBlock)) { block in
                let ic0 = b.mul(block, channelBlock)
                let inBases = (0..<channelBlock).map { b.mul(b.add(firstChannel, b.add(ic0, $0)), height * width) }
                let weightBases = (0..<channelBlock).map { b.mul(b.add(b.mul(oc, channelsPerGroup), b.add(ic0, $0)), taps) }
                // Edges: tap by tap, each over the outputs where it reads inside the image.
                for region in border {
                    for (inBase, weightBase) in zip(inBases, weightBases) {
                        geometry.emitTaps(b, outBase: outBase, inBase: inBase, region: region) { tap in
                            let weight = b.load(weights, b.add(weightBase, tap))
                            return { outIndex, inIndex in
                                b.store(
                                    b.fmuladd(weight, b.load(input, inIndex), b.load(output, outIndex)), output, outIndex)
                            }
                        }
                    }
                }
                // Interior: every tap of the channel block in one pass, so each
                // output element is loaded and stored once per block, not per tap.
                guard !interior.isEmpty else { return }
                let tapWeights = weightBases.map { base in (0..<taps).map { b.load(weights, b.add(base, $0)) } }
                b.loop(interior.rows) { oh in
                    let outRow = b.add(outBase, b.mul(oh, geometry.output.w))
                    b.loop(interior.columns) { ow in
                        let outIndex = b.add(outRow, ow)
                        var sum = b.load(output, outIndex)
                        for (inBase, weights) in zip(inBases, tapWeights) {
                            for kh in 0..<geometry.kernel.h {
                                for kw in 0..<geometry.kernel.w {
                                    let inIndex = geometry.inputIndex(b, inBase: inBase, oh: oh, ow: ow, kh: kh, kw: kw)
                                    sum = b.fmuladd(weights[kh * geometry.kernel.w + kw], b.load(input, inIndex), sum)
                                }
                            }
                        }
                        b.store(sum, output, outIndex)
                    }
                }
            }
            b.apply(node.epilogue, toElementsOf: output, from: outBase, count: plane)
        }
    }
}
