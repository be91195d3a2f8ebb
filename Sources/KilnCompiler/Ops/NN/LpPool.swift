// LpPool: (Σ|x|ᵖ)^(1/p) over each window, 1-D or 2-D. The window sums are a
// depthwise Conv with a kernel of ones over |x|ᵖ, so pads, auto_pad,
// strides and dilations mean exactly what they mean for Conv (padding
// counts as zeros, which add nothing). ceil_mode is not supported.

struct LpPool: Operator {
    static let opType = "LpPool"
    let p: Int
    let window: ForwardedConvolution

    init(_ attributes: AttributeReader) throws {
        p = try attributes.int("p", default: 2)
        guard p >= 1 else { throw attributes.error("p must be at least 1, got \(p)") }
        if try attributes.flag("ceil_mode") {
            throw CompileError(.unsupportedFeature, at: attributes.location, "LpPool ceil_mode 1 is not supported")
        }
        window = ForwardedConvolution(attributes, readsGroup: false)
        guard case .ints? = window.attributes["kernel_shape"] else { throw attributes.error("LpPool needs 'kernel_shape'") }
    }

    /// The depthwise kernel of ones, [C, 1, k…].
    func ones(_ inputs: OpInputs) throws -> TensorData {
        let x = try inputs.require(0, "X", in: [.float32])
        guard case .ints(let kernel)? = window.attributes["kernel_shape"], x.rank >= 3 else {
            throw inputs.error(.shapeMismatch, "LpPool needs an [N, C, …] input and a kernel_shape")
        }
        let shape = [x.shape[1], 1] + kernel
        return TensorData(shape: shape, floats: Array(repeating: 1, count: shape.reduce(1, *)))
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        let shape = try window.outputShape(x, try ones(inputs).type, group: x.shape[1], inputs)
        return [TensorType(.float32, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let attributes = window.stepAttributes(group: try inputs.type(0).shape[1])
        var b = DecompositionBuilder(opset: window.opset)
        let powered = b.add("Pow", [b.add("Abs", [.input(0)]), DecompositionBuilder.scalar(Float(p))])
        let sums = b.add("Conv", [powered, .constant(try ones(inputs))], attributes)
        let result = b.add("Pow", [sums, DecompositionBuilder.scalar(1 / Float(p))])
        return .decompose(b.finish([result]))
    }
}
