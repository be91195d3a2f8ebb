// GroupNormalization: each instance's channels split into `num_groups`
// groups, each group normalised over its channels and spatial positions,
// then scaled and shifted per channel (opset 21; opset 18 took one scale
// and bias per group). Half-precision inputs are normalised in float32
// (stash_type 1), then scaled in their own type.

struct GroupNormalization: Operator {
    static let opType = "GroupNormalization"
    let groups: Int
    let epsilon: Float
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        groups = try attributes.int("num_groups", default: 0)
        guard groups >= 1 else { throw attributes.error("num_groups must be at least 1, got \(groups)") }
        epsilon = try attributes.float("epsilon", default: 1e-5)
        let stash = try attributes.int("stash_type", default: 1)
        guard stash == DType.float32.rawValue else {
            throw CompileError(
                .unsupportedFeature, at: attributes.location, "stash_type \(stash) is not supported (Kiln normalises in float32)")
        }
        opset = attributes.opset
    }

    /// How many scale and bias values the op takes: one per channel, or per group before opset 21.
    func parameterCount(_ channels: Int) -> Int { opset >= 21 ? channels : groups }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "X", in: float32Computed)
        guard x.rank >= 3, x.shape[1] % groups == 0 else {
            throw inputs.error(.shapeMismatch, "X \(x.shape) needs rank ≥ 3 and channels divisible by \(groups) groups")
        }
        for (position, what) in [(1, "scale"), (2, "bias")] {
            let parameter = try inputs.type(position)
            guard parameter.shape == [parameterCount(x.shape[1])], parameter.dtype == x.dtype else {
                throw inputs.error(.shapeMismatch, "\(what) must be \(x.dtype)[\(parameterCount(x.shape[1]))], got \(parameter)")
            }
        }
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        let channels = x.shape[1]
        var b = DecompositionBuilder(opset: opset)
        let grouped = b.reshape(b.cast(.input(0), from: x.dtype, to: .float32), [x.shape[0], groups, x.elementCount / max(1, x.shape[0] * groups)])
        let (centered, variance) = b.centeredAndVariance(grouped, axes: [2])
        let deviation = b.add("Sqrt", [b.add("Add", [variance, DecompositionBuilder.scalar(epsilon)])])
        let normalized = b.cast(b.reshape(b.add("Div", [centered, deviation]), x.shape), from: .float32, to: x.dtype)
        let channelShape = [channels] + Array(repeating: 1, count: x.rank - 2)
        func perChannel(_ position: Int) -> Decomposition.Operand {
            guard opset < 21 else { return b.reshape(.input(position), channelShape) }
            // One value per group, repeated over the group's channels.
            let repeated = b.add("Expand", [b.reshape(.input(position), [groups, 1]), .int64s([groups, channels / groups])])
            return b.reshape(repeated, channelShape)
        }
        let scale = perChannel(1)
        let bias = perChannel(2)
        let result = b.add("Add", [b.add("Mul", [normalized, scale]), bias])
        return .decompose(b.finish([result]))
    }
}
