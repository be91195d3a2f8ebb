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

/// The shape of the float32 Conv with `attributes` over `x` and `w`.
private func convolutionShape(
    _ x: TensorType, _ w: TensorType, _ attributes: [String: Attribute], opset: Int, _ inputs: OpInputs
) throws -> [Int] {
    let reader = AttributeReader(attributes: attributes, opset: opset, location: inputs.location)
    let operands = OpInputs(
        types: [TensorType(.float32, x.shape), TensorType(.float32, w.shape)], constants: [nil, nil], outputCount: 1,
        location: inputs.location)
    return try Conv(reader).inferTypes(operands)[0].shape
}

/// The convolution attributes a node carries, passed on to a Conv step.
private func convolutionAttributes(_ reader: AttributeReader) -> [String: Attribute] {
    var attributes: [String: Attribute] = [:]
    for name in ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"] {
        if let value = reader.raw(name) { attributes[name] = value }
    }
    return attributes
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
        // a_scale · b_scale / y_scale in the scales' own type, as ONNX's reference computes it.
        let scaleType = try inputs.require(1, "a_scale", in: float32Computed).dtype
        let multiplier = b.add("Div", [b.add("Mul", [.input(1), .input(4)]), .input(6)])
        let scaled = b.add("Mul", [product, b.cast(multiplier, from: scaleType, to: .float32)])
        let zeroPoint = inputs.has(7) ? b.cast(.input(7), from: try inputs.type(7).dtype, to: .float32) : nil
        let result = b.quantize(scaled, zeroPoint: zeroPoint, to: try inferTypes(inputs)[0].dtype)
        return .decompose(b.finish([result]))
    }
}

struct ConvInteger: Operator {
    static let opType = "ConvInteger"
    let convolution: [String: Attribute]
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        convolution = convolutionAttributes(attributes)
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let w = try inputs.require(1, "w", in: [.int8, .uint8])
        try requireExactDepth(w.shape.dropFirst().reduce(1, *), inputs)
        let x = try inputs.require(0, "x", in: [.int8, .uint8])
        return [TensorType(.int32, try convolutionShape(x, w, convolution, opset: opset, inputs))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let w = try inputs.type(1)
        var b = DecompositionBuilder(opset: opset)
        let x = try centered(0, zeroPoint: 2, inputs, &b)
        let weights = try centered(1, zeroPoint: 3, perChannelShape: [w.shape[0]] + w.shape.dropFirst().map { _ in 1 }, inputs, &b)
        let result = b.cast(b.add("Conv", [x, weights], convolution), from: .float32, to: .int32)
        return .decompose(b.finish([result]))
    }
}

struct QLinearConv: Operator {
    static let opType = "QLinearConv"
    let convolution: [String: Attribute]
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        convolution = convolutionAttributes(attributes)
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "x", in: [.int8, .uint8])
        let w = try inputs.require(3, "w", in: [.int8, .uint8])
        let shape = try convolutionShape(x, w, convolution, opset: opset, inputs)
        let dtype = inputs.has(7) ? try inputs.require(7, "y_zero_point", in: [.int8, .uint8]).dtype : x.dtype
        return [TensorType(dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let w = try inputs.type(3)
        let channels = w.shape[0]
        let channelShape = [channels] + w.shape.dropFirst().map { _ in 1 }
        var b = DecompositionBuilder(opset: opset)
        let x = try centered(0, zeroPoint: 2, inputs, &b)
        let weights = try centered(3, zeroPoint: 5, perChannelShape: channelShape, inputs, &b)
        var operands = [x, weights]
        if inputs.has(8) {
            // The int32 bias is in units of x_scale · w_scale: add it before rescaling.
            operands.append(b.cast(.input(8), from: try inputs.require(8, "B", in: [.int32]).dtype, to: .float32))
        }
        let sum = b.add("Conv", operands, convolution)
        // x_scale · w_scale (per output channel or not) / y_scale, broadcast over [N, M, …].
        let scaleType = try inputs.require(1, "x_scale", in: float32Computed).dtype
        var weightScale = Decomposition.Operand.input(4)
        if try inputs.type(4).elementCount > 1 {
            weightScale = b.reshape(weightScale, [1, channels] + w.shape.dropFirst(2).map { _ in 1 })
        }
        let multiplier = b.add("Div", [b.add("Mul", [.input(1), weightScale]), .input(6)])
        let scaled = b.add("Mul", [sum, b.cast(multiplier, from: scaleType, to: .float32)])
        let zeroPoint = inputs.has(7) ? b.cast(.input(7), from: try inputs.type(7).dtype, to: .float32) : nil
        let result = b.quantize(scaled, zeroPoint: zeroPoint, to: try inferTypes(inputs)[0].dtype)
        return .decompose(b.finish([result]))
    }
}
