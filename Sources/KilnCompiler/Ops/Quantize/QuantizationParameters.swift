// Scales and zero points as ONNX's quantization ops take them: one for the
// whole tensor, one per position along an axis, or one per block of
// `block_size` positions along it (opset 21). Each is rewritten to an
// operand that broadcasts against the quantized tensor.

/// The types quantized values take, with the integers' ranges.
enum QuantizedType {
    static let integers: Set<DType> = [.int8, .uint8, .int16, .uint16, .int4, .uint4, .int2, .uint2]
    /// Float types quantized to by rounding, not by integer saturation.
    static let floats: Set<DType> = [.float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float4e2m1]
    static let types = integers.union(floats)

    static func range(_ dtype: DType) -> (min: Double, max: Double) {
        switch dtype {
        case .int2: (-2, 1)
        case .uint2: (0, 3)
        case .int4: (-8, 7)
        case .uint4: (0, 15)
        case .int8: (-128, 127)
        case .uint8: (0, 255)
        case .int16: (-32768, 32767)
        case .uint16: (0, 65535)
        case .int32: (-2_147_483_648, 2_147_483_647)
        default: (0, 0)
        }
    }
}

extension DecompositionBuilder {
    /// Input `position` (a scale or zero point of `x`) as float32 broadcasting
    /// against `x`: a scalar, a vector along `axis` (negative counts from the
    /// end; unused for a scalar), or blocks along it.
    mutating func quantizationParameter(
        _ position: Int, of x: TensorType, axis requestedAxis: Int, blockSize: Int, _ inputs: OpInputs,
        _ what: String
    ) throws -> Operand {
        let type = try inputs.type(position)
        var value = cast(.input(position), from: type.dtype, to: .float32)
        if type.elementCount == 1 && type.rank <= 1 { return reshape(value, []) }
        guard x.rank > 0, let axis = Shape.normalize(axis: requestedAxis, rank: x.rank) else {
            throw inputs.error(.shapeMismatch, "\(what) \(type.shape) needs axis \(requestedAxis) of \(x.shape)")
        }
        if blockSize > 0 {
            let blocks = (x.shape[axis] + blockSize - 1) / blockSize
            var expected = x.shape
            expected[axis] = blocks
            guard type.shape == expected else {
                throw inputs.error(
                    .shapeMismatch, "\(what) \(type.shape) must be \(expected) for blocks of \(blockSize) along axis \(axis)")
            }
            // [.., blocks, 1, ..] → [.., blocks, block_size, ..] → [.., blocks·block_size, ..], cropped.
            var single = expected
            single.insert(1, at: axis + 1)
            var repeated = single
            repeated[axis + 1] = blockSize
            value = add("Expand", [reshape(value, single), .int64s(repeated)])
            var merged = expected
            merged[axis] = blocks * blockSize
            value = reshape(value, merged)
            if merged[axis] != x.shape[axis] {
                let picks = TensorData(shape: [x.shape[axis]], int64s: (0..<x.shape[axis]).map { Int64($0) })
                value = add("Gather", [value, .constant(picks)], ["axis": .int(axis)])
            }
            return value
        }
        guard type.rank == 1, type.shape[0] == x.shape[axis] else {
            throw inputs.error(
                .shapeMismatch, "\(what) \(type.shape) must be a scalar or hold one value per position of axis \(axis) of \(x.shape)")
        }
        var shape = Array(repeating: 1, count: x.rank)
        shape[axis] = x.shape[axis]
        return reshape(value, shape)
    }

    /// round-half-even(`value`) + `zeroPoint`, saturated to `dtype` and
    /// converted to it; into a float type, `value` + `zeroPoint` rounded by
    /// the conversion, which saturates when `saturate` (float4e2m1 always does).
    mutating func quantize(_ value: Operand, zeroPoint: Operand?, to dtype: DType, saturate: Bool = true) -> Operand {
        if QuantizedType.floats.contains(dtype) {
            let sum = zeroPoint.map { add("Add", [value, $0]) } ?? value
            return add("Cast", [sum], ["to": .int(dtype.rawValue), "saturate": .int(saturate ? 1 : 0)])
        }
        var q = add("Round", [value])
        if let zeroPoint { q = add("Add", [q, zeroPoint]) }
        let (low, high) = QuantizedType.range(dtype)
        q = add("Max", [q, DecompositionBuilder.scalar(Float(low))])
        q = add("Min", [q, DecompositionBuilder.scalar(Float(high))])
        return cast(q, from: .float32, to: dtype)
    }
}
