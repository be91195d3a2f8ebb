// Col2Im (opset 18): the inverse of im2col. Each column of the input holds
// one sliding block of the image; the blocks are added back where they
// came from (overlaps sum), over any number of spatial axes. The image and
// block shapes must be compile-time constants; every block element's target
// in the padded image is then a constant, so the op is one ScatterElements
// with reduction "add" onto zeros, cropped by the pads.

struct Col2Im: Operator {
    static let opType = "Col2Im"
    let strides: [Int]?
    let dilations: [Int]?
    let pads: [Int]?
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        strides = try attributes.ints("strides")
        dilations = try attributes.ints("dilations")
        pads = try attributes.ints("pads")
        opset = attributes.opset
    }

    struct Geometry {
        var image: [Int], block: [Int], strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]
        /// Blocks along each axis.
        var counts: [Int]
    }

    func geometry(_ inputs: OpInputs) throws -> Geometry {
        let x = try inputs.require(0, "input", in: float32Computed)
        let image = try inputs.requireConstant(1, "image_shape").int64s.map { Int(clamping: $0) }
        let block = try inputs.requireConstant(2, "block_shape").int64s.map { Int(clamping: $0) }
        let r = image.count
        let strides = self.strides ?? Array(repeating: 1, count: r)
        let dilations = self.dilations ?? Array(repeating: 1, count: r)
        let pads = self.pads ?? Array(repeating: 0, count: 2 * r)
        guard r >= 1, block.count == r, strides.count == r, dilations.count == r, pads.count == 2 * r,
            (image + block + strides + dilations).allSatisfy({ (1...(1 << 20)).contains($0) }),
            pads.allSatisfy({ (0...(1 << 20)).contains($0) })
        else {
            throw inputs.error(.invalidAttribute, "image_shape, block_shape, strides, dilations and pads must describe \(image.count) axes")
        }
        var counts: [Int] = []
        for axis in 0..<r {
            let span = image[axis] + pads[axis] + pads[r + axis] - (block[axis] - 1) * dilations[axis] - 1
            guard span >= 0 else { throw inputs.error(.shapeMismatch, "block \(block) does not fit image \(image) on axis \(axis)") }
            counts.append(span / strides[axis] + 1)
        }
        let blockSize = block.reduce(1, *)
        guard x.rank == 3, x.shape[1] % blockSize == 0, x.shape[2] == counts.reduce(1, *) else {
            throw inputs.error(
                .shapeMismatch,
                "input \(x.shape) must be [N, C·\(blockSize), \(counts.reduce(1, *))] for blocks \(block) over image \(image)")
        }
        try ConstantBudget.check(bytes: 8 * x.elementCount, inputs)
        return Geometry(
            image: image, block: block, strides: strides, dilations: dilations, padBegin: Array(pads[..<r]),
            padEnd: Array(pads[r...]), counts: counts)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let g = try geometry(inputs)
        let x = try inputs.type(0)
        return [TensorType(x.dtype, [x.shape[0], x.shape[1] / g.block.reduce(1, *)] + g.image)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let g = try geometry(inputs)
        let x = try inputs.type(0)
        let (n, blockSize, blocks) = (x.shape[0], g.block.reduce(1, *), x.shape[2])
        let channels = x.shape[1] / blockSize
        let padded = zip(g.image, zip(g.padBegin, g.padEnd)).map { $0 + $1.0 + $1.1 }
        let paddedStrides = Shape.strides(of: padded)
        let blockStrides = Shape.strides(of: g.block)
        let countStrides = Shape.strides(of: g.counts)
        // Target of element (block offset k, block l) in the padded image, for one channel.
        var targets: [Int64] = []
        targets.reserveCapacity(blockSize * blocks)
        for k in 0..<blockSize {
            for l in 0..<blocks {
                var flat = 0
                for axis in padded.indices {
                    let offset = k / blockStrides[axis] % g.block[axis]
                    let position = l / countStrides[axis] % g.counts[axis]
                    flat += (position * g.strides[axis] + offset * g.dilations[axis]) * paddedStrides[axis]
                }
                targets.append(Int64(flat))
            }
        }
        var b = DecompositionBuilder(opset: max(opset, 18))
        let pixels = padded.reduce(1, *)
        let zeros = TensorData.zeros(x.dtype, shape: [n, channels, pixels])
        let updates = b.reshape(.input(0), [n, channels, blockSize * blocks])
        let indices = b.add(
            "Expand",
            [.constant(TensorData(shape: [1, 1, targets.count], int64s: targets)), .int64s([n, channels, targets.count])])
        let summed = b.add("ScatterElements", [.constant(zeros), indices, updates], ["axis": .int(2), "reduction": .string("add")])
        var result = b.reshape(summed, [n, channels] + padded)
        if g.padBegin.contains(where: { $0 > 0 }) || g.padEnd.contains(where: { $0 > 0 }) {
            let axes = padded.indices.map { $0 + 2 }
            result = b.add("Slice", [
                result, .int64s(g.padBegin), .int64s(zip(g.padBegin, g.image).map { $0 + $1 }), .int64s(axes),
            ])
        }
        return .decompose(b.finish([result]))
    }
}
