// Tile: the input repeated along each axis (constant repeats), as a chain
// of Concats of the input with itself.

struct Tile: Operator {
    static let opType = "Tile"
    init(_ attributes: AttributeReader) throws {}

    func repeats(_ inputs: OpInputs) throws -> [Int] {
        let x = try inputs.type(0)
        let repeats = try inputs.requireConstant(1, "repeats").int64s
        guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }) else {
            throw inputs.error(.shapeMismatch, "repeats \(repeats) must hold one count per axis of \(x.shape)")
        }
        let result = repeats.map { Int($0) }
        guard Shape.checkedElementCount(zip(x.shape, result).map { $0 * $1 }) != nil else {
            throw inputs.error(.shapeMismatch, "tiling \(x.shape) by \(result) is too large")
        }
        return result
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        return [TensorType(x.dtype, zip(x.shape, try repeats(inputs)).map { $0 * $1 })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let repeats = try repeats(inputs)
        guard repeats.contains(where: { $0 != 1 }) else { return .replace([.input(0)]) }
        var steps: [Decomposition.Step] = []
        var current = Decomposition.Operand.input(0)
        for (axis, count) in repeats.enumerated() where count != 1 {
            if count == 0 {
                // An empty axis: any slice of nothing along it.
                steps.append(Decomposition.Step("Slice", [current, .int64s([0]), .int64s([0]), .int64s([axis])]))
            } else {
                steps.append(Decomposition.Step("Concat", Array(repeating: current, count: count), attributes: ["axis": .int(axis)]))
            }
            current = .step(steps.count - 1)
        }
        return .decompose(Decomposition(steps: steps, outputs: [current]))
    }
}
