// LpPool: (Σ|x|ᵖ)^(1/p) over each window, 1-D or 2-D. The window sums are a
// depthwise Conv with a kernel of ones over |x|ᵖ, so pads, auto_pad,
// strides and dilations mean exactly what they mean for Conv (padding
// counts as zeros, which add nothing). ceil_mode is not supported.

struct LpPool: Operator {
    static let opType = "LpPool"
    let p: Int
    let window: [String: Attribute]
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        p = try attributes.int("p", default: 2)
        guard p >= 1 else { throw attributes.error("p must be at least 1, got \(p)") }
        if try attributes.flag("ceil_mode") {
            throw CompileError(.unsupportedFeature, at: attributes.location, "LpPool ceil_mode 1 is not supported")
        }
        guard case .ints? = attributes.raw("kernel_shape") else { throw attributes.error("LpPool needs 'kernel_shape'") }
        var window: [String: Attribute] = [:]
        for name in ["kernel_shape", "strides", "pads", "auto_pad", "dilations"] {
            if let value = attributes.raw(name) { window[name] = value }
        }
        self.window = window
        opset = attributes.opset
    }

    /// The depthwise kernel of ones, [C, 1, k…].
    func ones(_ inputs: OpInputs) throws -> TensorData {
        let x = try inputs.require(0, "X", in: [.float32])
        guard case .ints(let kernel)? = window["kernel_shape"], x.rank >= 3 else {
            throw inputs.error(.shapeMismatch, "LpPool needs an [N, C, …] input and a kernel_shape")
        }
        let shape = [x.shape[1], 1] + kernel
        return TensorData(shape: shape, floats: Array(repeating: 1, count: shape.reduce(1, *)))
    }

    private func convolution(_ inputs: OpInputs) throws -> (Conv, OpInputs) {
        let x = try inputs.type(0)
        var attributes = window
        attributes["group"] = .int(x.shape[1])
        let reader = AttributeReader(attributes: attributes, opset: opset, location: inputs.location)
        let kernel = try ones(inputs)
        let operands = OpInputs(
            types: [x, kernel.type], constants: [nil, kernel], outputCount: 1, location: inputs.location)
        return (try Conv(reader), operands)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (conv, operands) = try convolution(inputs)
        return try conv.inferTypes(operands)
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var attributes = window
        attributes["group"] = .int(try inputs.type(0).shape[1])
        var b = DecompositionBuilder(opset: opset)
        let powered = b.add("Pow", [b.add("Abs", [.input(0)]), DecompositionBuilder.scalar(Float(p))])
        let sums = b.add("Conv", [powered, .constant(try ones(inputs))], attributes)
        let result = b.add("Pow", [sums, DecompositionBuilder.scalar(1 / Float(p))])
        return .decompose(b.finish([result]))
    }
}
