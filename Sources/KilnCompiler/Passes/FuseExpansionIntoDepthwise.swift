// Runs a 1×1 "expand" convolution inside the depthwise convolution that reads
// it (MobileNet's inverted residual blocks). The expanded tensor is the
// largest of the block: several megabytes that the 1×1 convolution writes
// and the depthwise one reads straight back, at memory speed. Fused, each
// tile of channels and rows is expanded into a worker's private scratch and
// consumed while it is still in the L2 cache.

extension Graph {
    /// Fuses `depthwise(activation(conv1×1(X, W₁, B₁)), W, B)` into the
    /// depthwise node when: both are float32 2-D convolutions with constant
    /// weights; the 1×1 one has one group, stride 1 and no padding; the
    /// depthwise one has one input channel per group and one output per
    /// input channel; the expanded tensor has no other reader and is not a
    /// graph output. It pays even where the expanded tensor would fit in
    /// the cache (MobileNetV2's 7×7×960 blocks: 0.25 → 0.23 ms): the
    /// depthwise taps read a tile the expansion has just written.
    public mutating func fuseExpansionIntoDepthwise() {
        let uses = useCounts()
        let producer = producerIndices()
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() {
            guard case .convolution(var depthwise)? = node.core, depthwise.expansion == nil,
                node.inputs.count <= 3, let expanded = node.input(0), let depthwiseWeights = node.input(1),
                let expandIndex = producer[expanded], !removed.contains(expandIndex), uses[expanded] == 1,
                !outputs.contains(expanded), isDepthwise(node, depthwise), self[depthwiseWeights].constant != nil
            else { continue }
            let expand = nodes[expandIndex]
            guard case .convolution(let pointwise)? = expand.core, isExpansion(expand, pointwise),
                let x = expand.input(0), let weights = expand.input(1)
            else { continue }
            depthwise.expansion = .init(activation: expand.epilogue)
            nodes[index].core = .convolution(depthwise)
            nodes[index].inputs = [x, depthwiseWeights, node.input(2), weights, expand.input(2)]
            removed.insert(expandIndex)
        }
        removeNodes(at: removed)
    }

    /// One float32 input channel per group, one output per input channel.
    private func isDepthwise(_ node: Node, _ parameters: ConvolutionParameters) -> Bool {
        guard let input = node.input(0), let output = node.outputs.first else { return false }
        let (x, y) = (type(of: input), type(of: output))
        return x.dtype == .float32 && y.dtype == .float32 && x.rank == 4 && y.rank == 4 && x.shape[1] == parameters.group
            && y.shape[1] == parameters.group && x.shape[0] == y.shape[0]
    }

    /// A float32 1×1 convolution of one group, stride 1, no padding, constant weights.
    private func isExpansion(_ node: Node, _ parameters: ConvolutionParameters) -> Bool {
        let geometry = parameters.geometry
        guard parameters.expansion == nil, parameters.group == 1, node.inputs.count <= 3,
            let input = node.input(0), let weights = node.input(1), self[weights].constant != nil,
            type(of: input).dtype == .float32, type(of: input).rank == 4
        else { return false }
        return geometry.kernel == (1, 1) && geometry.strides == (1, 1) && geometry.padBegin == (0, 0)
            && geometry.padEnd == (0, 0) && geometry.input == geometry.output
    }
}
