// MaxPool and AveragePool: 2-D windows over NCHW with pads, auto_pad,
// strides, ceil_mode (and dilations for MaxPool); 1-D windows over [N, C, L]
// run as 2-D ones over [N, C, 1, L]; 3-D windows over [N, C, D, H, W] as a
// 2-D pass over (H, W) of [N, C·D, H, W], then one over D of
// [N, C, D, H'·W'] (a max of maxima, and an average of averages: the
// windows are boxes, so per-axis counts multiply, with or without
// count_include_pad). Half precision and MaxPool's int8/uint8 pool in float32.

/// The shared definition of the two pooling ops.
protocol PoolingOperator: Operator {
    var parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool) { get }
    /// The model's opset (a 1-D pool's 2-D rewrite keeps it).
    var opset: Int { get }
    /// The element types the op pools.
    static var dtypes: Set<DType> { get }
}

extension PoolingOperator {
    /// The 2-D pool over (H, W) (1-D lifted; for 3-D, the first pass).
    func core(_ inputs: OpInputs) throws -> PoolParameters {
        let input = try inputs.require(0, "input X", in: Self.dtypes)
        let (kind, window, countIncludesPadding) = parameters
        let x: TensorType
        if input.rank == 5 {
            guard window.depth != nil else {
                throw inputs.error(.shapeMismatch, "the window attributes describe fewer spatial axes than \(input.shape) has")
            }
            x = TensorType(input.dtype, [input.shape[0], input.shape[1] * input.shape[2], input.shape[3], input.shape[4]])
        } else {
            let oneDimensional = try window.isOneDimensional(input, inputs)
            x = TensorType(input.dtype, oneDimensional ? WindowAttributes.lifted(input.shape) : input.shape)
        }
        guard let kernel = window.kernelShape else {
            throw inputs.error(.invalidAttribute, "kernel_shape is required")
        }
        let geometry = try window.geometry(input: x, kernel: (kernel[0], kernel[1]), location: inputs.location)
        return PoolParameters(kind: kind, geometry: geometry, countIncludesPadding: countIncludesPadding)
    }

    /// The output length along D of a 3-D window.
    func depthOutput(_ x: TensorType, _ inputs: OpInputs) throws -> Int {
        guard let kernel = parameters.window.depth?.kernel else {
            throw inputs.error(.invalidAttribute, "kernel_shape is required")
        }
        return try parameters.window.depthGeometry(length: x.shape[2], kernel: kernel, location: inputs.location).output.h
    }

    /// The pooled values' type.
    func poolType(_ inputs: OpInputs) throws -> TensorType {
        let output = try core(inputs).geometry.output
        let x = try inputs.type(0)
        let spatial: [Int] =
            switch x.rank {
            case 3: [output.w]
            case 5: [try depthOutput(x, inputs), output.h, output.w]
            default: [output.h, output.w]
            }
        return TensorType(x.dtype, Array(x.shape[..<2]) + spatial)
    }

    /// The pooled values, through the pool kernel.
    func poolLowering(_ inputs: OpInputs) throws -> Lowering {
        let core = try core(inputs)
        let x = try inputs.type(0)
        var attributes = parameters.window.twoDimensionalAttributes
        if core.kind == .average { attributes["count_include_pad"] = .int(core.countIncludesPadding ? 1 : 0) }
        var b = DecompositionBuilder(opset: opset)
        switch x.rank {
        case 3:
            let pooled = b.add(Self.opType, [b.reshape(.input(0), WindowAttributes.lifted(x.shape))], attributes)
            let result = b.reshape(pooled, try poolType(inputs).shape)
            return .decompose(b.finish([result]))
        case 5:
            guard var depthAttributes = parameters.window.depthAttributes else { return .core(.pool(core)) }
            depthAttributes["count_include_pad"] = attributes["count_include_pad"]
            let (n, c, d) = (x.shape[0], x.shape[1], x.shape[2])
            let output = try poolType(inputs).shape
            let planes = b.add(Self.opType, [b.reshape(.input(0), [n, c * d, x.shape[3], x.shape[4]])], attributes)
            let columns = b.reshape(planes, [n, c, d, output[3] * output[4]])
            let result = b.reshape(b.add(Self.opType, [columns], depthAttributes), output)
            return .decompose(b.finish([result]))
        default:
            guard x.dtype == .float32 else {
                let pooled = b.add(Self.opType, [b.cast(.input(0), from: x.dtype, to: .float32)], attributes)
                let result = b.cast(pooled, from: .float32, to: x.dtype)
                return .decompose(b.finish([result]))
            }
            return .core(.pool(core))
        }
    }
}

struct MaxPool: PoolingOperator {
    static let opType = "MaxPool"
    static let dtypes: Set<DType> = float32Computed.union([.int8, .uint8])
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)
    let opset: Int
    /// Whether the Indices output counts positions column-major (H fastest).
    let columnMajorIndices: Bool

    init(_ attributes: AttributeReader) throws {
        let storageOrder = try attributes.int("storage_order", default: 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw attributes.error("storage_order must be 0 or 1, got \(storageOrder)")
        }
        columnMajorIndices = storageOrder == 1
        parameters = (.max, try WindowAttributes(attributes, allowsCeilMode: true, padsBelowKernel: true), false)
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let values = try poolType(inputs)
        guard inputs.outputCount > 1 else { return [values] }
        try requireIndexable(inputs)
        return [values, TensorType(.int64, values.shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        inputs.outputCount > 1 ? try lowerWithIndices(inputs) : try poolLowering(inputs)
    }
}

struct AveragePool: PoolingOperator {
    static let opType = "AveragePool"
    static let dtypes = float32Computed
    let parameters: (kind: PoolParameters.Kind, window: WindowAttributes, countIncludesPadding: Bool)
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        parameters = (
            .average, try WindowAttributes(
                attributes, allowsDilations: attributes.opset >= 19, allowsCeilMode: true, padsBelowKernel: true),
            try attributes.flag("count_include_pad")
        )
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try poolType(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { try poolLowering(inputs) }
}
