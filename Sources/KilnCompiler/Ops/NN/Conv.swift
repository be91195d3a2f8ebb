// Conv: 2-D convolution over NCHW with pads, auto_pad, strides, dilations
// and groups (depthwise included); bias optional. A 1-D convolution over
// [N, C, L] runs as a 2-D one over [N, C, 1, L].

struct Conv: Operator {
    static let opType = "Conv"
    let window: WindowAttributes
    let group: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        opset = attributes.opset
        window = try WindowAttributes(attributes)
        group = try attributes.int("group", default: 1)
        guard group >= 1 else { throw attributes.error("group must be at least 1, got \(group)") }
    }

    func parameters(_ inputs: OpInputs) throws -> (ConvolutionParameters, outChannels: Int) {
        let input = try inputs.type(0)
        let oneDimensional = try window.isOneDimensional(input, inputs)
        let rank = oneDimensional ? 3 : 4
        let x = TensorType(input.dtype, oneDimensional ? WindowAttributes.lifted(input.shape) : input.shape)
        let weights = try inputs.require(1, "weight W", rank: rank)
        let w = TensorType(weights.dtype, oneDimensional ? WindowAttributes.lifted(weights.shape) : weights.shape)
        for position in 0...2 where inputs.has(position) {
            _ = try inputs.require(position, "input \(position)", in: [.float32])
        }
        guard x.shape[1] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == x.shape[1] else {
            throw inputs.error(
                .shapeMismatch,
                "weights \(weights.shape) with group \(group) do not match the \(x.shape[1]) input channels of \(input.shape)")
        }
        if let kernel = window.kernelShape, kernel != [w.shape[2], w.shape[3]] {
            throw inputs.error(.shapeMismatch, "kernel_shape \(kernel) differs from weights \(weights.shape)")
        }
        if inputs.has(2), let bias = inputs.types[2], bias.shape != [w.shape[0]] {
            throw inputs.error(.shapeMismatch, "bias shape \(bias.shape) is not [\(w.shape[0])]")
        }
        let geometry = try window.geometry(input: x, kernel: (w.shape[2], w.shape[3]), location: inputs.location)
        return (ConvolutionParameters(geometry: geometry, group: group), w.shape[0])
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (parameters, outChannels) = try parameters(inputs)
        let x = try inputs.type(0)
        let output = parameters.geometry.output
        return [TensorType(.float32, [x.shape[0], outChannels] + (x.rank == 3 ? [output.w] : [output.h, output.w]))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let parameters = try parameters(inputs).0
        let x = try inputs.type(0)
        guard x.rank == 3 else { return .core(.convolution(parameters)) }
        // 1-D: the same convolution over [N, C, 1, L] with a [M, C/g, 1, K] kernel.
        var b = DecompositionBuilder(opset: opset)
        var operands = [b.reshape(.input(0), WindowAttributes.lifted(x.shape))]
        operands.append(b.reshape(.input(1), WindowAttributes.lifted(try inputs.type(1).shape)))
        if inputs.has(2) { operands.append(.input(2)) }
        var attributes = window.twoDimensionalAttributes
        attributes["group"] = .int(group)
        let convolved = b.add(Self.opType, operands, attributes)
        let output = try inferTypes(inputs)[0]
        let result = b.reshape(convolved, output.shape)
        return .decompose(b.finish([result]))
    }
}
