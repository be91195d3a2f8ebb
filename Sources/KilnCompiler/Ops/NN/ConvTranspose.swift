// ConvTranspose: the gradient of Conv, over 1-D, 2-D or 3-D inputs, with strides,
// dilations, groups, pads or auto_pad, output_padding and output_shape.
//
// Decomposed into a stride-1 Conv: the input gets stride − 1 zeros between
// its elements (a Where against a constant false mask makes them, so no
// input-sized constant is embedded), is cropped or padded to the window the
// transposed convolution reads, and meets the kernel with its in/out
// channels swapped per group and its spatial axes reversed (folded at
// compile time when W is an initializer). The zeros cost stride^rank more
// multiplications than a direct kernel would.

struct ConvTranspose: Operator {
    static let opType = "ConvTranspose"
    let strides: [Int]?
    let dilations: [Int]?
    let pads: [Int]?
    let outputPadding: [Int]?
    let outputShape: [Int]?
    let kernelShape: [Int]?
    let autoPad: String
    let group: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        func list(_ name: String, _ range: ClosedRange<Int>) throws -> [Int]? {
            guard let values = try attributes.ints(name) else { return nil }
            guard values.allSatisfy({ range.contains($0) }) else {
                throw attributes.error("attribute '\(name)' must hold values in \(range), got \(values)")
            }
            return values
        }
        strides = try list("strides", 1...4096)
        dilations = try list("dilations", 1...4096)
        pads = try list("pads", 0...4096)
        outputPadding = try list("output_padding", 0...4096)
        outputShape = try list("output_shape", 1...(1 << 24))
        kernelShape = try list("kernel_shape", 1...4096)
        autoPad = try attributes.string("auto_pad", default: "NOTSET")
        guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
            throw attributes.error("unknown auto_pad value '\(autoPad)'")
        }
        group = try attributes.int("group", default: 1)
        guard group >= 1 else { throw attributes.error("group must be at least 1, got \(group)") }
        opset = attributes.opset
    }

    /// The sizes of one spatial axis.
    struct Axis {
        var input: Int
        var kernel: Int
        var stride: Int
        var dilation: Int
        var padBegin: Int
        var padEnd: Int
        var outputPadding: Int
        var span: Int { (kernel - 1) * dilation + 1 }
        var output: Int { stride * (input - 1) + outputPadding + span - padBegin - padEnd }
    }

    func geometry(_ inputs: OpInputs) throws -> (axes: [Axis], outChannels: Int) {
        let x = try inputs.require(0, "input X", in: [.float32])
        let w = try inputs.require(1, "weight W", in: [.float32])
        guard (3...5).contains(x.rank), w.rank == x.rank else {
            throw inputs.error(
                .unsupportedFeature, "ConvTranspose over \(x.shape) with W \(w.shape): Kiln supports 1-D to 3-D inputs")
        }
        let n = x.rank - 2
        guard w.shape[0] == x.shape[1], x.shape[1] % group == 0 else {
            throw inputs.error(
                .shapeMismatch, "W \(w.shape) must have \(x.shape[1]) input channels (divisible by group \(group))")
        }
        if inputs.has(2), let bias = inputs.types[2], bias.shape != [w.shape[1] * group] {
            throw inputs.error(.shapeMismatch, "bias shape \(bias.shape) is not [\(w.shape[1] * group)]")
        }
        let kernel = Array(w.shape[2...])
        if let kernelShape, kernelShape != kernel {
            throw inputs.error(.shapeMismatch, "kernel_shape \(kernelShape) differs from W \(w.shape)")
        }
        func values(_ list: [Int]?, _ count: Int, _ name: String, default value: Int) throws -> [Int] {
            guard let list else { return Array(repeating: value, count: count) }
            guard list.count == count else {
                throw inputs.error(.invalidAttribute, "'\(name)' holds \(list.count) values; \(count) expected for \(x.shape)")
            }
            return list
        }
        let strides = try values(self.strides, n, "strides", default: 1)
        let dilations = try values(self.dilations, n, "dilations", default: 1)
        let extra = try values(outputPadding, n, "output_padding", default: 0)
        var axes = (0..<n).map { i in
            Axis(
                input: x.shape[2 + i], kernel: kernel[i], stride: strides[i], dilation: dilations[i], padBegin: 0,
                padEnd: 0, outputPadding: extra[i])
        }
        if let pads, autoPad == "NOTSET" || autoPad == "VALID" {
            let given = try values(pads, 2 * n, "pads", default: 0)
            for i in 0..<n { (axes[i].padBegin, axes[i].padEnd) = (given[i], given[n + i]) }
            if let outputShape, try values(outputShape, n, "output_shape", default: 0) != axes.map(\.output) {
                throw inputs.error(
                    .unsupportedFeature, "output_shape \(outputShape) with explicit pads differs from the computed \(axes.map(\.output))")
            }
        } else if autoPad != "VALID" && (autoPad != "NOTSET" || outputShape != nil) {
            // Pads from the wanted output size (ONNX's reference rules).
            let wanted = try outputShape.map { try values($0, n, "output_shape", default: 0) } ?? axes.map { $0.input * $0.stride }
            for i in 0..<n {
                let total = axes[i].stride * (axes[i].input - 1) + axes[i].outputPadding + axes[i].span - wanted[i]
                let half = total >= 0 ? total / 2 : -((-total + 1) / 2)
                (axes[i].padBegin, axes[i].padEnd) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half)
            }
        }
        guard axes.allSatisfy({ $0.output >= 1 && $0.outputPadding < max($0.stride, $0.dilation) }) else {
            throw inputs.error(
                .shapeMismatch, "ConvTranspose would give output sizes \(axes.map(\.output)) (output_padding must be below the stride)")
        }
        return (axes, w.shape[1] * group)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (axes, outChannels) = try geometry(inputs)
        return [TensorType(.float32, [try inputs.type(0).shape[0], outChannels] + axes.map(\.output))]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (axes, outChannels) = try geometry(inputs)
        let x = try inputs.type(0)
        let w = try inputs.type(1)
        var b = DecompositionBuilder(opset: opset)
        var current = Decomposition.Operand.input(0)
        var shape = x.shape
        var convolutionPads = (begin: [Int](), end: [Int]())
        for (i, axis) in axes.enumerated() {
            let dimension = 2 + i
            if axis.stride > 1 {
                // x[…, L, 1, …] next to zeros[…, L, s − 1, …] → […, L·s, …].
                var split = shape
                split.insert(1, at: dimension + 1)
                let single = b.reshape(current, split)
                var maskShape = Array(repeating: 1, count: split.count)
                maskShape[dimension + 1] = axis.stride - 1
                let never = TensorData(shape: maskShape, bools: Array(repeating: false, count: axis.stride - 1))
                let zero = DecompositionBuilder.scalar(0)
                let zeros = b.add("Where", [.constant(never), single, zero])
                let interleaved = b.add("Concat", [single, zeros], ["axis": .int(dimension + 1)])
                shape[dimension] *= axis.stride
                current = b.reshape(interleaved, shape)
            }
            // The convolution reads positions −(span − 1 − padBegin) … (L − 1)·s + span − 1 − padEnd + output_padding.
            let first = -(axis.span - 1 - axis.padBegin)
            let last = (axis.input - 1) * axis.stride + axis.span - 1 - axis.padEnd + axis.outputPadding
            let (start, end) = (max(0, first), min(shape[dimension], last + 1))
            if start > 0 || end < shape[dimension] {
                let picks = TensorData(shape: [end - start], int64s: (start..<end).map { Int64($0) })
                current = b.add("Gather", [current, .constant(picks)], ["axis": .int(dimension)])
                shape[dimension] = end - start
            }
            convolutionPads.begin.append(max(0, -first))
            convolutionPads.end.append(max(0, last + 1 - max(end, start)))
        }
        // W [C, M/g, k…] → [M, C/g, k…], spatial axes reversed.
        let perGroupIn = x.shape[1] / group
        let perGroupOut = outChannels / group
        let kernel = Array(w.shape[2...])
        var weights = b.reshape(.input(1), [group, perGroupIn, perGroupOut] + kernel)
        weights = b.add("Transpose", [weights], ["perm": .ints([0, 2, 1] + Array(3..<(3 + kernel.count)))])
        weights = b.reshape(weights, [outChannels, perGroupIn] + kernel)
        for (i, size) in kernel.enumerated() where size > 1 {
            let reversed = TensorData(shape: [size], int64s: (0..<size).reversed().map { Int64($0) })
            weights = b.add("Gather", [weights, .constant(reversed)], ["axis": .int(2 + i)])
        }
        var operands = [current, weights]
        if inputs.has(2) { operands.append(.input(2)) }
        let result = b.add(
            "Conv", operands,
            [
                "kernel_shape": .ints(kernel), "dilations": .ints(axes.map(\.dilation)),
                "pads": .ints(convolutionPads.begin + convolutionPads.end), "group": .int(group),
            ])
        return .decompose(b.finish([result]))
    }
}
