// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv: products of
// int8/uint8 tensors less their zero points. Kiln has no integer matrix
// kernels yet, so the products run in float32 on the exact small integers:
// exact while every sum stays below 2²⁴ (depth × 255² ≤ 2²⁴, a depth of at
// most 258), which the integer ops check; the QLinear ops rescale and round
// that sum, within one unit of ONNX Runtime's integer result.

/// The operands of an integer product: input `position` less its zero point, as float32.
private func centered(
    _ position: Int, zeroPoint: Int?, perChannelShape: [Int]? = nil, _ inputs: OpInputs,
    _ b: inout DecompositionBuilder
) throws -> Decomposition.Operand {
    let type = try inputs.require(position, "input \(position)", in: [.int8, .uint8])
    var value = b.cast(.input(position), from: type.dtype, to: .float32)
    if let zeroPoint, inputs.has(zeroPoint) {
        let zeroType = try inputs.require(zeroPoint, "zero point (input \(zeroPoint))", in: [type.dtype])
        var offset = b.cast(.input(zeroPoint), from: zeroType.dtype, to: .float32)
        if let perChannelShape, zeroType.elementCount > 1 { offset = b.reshape(offset, perChannelShape) }
        value = b.add("Sub", [value, offset])
    }
    return value
}

/// Fails unless `depth` products of int8/uint8 values sum exactly in float32.
private func requireExactDepth(_ depth: Int, _ inputs: OpInputs) throws {
    guard depth * 255 * 255 <= 1 << 24 else {
        throw inputs.error(
            .unsupportedFeature,
            "an integer product over \(depth) terms needs integer accumulation, which Kiln does not have yet "
                + "(float32 is exact up to 258 terms)")
    }
}

/// An integer `sum` in units of input scale · weight scale, requantized to
/// the output: × (input 1 · `weightScale` / input 6), plus the zero point
/// (input 7, if any), saturated to `dtype`. The scale product is taken in
/// the scales' own type, as ONNX's reference computes it.
private func requantized(
    _ sum: Decomposition.Operand, weightScale: Decomposition.Operand, to dtype: DType, _ inputs: OpInputs,
    _ b: inout DecompositionBuilder
) throws -> Decomposition.Operand {
    let scaleType = try inputs.require(1, "input scale", in: float32Computed).dtype
    let multiplier = b.add("Div", [b.add("Mul", [.input(1), weightScale]), .input(6)])
    let scaled = b.add("Mul", [sum, b.cast(multiplier, from: scaleType, to: .float32)])
    let zeroPoint = inputs.has(7) ? b.cast(.input(7), from: try inputs.type(7).dtype, to: .float32) : nil
    return b.quantize(scaled, zeroPoint: zeroPoint, to: dtype)
}

struct MatMulInteger: Operator {
    static let opType = "MatMulInteger"
    let opset: Int
    init(_ attributes: AttributeReader) throws { opset = attributes.opset }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "A", in: [.int8, .uint8])
        let b = try inputs.require(1, "B", in: [.int8, .uint8])
        try requireExactDepth(a.shape.last ?? 1, inputs)
        let product = try MatMul.productShape(a.shape, b.shape, inputs)
        return [TensorType(.int32, product)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var b = DecompositionBuilder(opset: opset)
        let a = try centered(0, zeroPoint: 2, inputs, &b)
        let rhs = try centered(1, zeroPoint: 3, inputs, &b)
        let result = b.cast(b.add("MatMul", [a, rhs]), from: .float32, to: .int32)
        return .decompose(b.finish([result]))
    }
}

struct QLinearMatMul: Operator {
    static let opType = "QLinearMatMul"
    let opset: Int
    init(_ attributes: AttributeReader) throws { opset = attributes.opset }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let a = try inputs.require(0, "a", in: [.int8, .uint8])
        let b = try inputs.require(3, "b", in: [.int8, .uint8])
        let product = try MatMul.productShape(a.shape, b.shape, inputs)
        let dtype = inputs.has(7) ? try inputs.require(7, "y_zero_point", in: [.int8, .uint8]).dtype : a.dtype
        return [TensorType(dtype, product)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        var b = DecompositionBuilder(opset: opset)
        let a = try centered(0, zeroPoint: 2, inputs, &b)
        let rhs = try centered(3, zeroPoint: 5, inputs, &b)
        let product = b.add("MatMul", [a, rhs])
        let result = try requantized(product, weightScale: .input(4), to: try inferTypes(inputs)[0].dtype, inputs, &b)
        return .decompose(b.finish([result]))
    }
}

struct ConvInteger: Operator {
    static let opType = "ConvInteger"
    let convolution: ForwardedConvolution

    init(_ attributes: AttributeReader) throws { convolution = ForwardedConvolution(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let w = try inputs.require(1, "w", in: [.int8, .uint8])
        try requireExactDepth(w.shape.dropFirst().reduce(1, *), inputs)
        let x = try inputs.require(0, "x", in: [.int8, .uint8])
        return [TensorType(.int32, try convolution.outputShape(x, w, inputs))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let w = try inputs.type(1)
        var b = DecompositionBuilder(opset: convolution.opset)
        let x = try centered(0, zeroPoint: 2, inputs, &b)
        let weights = try centered(1, zeroPoint: 3, perChannelShape: [w.shape[0]] + w.shape.dropFirst().map { _ in 1 }, inputs, &b)
        let result = b.cast(b.add("Conv", [x, weights], convolution.attributes), from: .float32, to: .int32)
        return .decompose(b.finish([result]))
    }
}

struct QLinearConv: Operator {
    static let opType = "QLinearConv"
    let convolution: ForwardedConvolution

    init(_ attributes: AttributeReader) throws { convolution = ForwardedConvolution(attributes) }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "x", in: [.int8, .uint8])
        let w = try inputs.require(3, "w", in: [.int8, .uint8])
        let shape = try convolution.outputShape(x, w, inputs)
        let dtype = inputs.has(7) ? try inputs.require(7, "y_zero_point", in: [.int8, .uint8]).dtype : x.dtype
        return [TensorType(dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let w = try inputs.type(3)
        let channels = w.shape[0]
        let channelShape = [channels] + w.shape.dropFirst().map { _ in 1 }
        var b = DecompositionBuilder(opset: convolution.opset)
        let x = try centered(0, zeroPoint: 2, inputs, &b)
        let weights = try centered(3, zeroPoint: 5, perChannelShape: channelShape, inputs, &b)
        var operands = [x, weights]
        if inputs.has(8) {
            // The int32 bias is in units of x_scale · w_scale: add it before rescaling.
            operands.append(b.cast(.input(8), from: try inputs.require(8, "B", in: [.int32]).dtype, to: .float32))
        }
        let sum = b.add("Conv", operands, convolution.attributes)
        // w_scale per output channel (or one), broadcast over [N, M, …].
        var weightScale = Decomposition.Operand.input(4)
        if try inputs.type(4).elementCount > 1 {
            weightScale = b.reshape(weightScale, [1, channels] + w.shape.dropFirst(2).map { _ in 1 })
        }
        let result = try requantized(sum, weightScale: weightScale, to: try inferTypes(inputs)[0].dtype, inputs, &b)
        return .decompose(b.finish([result]))
    }
}
