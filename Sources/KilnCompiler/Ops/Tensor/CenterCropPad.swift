// CenterCropPad: each listed axis cropped or zero-padded to the wanted size
// around its centre (a compile-time constant shape), as a Pad with negative
// pads where it crops. An odd difference puts the extra element at the end.

struct CenterCropPad: Operator {
    static let opType = "CenterCropPad"
    let axes: [Int]?
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axes = try attributes.ints("axes")
        opset = attributes.opset
    }

    /// Per axis of the input, the pads before and after (negative: crop).
    func pads(_ inputs: OpInputs) throws -> [(before: Int, after: Int)] {
        let x = try inputs.type(0)
        _ = try inputs.require(1, "shape", in: [.int32, .int64])
        let sizes = try inputs.requireConstant(1, "shape").int64s
        let chosen = try (axes ?? Array(0..<x.rank)).map { axis -> Int in
            guard let normalized = Shape.normalize(axis: axis, rank: x.rank) else {
                throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for \(x.shape)")
            }
            return normalized
        }
        guard sizes.count == chosen.count, Set(chosen).count == chosen.count, sizes.allSatisfy({ $0 >= 0 && $0 < 1 << 31 })
        else {
            throw inputs.error(.shapeMismatch, "shape \(sizes) must hold one size per axis of \(chosen)")
        }
        var result = Array(repeating: (before: 0, after: 0), count: x.rank)
        for (axis, size) in zip(chosen, sizes.map { Int($0) }) {
            let difference = size - x.shape[axis]
            // Padding: the smaller half first; cropping: the smaller half from the start.
            let before = difference >= 0 ? difference / 2 : -((-difference) / 2)
            result[axis] = (before, difference - before)
        }
        return result
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        return [TensorType(x.dtype, zip(x.shape, try pads(inputs)).map { $0 + $1.before + $1.after })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let pads = try pads(inputs)
        var b = DecompositionBuilder(opset: opset)
        let flat = pads.map(\.before) + pads.map(\.after)
        let result = b.add("Pad", [.input(0), .int64s(flat)])
        return .decompose(b.finish([result]))
    }
}
