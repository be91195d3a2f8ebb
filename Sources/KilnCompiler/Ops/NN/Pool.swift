// MaxPool and AveragePool: 2-D windows over NCHW with pads, auto_pad,
// strides, ceil_mode (and dilations for MaxPool).

/// The shared definition of the two pooling ops.
protocol PoolingOperator: Operator {
    var parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool) { get }
}

extension PoolingOperator {
    func core(_ inputs: OpInputs) throws -> PoolParameters {
        let x = try inputs.require(0, "input X", rank: 4)
        _ = try inputs.require(0, "input X", in: [.float32])
        let (kind, window, countIncludesPadding) = parameters
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
        let geometry = try core(inputs).geometry
        let x = try inputs.type(0)
        return [TensorType(.float32, [x.shape[0], x.shape[1], geometry.output.h, geometry.output.w])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.pool(try core(inputs))) }
}

struct MaxPool: PoolingOperator {
    static let opType = "MaxPool"
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)

    init(_ attributes: AttributeReader) throws {
        if try attributes.int("storage_order", default: 0) != 0 {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "MaxPool storage_order 1 is not supported")
        }
        parameters = (.max, try WindowAttributes(attributes, allowsCeilMode: true), false)
    }
}

struct AveragePool: PoolingOperator {
    static let opType = "AveragePool"
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)

    init(_ attributes: AttributeReader) throws {
        parameters = (
            .average, try WindowAttributes(attributes, allowsDilations: attributes.opset >= 19, allowsCeilMode: true),
            try attributes.flag("count_include_pad")
        )
    }
}
