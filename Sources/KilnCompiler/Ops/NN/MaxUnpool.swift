// MaxUnpool: MaxPool's partial inverse. Each input value goes back to the
// position its index (MaxPool's Indices: flat over the whole output,
// images and channels included) names; everything else is zero. The size
// follows from the window attributes; a larger output_shape (a compile-time
// constant) pads that result with zeros at the end of each axis, as ONNX's
// reference does. One ScatterElements onto zeros, then a Pad.

struct MaxUnpool: Operator {
    static let opType = "MaxUnpool"
    let kernel: [Int]
    let strides: [Int]?
    let pads: [Int]?
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        guard let kernel = try attributes.ints("kernel_shape"), !kernel.isEmpty, kernel.allSatisfy({ (1...4096).contains($0) }) else {
            throw attributes.error("kernel_shape is required: one positive size per spatial axis")
        }
        self.kernel = kernel
        strides = try attributes.ints("strides")
        pads = try attributes.ints("pads")
        opset = attributes.opset
    }

    /// The unpooled shape, and the output shape (larger when output_shape asks).
    func shapes(_ inputs: OpInputs) throws -> (unpooled: [Int], output: [Int]) {
        let x = try inputs.require(0, "X", in: float32Computed)
        let indices = try inputs.require(1, "I", in: [.int64])
        let r = kernel.count
        guard x.rank == r + 2, indices.shape == x.shape else {
            throw inputs.error(.shapeMismatch, "X \(x.shape) and I \(indices.shape) must be one [N, C, …] shape with \(r) spatial axes")
        }
        let strides = self.strides ?? Array(repeating: 1, count: r)
        let pads = self.pads ?? Array(repeating: 0, count: 2 * r)
        guard strides.count == r, pads.count == 2 * r, strides.allSatisfy({ $0 >= 1 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw inputs.error(.invalidAttribute, "strides and pads must describe \(r) axes")
        }
        var shape = Array(x.shape[..<2])
        for axis in 0..<r {
            shape.append((x.shape[axis + 2] - 1) * strides[axis] - pads[axis] - pads[r + axis] + kernel[axis])
        }
        let unpooled = shape
        if inputs.has(2) {
            let requested = try inputs.requireConstant(2, "output_shape").int64s.map { Int(clamping: $0) }
            guard requested.count == shape.count, Array(requested[..<2]) == Array(shape[..<2]),
                zip(requested.dropFirst(2), shape.dropFirst(2)).allSatisfy({ $0 >= $1 })
            else {
                throw inputs.error(.shapeMismatch, "output_shape \(requested) must be [N, C, …] and at least \(shape)")
            }
            shape = requested
        }
        guard unpooled.allSatisfy({ $0 >= 1 }) else { throw inputs.error(.shapeMismatch, "the output \(unpooled) is empty") }
        try ConstantBudget.check(bytes: 4 * unpooled.reduce(1, *), inputs)
        return (unpooled, shape)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [TensorType(try inputs.type(0).dtype, try shapes(inputs).output)] }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (shape, output) = try shapes(inputs)
        let x = try inputs.type(0)
        let total = shape.reduce(1, *)
        var b = DecompositionBuilder(opset: max(opset, 13))
        let zeros = TensorData.zeros(x.dtype, shape: [1, total])
        let scattered = b.add(
            "ScatterElements",
            [.constant(zeros), b.reshape(.input(1), [1, x.elementCount]), b.reshape(.input(0), [1, x.elementCount])],
            ["axis": .int(1)])
        var result = b.reshape(scattered, shape)
        if output != shape {
            let pads = Array(repeating: 0, count: shape.count) + zip(output, shape).map { $0 - $1 }
            result = b.add("Pad", [result, .int64s(pads)])
        }
        return .decompose(b.finish([result]))
    }
}
