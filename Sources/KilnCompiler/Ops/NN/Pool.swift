// MaxPool and AveragePool: 2-D windows over NCHW with pads, auto_pad,
// strides, ceil_mode (and dilations for MaxPool); 1-D windows over [N, C, L]
// run as 2-D ones over [N, C, 1, L].

/// The shared definition of the two pooling ops.
protocol PoolingOperator: Operator {
    var parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool) { get }
    /// The model's opset (a 1-D pool's 2-D rewrite keeps it).
    var opset: Int { get }
}

extension PoolingOperator {
    func core(_ inputs: OpInputs) throws -> PoolParameters {
        let input = try inputs.require(0, "input X", in: [.float32])
        let (kind, window, countIncludesPadding) = parameters
        let oneDimensional = try window.isOneDimensional(input, inputs)
        let x = TensorType(input.dtype, oneDimensional ? WindowAttributes.lifted(input.shape) : input.shape)
        guard let kernel = window.kernelShape else {
            throw inputs.error(.invalidAttribute, "kernel_shape is required")
        }
        let geometry = try window.geometry(input: x, kernel: (kernel[0], kernel[1]), location: inputs.location)
        return PoolParameters(kind: kind, geometry: geometry, countIncludesPadding: countIncludesPadding)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        if inputs.outputCount > 1 {
            throw inputs.error(.unsupportedFeature, "MaxPool's Indices output is not supported")
        }
        let output = try core(inputs).geometry.output
        let x = try inputs.type(0)
        return [TensorType(.float32, Array(x.shape[..<2]) + (x.rank == 3 ? [output.w] : [output.h, output.w]))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let core = try core(inputs)
        let x = try inputs.type(0)
        guard x.rank == 3 else { return .core(.pool(core)) }
        var b = DecompositionBuilder(opset: opset)
        var attributes = parameters.window.twoDimensionalAttributes
        if core.kind == .average { attributes["count_include_pad"] = .int(core.countIncludesPadding ? 1 : 0) }
        let pooled = b.add(Self.opType, [b.reshape(.input(0), WindowAttributes.lifted(x.shape))], attributes)
        let result = b.reshape(pooled, try inferTypes(inputs)[0].shape)
        return .decompose(b.finish([result]))
    }
}

struct MaxPool: PoolingOperator {
    static let opType = "MaxPool"
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        if try attributes.int("storage_order", default: 0) != 0 {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "MaxPool storage_order 1 is not supported")
        }
        parameters = (.max, try WindowAttributes(attributes, allowsCeilMode: true), false)
        opset = attributes.opset
    }
}

struct AveragePool: PoolingOperator {
    static let opType = "AveragePool"
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        parameters = (
            .average, try WindowAttributes(attributes, allowsDilations: attributes.opset >= 19, allowsCeilMode: true),
            try attributes.flag("count_include_pad")
        )
        opset = attributes.opset
    }
}
