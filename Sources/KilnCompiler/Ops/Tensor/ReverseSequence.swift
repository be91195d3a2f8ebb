// ReverseSequence: per batch entry, the first sequence_lens[b] steps along
// the time axis reversed, the rest kept. The lengths must be compile-time
// constants; each batch entry becomes a Gather of its (constant) order,
// joined again along the batch axis.

struct ReverseSequence: Operator {
    static let opType = "ReverseSequence"
    let batchAxis: Int
    let timeAxis: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        batchAxis = try attributes.int("batch_axis", default: 1)
        timeAxis = try attributes.int("time_axis", default: 0)
        guard Set([batchAxis, timeAxis]) == [0, 1] else {
            throw attributes.error("batch_axis and time_axis must be 0 and 1 in some order, got \(batchAxis) and \(timeAxis)")
        }
        opset = attributes.opset
    }

    func lengths(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.type(0)
        guard x.rank >= 2 else { throw inputs.error(.shapeMismatch, "input must have rank ≥ 2, got \(x.shape)") }
        _ = try inputs.require(1, "sequence_lens", in: [.int64])
        let values = try inputs.requireConstant(1, "sequence_lens").int64s
        guard values.count == x.shape[batchAxis], values.allSatisfy({ $0 >= 0 && $0 <= Int64(x.shape[timeAxis]) }) else {
            throw inputs.error(
                .shapeMismatch, "sequence_lens \(values) must hold one length in 0...\(x.shape[timeAxis]) per batch entry")
        }
        return values.map { Int($0) }
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        _ = try lengths(inputs)
        return [try inputs.type(0)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let steps = try inputs.type(0).shape[timeAxis]
        var b = DecompositionBuilder(opset: opset)
        var parts: [Decomposition.Operand] = []
        for (entry, length) in try lengths(inputs).enumerated() {
            let single = b.add("Gather", [.input(0), .int64s([entry])], ["axis": .int(batchAxis)])
            let order = Array((0..<length).reversed()) + Array(length..<steps)
            parts.append(b.add("Gather", [single, .int64s(order)], ["axis": .int(timeAxis)]))
        }
        let result = parts.count == 1 ? parts[0] : b.add("Concat", parts, ["axis": .int(batchAxis)])
        return .decompose(b.finish([result]))
    }
}
