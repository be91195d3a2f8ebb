// Simplifications that make later passes and kernels see fewer op kinds:
// pass-through ops vanish and BatchNormalization folds into its Conv.

extension Graph {
    /// Removes Identity and inference-mode Dropout by rewiring their users.
    public mutating func removePassThroughOps() {
        var kept: [Node] = []
        for index in nodes.indices {
            // Read the node afresh: removing an earlier one may have rewired its input.
            let node = nodes[index]
            let passThrough = node.opType == "Identity" || (node.opType == "Dropout" && node.outputs.count == 1)
            if passThrough, let source = node.input(0) {
                replaceUses(of: node.outputs[0], with: source)
            } else {
                kept.append(node)
            }
        }
        nodes = kept
    }

    /// Folds `BatchNormalization(Conv(x, W, b))` into one Conv with scaled
    /// weights and shifted bias, when the Conv's result has no other reader.
    public mutating func foldBatchNormIntoConv() {
        let uses = useCounts()
        var producer: [ValueID: Int] = [:]
        for (index, node) in nodes.enumerated() { for output in node.outputs { producer[output] = index } }
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() where node.opType == "BatchNormalization" {
            guard let x = node.input(0), let convIndex = producer[x], uses[x] == 1, !outputs.contains(x) else {
                continue
            }
            let conv = nodes[convIndex]
            guard conv.opType == "Conv", conv.epilogue == nil, let weightID = conv.input(1),
                let weights = self[weightID].constant, let affine = batchNormAffine(node)
            else { continue }
            let outChannels = weights.shape[0]
            let perChannel = weights.elementCount / outChannels
            var scaled = weights.floats
            for channel in 0..<outChannels {
                for offset in 0..<perChannel { scaled[channel * perChannel + offset] *= affine.scale[channel] }
            }
            let oldBias =
                conv.input(2).flatMap { self[$0].constant?.floats } ?? [Float](repeating: 0, count: outChannels)
            let bias = (0..<outChannels).map { oldBias[$0] * affine.scale[$0] + affine.shift[$0] }
            let newWeights = addValue(
                Value(name: self[weightID].name + "_bn", constant: TensorData(shape: weights.shape, floats: scaled)))
            let newBias = addValue(
                Value(name: conv.name + "_bias_bn", constant: TensorData(shape: [outChannels], floats: bias)))
            nodes[convIndex].inputs = [conv.inputs[0], newWeights, newBias]
            nodes[convIndex].outputs = [node.outputs[0]]
            removed.insert(index)
        }
        nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// A BatchNormalization node as `y = x * scale[c] + shift[c]`.
    func batchNormAffine(_ node: Node) -> (scale: [Float], shift: [Float])? {
        guard let gamma = node.input(1).flatMap({ self[$0].constant?.floats }),
            let beta = node.input(2).flatMap({ self[$0].constant?.floats }),
            let mean = node.input(3).flatMap({ self[$0].constant?.floats }),
            let variance = node.input(4).flatMap({ self[$0].constant?.floats })
        else { return nil }
        let epsilon = node.float("epsilon", default: 1e-5)
        let scale = zip(gamma, variance).map { $0 / (($1 + epsilon).squareRoot()) }
        let shift = (0..<scale.count).map { beta[$0] - mean[$0] * scale[$0] }
        return (scale, shift)
    }

    /// Fuses a lone activation into the node that produces its input, so the
    /// activation runs while the result is still in registers or cache.
    public mutating func fuseActivations() {
        let uses = useCounts()
        var producer: [ValueID: Int] = [:]
        for (index, node) in nodes.enumerated() { for output in node.outputs { producer[output] = index } }
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() {
            guard let activation = activation(of: node), let x = node.input(0), let source = producer[x],
                uses[x] == 1, !outputs.contains(x), !removed.contains(source)
            else { continue }
            let fusible: Set<String> = ["Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "BatchNormalization"]
            guard fusible.contains(nodes[source].opType), nodes[source].epilogue == nil else { continue }
            nodes[source].epilogue = activation
            nodes[source].outputs = [node.outputs[0]]
            removed.insert(index)
        }
        nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// The activation a standalone node computes, if it is one.
    func activation(of node: Node) -> Activation? {
        switch node.opType {
        case "Relu": return .relu
        case "LeakyRelu": return .leakyRelu(alpha: node.float("alpha", default: 0.01))
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Clip":
            if opset < 11 {
                return .clip(
                    min: node.float("min", default: -.greatestFiniteMagnitude),
                    max: node.float("max", default: .greatestFiniteMagnitude))
            }
            let low = node.input(1).flatMap { self[$0].constant?.floats.first } ?? -.greatestFiniteMagnitude
            let high = node.input(2).flatMap { self[$0].constant?.floats.first } ?? .greatestFiniteMagnitude
            return .clip(min: low, max: high)
        default: return nil
        }
    }
}
