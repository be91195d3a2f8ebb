// How ops whose kernels compute in float32 accept float16 and bfloat16:
// the op runs on float32 copies of its half-precision inputs and its result
// is rounded back, which is what the elementwise kernels do in registers.

extension Decomposition {
    /// Half-precision types that an op may compute through float32.
    static let widenedToFloat32: Set<DType> = [.float16, .bfloat16]

    /// `opType` (with `attributes`) on the node's inputs, those at `positions`
    /// cast to float32 first, and its single output cast back to `dtype`.
    static func inFloat32(
        _ opType: String, _ inputs: OpInputs, converting positions: Set<Int>,
        attributes: [String: Attribute] = [:], resultType dtype: DType
    ) -> Decomposition {
        var steps: [Step] = []
        var operands: [Operand] = []
        for position in 0..<inputs.count where inputs.has(position) {
            if positions.contains(position) {
                steps.append(Step("Cast", [.input(position)], attributes: ["to": .int(DType.float32.rawValue)]))
                operands.append(.step(steps.count - 1))
            } else {
                operands.append(.input(position))
            }
        }
        steps.append(Step(opType, operands, attributes: attributes))
        steps.append(Step("Cast", [.step(steps.count - 1)], attributes: ["to": .int(dtype.rawValue)]))
        return Decomposition(steps: steps, outputs: [.step(steps.count - 1)])
    }
}
