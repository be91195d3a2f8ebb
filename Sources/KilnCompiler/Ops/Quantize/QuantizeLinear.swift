// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear over the 2-,
// 4-, 8- and 16-bit integers, the float8 types and float4e2m1 (int32 too
// when dequantizing), per tensor, per axis or per block. Quantizing to an
// integer is saturate(round-half-even(x / scale) + zero point) computed in
// float32, as ONNX's reference does; to a float type it is x / scale (+ zero
// point) rounded to nearest even, saturating unless `saturate` is 0.
// Dequantizing is (x − zero point) · scale.

/// The attributes both linear ops share.
struct LinearQuantizationAttributes: Sendable {
    let axis: Int
    let blockSize: Int
    /// A requested result type (0: the zero point's, or the op's default).
    let outputType: Int
    let opset: Int
    /// Whether quantizing to a float8 type clamps to its finite range.
    let saturate: Bool

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: 1)
        blockSize = try attributes.int("block_size", default: 0)
        guard blockSize >= 0 else { throw attributes.error("block_size must not be negative, got \(blockSize)") }
        outputType = try attributes.int("output_dtype", default: 0)
        opset = attributes.opset
        saturate = try attributes.flag("saturate", default: true)
        if attributes.has("precision") {
            let precision = try attributes.int("precision", default: 0)
            guard precision == 0 || precision == DType.float32.rawValue else {
                throw CompileError(
                    .unsupportedFeature, at: attributes.location,
                    "precision \(precision) is not supported (Kiln quantizes in float32)")
            }
        }
    }

    /// Input `position` of the node (a scale or zero point) broadcasting against `x`.
    func parameter(
        _ position: Int, of x: TensorType, _ inputs: OpInputs, _ b: inout DecompositionBuilder, _ what: String
    ) throws -> Decomposition.Operand {
        try b.quantizationParameter(position, of: x, axis: axis, blockSize: blockSize, inputs, what)
    }
}

struct QuantizeLinear: Operator {
    static let opType = "QuantizeLinear"
    let attributes: LinearQuantizationAttributes

    init(_ reader: AttributeReader) throws { attributes = try LinearQuantizationAttributes(reader) }

    func resultType(_ inputs: OpInputs) throws -> DType {
        if inputs.has(2) { return try inputs.require(2, "y_zero_point", in: QuantizedType.types).dtype }
        guard attributes.outputType != 0 else { return .uint8 }
        guard let dtype = DType(rawValue: attributes.outputType), QuantizedType.types.contains(dtype) else {
            throw inputs.error(
                .unsupportedFeature,
                "output_dtype \(DTypeName.name(of: attributes.outputType)) is not supported; Kiln quantizes to "
                    + QuantizedType.types.map(\.description).sorted().joined(separator: ", "))
        }
        return dtype
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "x", in: float32Computed.union([.int32]))
        _ = try inputs.require(1, "y_scale", in: float32Computed)
        return [TensorType(try resultType(inputs), x.shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        var b = DecompositionBuilder(opset: attributes.opset)
        let scale = try attributes.parameter(1, of: x, inputs, &b, "y_scale")
        let zeroPoint = inputs.has(2) ? try attributes.parameter(2, of: x, inputs, &b, "y_zero_point") : nil
        let value = b.add("Div", [b.cast(.input(0), from: x.dtype, to: .float32), scale])
        let result = b.quantize(value, zeroPoint: zeroPoint, to: try resultType(inputs), saturate: attributes.saturate)
        return .decompose(b.finish([result]))
    }
}

struct DequantizeLinear: Operator {
    static let opType = "DequantizeLinear"
    let attributes: LinearQuantizationAttributes

    init(_ reader: AttributeReader) throws { attributes = try LinearQuantizationAttributes(reader) }

    func resultType(_ inputs: OpInputs) throws -> DType {
        let scale = try inputs.require(1, "x_scale", in: float32Computed).dtype
        guard attributes.outputType != 0 else { return scale }
        guard let dtype = DType(rawValue: attributes.outputType), float32Computed.contains(dtype) else {
            throw inputs.error(.unsupportedFeature, "output_dtype \(attributes.outputType) is not supported")
        }
        return dtype
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "x", in: QuantizedType.types.union([.int32]))
        if inputs.has(2) { _ = try inputs.require(2, "x_zero_point", in: [x.dtype]) }
        return [TensorType(try resultType(inputs), x.shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        var b = DecompositionBuilder(opset: attributes.opset)
        let scale = try attributes.parameter(1, of: x, inputs, &b, "x_scale")
        var value = b.cast(.input(0), from: x.dtype, to: .float32)
        if inputs.has(2) { value = b.add("Sub", [value, try attributes.parameter(2, of: x, inputs, &b, "x_zero_point")]) }
        let result = b.cast(b.add("Mul", [value, scale]), from: .float32, to: try resultType(inputs))
        return .decompose(b.finish([result]))
    }
}

/// DynamicQuantizeLinear: uint8 quantization with the scale and zero point
/// that map [min(x, 0), max(x, 0)] onto [0, 255]; returns y, scale, zero point.
struct DynamicQuantizeLinear: Operator {
    static let opType = "DynamicQuantizeLinear"
    let opset: Int

    init(_ attributes: AttributeReader) throws { opset = attributes.opset }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "x", in: [.float32])
        return [TensorType(.uint8, x.shape), TensorType(.float32, []), TensorType(.uint8, [])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        var b = DecompositionBuilder(opset: opset)
        let every = Array(0..<x.rank)
        let zero = DecompositionBuilder.scalar(0)
        let high = b.add("Max", [b.reshape(b.reduce(ReduceMax.self, .input(0), axes: every), []), zero])
        let low = b.add("Min", [b.reshape(b.reduce(ReduceMin.self, .input(0), axes: every), []), zero])
        // (max − min) / 255, with a range of 1 when x is all zeros.
        let span = b.add("Sub", [high, low])
        let range = b.add("Where", [b.add("Equal", [span, zero]), DecompositionBuilder.scalar(1), span])
        let scale = b.add("Div", [range, DecompositionBuilder.scalar(255)])
        let start = b.add("Sub", [zero, b.add("Div", [low, scale])])
        let zeroPoint = b.add("Round", [b.add("Min", [b.add("Max", [start, zero]), DecompositionBuilder.scalar(255)])])
        let y = b.quantize(b.add("Div", [.input(0), scale]), zeroPoint: zeroPoint, to: .uint8)
        let zeroPointOutput = b.cast(zeroPoint, from: .float32, to: .uint8)
        return .decompose(b.finish([y, scale, zeroPointOutput]))
    }
}
