// Folds a per-channel affine map (inference batch normalisation) into the
// convolution that produces its input: scaled weights, shifted bias, one
// pass over memory instead of two.

extension Graph {
    /// Folds `channelAffine(convolution(x, W, b))` into one convolution when
    /// the convolution's result has no other reader and its weights are constant.
    public mutating func foldAffineIntoConvolution() {
        let uses = useCounts()
        let producer = producerIndices()
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() {
            guard case .elementwise(.channelAffine(let scale, let shift))? = node.core, let x = node.input(0),
                let convIndex = producer[x], uses[x] == 1, !outputs.contains(x)
            else { continue }
            let conv = nodes[convIndex]
            guard case .convolution? = conv.core, conv.epilogue == nil, let weightID = conv.input(1),
                let weights = self[weightID].constant, weights.shape.first == scale.count
            else { continue }
            let outChannels = scale.count
            let perChannel = weights.elementCount / outChannels
            var scaled = weights.floats
            for channel in 0..<outChannels {
                for offset in 0..<perChannel { scaled[channel * perChannel + offset] *= scale[channel] }
            }
            let oldBias =
                conv.input(2).flatMap { self[$0].constant?.floats } ?? [Float](repeating: 0, count: outChannels)
            let bias = (0..<outChannels).map { oldBias[$0] * scale[$0] + shift[$0] }
            let newWeights = addValue(
                Value(name: self[weightID].name + "_bn", constant: TensorData(shape: weights.shape, floats: scaled)))
            let newBias = addValue(
                Value(name: conv.name + "_bias_bn", constant: TensorData(shape: [outChannels], floats: bias)))
            nodes[convIndex].inputs = [conv.inputs[0], newWeights, newBias]
            nodes[convIndex].outputs = [node.outputs[0]]
            removed.insert(index)
        }
        removeNodes(at: removed)
    }
}
