// Conv: 2-D convolution over NCHW with pads, auto_pad, strides, dilations
// and groups (depthwise included); bias optional. A 1-D convolution over
// [N, C, L] runs as a 2-D one over [N, C, 1, L]. A 3-D one over
// [N, C, D, H, W] runs as 2-D ones over its depth slices, one per tap of the
// kernel along D: stacked along channels into one Conv (group 1), or summed.

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
            _ = try inputs.require(position, "input \(position)", in: float32Computed)
        }
        _ = try Broadcasting.commonType(inputs, Array((0...2).filter { inputs.has($0) }))
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

    /// A 3-D convolution's parts: the geometry along D, and the 2-D one over (H, W).
    func volume(_ inputs: OpInputs) throws -> (depth: WindowGeometry, planes: WindowGeometry, outChannels: Int) {
        let x = try inputs.require(0, "input X", in: [.float32])
        let w = try inputs.require(1, "weight W", rank: 5)
        for position in 1...2 where inputs.has(position) {
            _ = try inputs.require(position, "input \(position)", in: [.float32])
        }
        if let spatialRank = window.spatialRank, spatialRank != 3 {
            throw inputs.error(.shapeMismatch, "the window attributes describe \(spatialRank) spatial axes; the input \(x.shape) has 3")
        }
        guard x.shape[1] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == x.shape[1] else {
            throw inputs.error(
                .shapeMismatch, "weights \(w.shape) with group \(group) do not match the \(x.shape[1]) input channels of \(x.shape)")
        }
        if let kernel = window.kernelShape, kernel != [w.shape[3], w.shape[4]] || window.depth?.kernel != w.shape[2] {
            throw inputs.error(.shapeMismatch, "kernel_shape differs from weights \(w.shape)")
        }
        if inputs.has(2), let bias = inputs.types[2], bias.shape != [w.shape[0]] {
            throw inputs.error(.shapeMismatch, "bias shape \(bias.shape) is not [\(w.shape[0])]")
        }
        let depth = try window.depthGeometry(length: x.shape[2], kernel: w.shape[2], location: inputs.location)
        let plane = TensorType(x.dtype, [x.shape[0], x.shape[1], x.shape[3], x.shape[4]])
        let planes = try window.geometry(input: plane, kernel: (w.shape[3], w.shape[4]), location: inputs.location)
        guard depth.output.h >= 1 else {
            throw inputs.error(.shapeMismatch, "the \(w.shape[2])-tap kernel does not fit the depth \(x.shape[2]) of \(x.shape)")
        }
        return (depth, planes, w.shape[0])
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        if x.rank == 5 {
            let (depth, planes, outChannels) = try volume(inputs)
            return [TensorType(.float32, [x.shape[0], outChannels, depth.output.h, planes.output.h, planes.output.w])]
        }
        let (parameters, outChannels) = try parameters(inputs)
        let output = parameters.geometry.output
        return [TensorType(x.dtype, [x.shape[0], outChannels] + (x.rank == 3 ? [output.w] : [output.h, output.w]))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        if x.rank == 5 { return try lowerVolume(inputs) }
        let parameters = try parameters(inputs).0
        var attributes = window.twoDimensionalAttributes
        attributes["group"] = .int(group)
        if x.rank == 4 && x.dtype != .float32 {
            // Half precision: the float32 Conv on widened copies, rounded back once.
            return .decompose(
                Decomposition.inFloat32(
                    Self.opType, inputs, converting: Set((0...2).filter { inputs.has($0) }), attributes: attributes,
                    resultType: x.dtype))
        }
        guard x.rank == 3 else { return .core(.convolution(parameters)) }
        // 1-D: the same convolution over [N, C, 1, L] with a [M, C/g, 1, K] kernel.
        var b = DecompositionBuilder(opset: opset)
        var operands = [b.reshape(.input(0), WindowAttributes.lifted(x.shape))]
        operands.append(b.reshape(.input(1), WindowAttributes.lifted(try inputs.type(1).shape)))
        if inputs.has(2) { operands.append(.input(2)) }
        let convolved = b.add(Self.opType, operands, attributes)
        let output = try inferTypes(inputs)[0]
        let result = b.reshape(convolved, output.shape)
        return .decompose(b.finish([result]))
    }

    /// 3-D: the depth slices each tap reads, as a batch of 2-D images.
    func lowerVolume(_ inputs: OpInputs) throws -> Lowering {
        let (depth, planes, outChannels) = try volume(inputs)
        let x = try inputs.type(0)
        let w = try inputs.type(1)
        let (n, c, taps, outDepth) = (x.shape[0], x.shape[1], w.shape[2], depth.output.h)
        // Slice and Pad take their parameters as inputs from opset 11 on.
        var b = DecompositionBuilder(opset: max(opset, 13))
        var padded = Decomposition.Operand.input(0)
        if depth.padBegin.h + depth.padEnd.h > 0 {
            padded = b.add("Pad", [padded, .int64s([0, 0, depth.padBegin.h, 0, 0, 0, 0, depth.padEnd.h, 0, 0])])
        }
        let slices = (0..<taps).map { tap -> Decomposition.Operand in
            let start = tap * depth.dilations.h
            let slice = b.add(
                "Slice",
                [padded, .int64s([start]), .int64s([start + (outDepth - 1) * depth.strides.h + 1]), .int64s([2]),
                 .int64s([depth.strides.h])])
            let batched = b.add("Transpose", [slice], ["perm": .ints([0, 2, 1, 3, 4])])
            return b.reshape(batched, [n * outDepth, c, x.shape[3], x.shape[4]])
        }
        var attributes = window.twoDimensionalAttributes
        attributes["group"] = .int(group)
        let bias: [Decomposition.Operand] = inputs.has(2) ? [.input(2)] : []
        var convolved: Decomposition.Operand
        if group == 1 {
            // Taps stacked along channels: one Conv with a [M, taps·C, kh, kw] kernel.
            let stacked = b.add("Concat", slices, ["axis": .int(1)])
            let kernel = b.reshape(
                b.add("Transpose", [.input(1)], ["perm": .ints([0, 2, 1, 3, 4])]),
                [outChannels, taps * c, w.shape[3], w.shape[4]])
            convolved = b.add("Conv", [stacked, kernel] + bias, attributes)
        } else {
            let perTap = slices.enumerated().map { tap, slice -> Decomposition.Operand in
                let kernel = b.reshape(
                    b.add("Gather", [.input(1), .int64s([tap])], ["axis": .int(2)]),
                    [outChannels, w.shape[1], w.shape[3], w.shape[4]])
                return b.add("Conv", [slice, kernel] + (tap == 0 ? bias : []), attributes)
            }
            convolved = perTap.count == 1 ? perTap[0] : b.add("Sum", perTap)
        }
        let (outHeight, outWidth) = planes.output
        let unbatched = b.reshape(convolved, [n, outDepth, outChannels, outHeight, outWidth])
        let result = b.add("Transpose", [unbatched], ["perm": .ints([0, 2, 1, 3, 4])])
        return .decompose(b.finish([result]))
    }
}
