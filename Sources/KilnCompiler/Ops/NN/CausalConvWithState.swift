// CausalConvWithState (opset 27): a depthwise 1-D convolution that sees only
// the current and past positions, carrying its last k − 1 inputs between
// calls (Mamba, Gated DeltaNet). Decomposed as the op defines it: the past
// state (zeros when absent) before the input along the length, a depthwise
// Conv without padding, SiLU if asked, and the padded sequence's last k − 1
// positions as the present state.

struct CausalConvWithState: Operator {
    static let opType = "CausalConvWithState"
    let silu: Bool
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        let activation = try attributes.string("activation", default: "none")
        guard ["none", "silu", "swish"].contains(activation) else {
            throw attributes.error("activation must be 'none', 'silu' or 'swish', got '\(activation)'")
        }
        silu = activation != "none"
        opset = attributes.opset
    }

    /// The input [B, C, L] and the kernel length k.
    func layout(_ inputs: OpInputs) throws -> (x: TensorType, taps: Int) {
        let x = try inputs.require(0, "input", in: float32Computed)
        let w = try inputs.type(1)
        guard x.rank == 3, w.rank == 3, w.shape[0] == x.shape[1], w.shape[1] == 1, w.shape[2] >= 1, w.dtype == x.dtype else {
            throw inputs.error(.shapeMismatch, "input must be [B, C, L] and weight \(x.dtype)[C, 1, k]; got \(x) and \(w)")
        }
        if inputs.has(2), try inputs.type(2) != TensorType(x.dtype, [x.shape[1]]) {
            throw inputs.error(.shapeMismatch, "bias must be \(x.dtype)[\(x.shape[1])], got \(try inputs.type(2))")
        }
        let state = TensorType(x.dtype, [x.shape[0], x.shape[1], w.shape[2] - 1])
        if inputs.has(3), try inputs.type(3) != state {
            throw inputs.error(.shapeMismatch, "past_state must be \(state), got \(try inputs.type(3))")
        }
        return (x, w.shape[2])
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (x, taps) = try layout(inputs)
        return [x, TensorType(x.dtype, [x.shape[0], x.shape[1], taps - 1])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (x, taps) = try layout(inputs)
        let (batch, channels, length) = (x.shape[0], x.shape[1], x.shape[2])
        var b = DecompositionBuilder(opset: max(opset, 13))
        var padded = Decomposition.Operand.input(0)
        if taps > 1 {
            let past: Decomposition.Operand =
                inputs.has(3)
                ? .input(3)
                : .constant(TensorData.zeros(x.dtype, shape: [batch, channels, taps - 1]))
            padded = b.add("Concat", [past, .input(0)], ["axis": .int(2)])
        }
        var output = b.add(
            "Conv", [padded, .input(1)] + (inputs.has(2) ? [.input(2)] : []),
            ["group": .int(channels), "kernel_shape": .ints([taps])])
        if silu { output = b.add("Mul", [output, b.add("Sigmoid", [output])]) }
        let present = b.add("Slice", [padded, .int64s([length]), .int64s([length + taps - 1]), .int64s([2])])
        return .decompose(b.finish([output, present]))
    }
}
