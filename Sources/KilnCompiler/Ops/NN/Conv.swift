// Conv: 2-D convolution over NCHW with pads, auto_pad, strides, dilations
// and groups (depthwise included); bias optional.

struct Conv: Operator {
    static let opType = "Conv"
    let window: WindowAttributes
    let group: Int

    init(_ attributes: AttributeReader) throws {
        window = try WindowAttributes(attributes)
        group = try attributes.int("group", default: 1)
        guard group >= 1 else { throw attributes.error("group must be at least 1, got \(group)") }
    }

    func parameters(_ inputs: OpInputs) throws -> (ConvolutionParameters, outChannels: Int) {
        let x = try inputs.require(0, "input X", rank: 4)
        let w = try inputs.require(1, "weight W", rank: 4)
        for position in 0...2 where inputs.has(position) {
            _ = try inputs.require(position, "input \(position)", in: [.float32])
        }
        guard x.shape[1] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == x.shape[1] else {
            throw inputs.error(
                .shapeMismatch,
                "weights \(w.shape) with group \(group) do not match the \(x.shape[1]) input channels of \(x.shape)")
        }
        if let kernel = window.kernelShape, kernel != [w.shape[2], w.shape[3]] {
            throw inputs.error(.shapeMismatch, "kernel_shape \(kernel) differs from weights \(w.shape)")
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
        return [TensorType(.float32, [x.shape[0], outChannels, parameters.geometry.output.h, parameters.geometry.output.w])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.convolution(try parameters(inputs).0))
    }
}
