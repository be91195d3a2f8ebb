// DepthToSpace and SpaceToDepth: blocks of channels moved into space and
// back, as Reshape → Transpose → Reshape (the DCR and CRD modes, which
// SpaceToDepth gained in opset 28, differ only in the permutation).

/// The shared shape check.
private func blockLayout(_ inputs: OpInputs, blocksize: Int) throws -> [Int] {
    let x = try inputs.require(0, "input", rank: 4)
    guard blocksize >= 1 else { throw inputs.error(.invalidAttribute, "blocksize must be at least 1") }
    return x.shape
}

/// Whether `mode` is CRD (column-row-depth) rather than the default DCR.
private func isColumnRowDepth(_ attributes: AttributeReader) throws -> Bool {
    let mode = try attributes.string("mode", default: "DCR")
    guard mode == "DCR" || mode == "CRD" else { throw attributes.error("mode must be DCR or CRD, got '\(mode)'") }
    return mode == "CRD"
}

private func reshapeStep(_ operand: Decomposition.Operand, _ shape: [Int]) -> Decomposition.Step {
    Decomposition.Step("Reshape", [operand, .int64s(shape)])
}

struct DepthToSpace: Operator {
    static let opType = "DepthToSpace"
    let blocksize: Int
    let columnRowDepth: Bool

    init(_ attributes: AttributeReader) throws {
        blocksize = try attributes.int("blocksize", default: 0)
        columnRowDepth = try isColumnRowDepth(attributes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let s = try blockLayout(inputs, blocksize: blocksize)
        let b = blocksize
        guard s[1] % (b * b) == 0 else {
            throw inputs.error(.shapeMismatch, "\(s[1]) channels do not divide into \(b)×\(b) blocks")
        }
        return [TensorType(try inputs.type(0).dtype, [s[0], s[1] / (b * b), s[2] * b, s[3] * b])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let s = try blockLayout(inputs, blocksize: blocksize)
        let b = blocksize
        let (split, permutation) =
            columnRowDepth
            ? ([s[0], s[1] / (b * b), b, b, s[2], s[3]], [0, 1, 4, 2, 5, 3])
            : ([s[0], b, b, s[1] / (b * b), s[2], s[3]], [0, 3, 4, 1, 5, 2])
        return .decompose(
            Decomposition(
                steps: [
                    reshapeStep(.input(0), split),
                    Decomposition.Step("Transpose", [.step(0)], attributes: ["perm": .ints(permutation)]),
                    reshapeStep(.step(1), try inferTypes(inputs)[0].shape),
                ], outputs: [.step(2)]))
    }
}

struct SpaceToDepth: Operator {
    static let opType = "SpaceToDepth"
    let blocksize: Int
    let columnRowDepth: Bool

    init(_ attributes: AttributeReader) throws {
        blocksize = try attributes.int("blocksize", default: 0)
        columnRowDepth = try isColumnRowDepth(attributes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let s = try blockLayout(inputs, blocksize: blocksize)
        let b = blocksize
        guard s[2] % b == 0, s[3] % b == 0 else {
            throw inputs.error(.shapeMismatch, "\(s[2])×\(s[3]) does not divide into \(b)×\(b) blocks")
        }
        return [TensorType(try inputs.type(0).dtype, [s[0], s[1] * b * b, s[2] / b, s[3] / b])]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let s = try blockLayout(inputs, blocksize: blocksize)
        let b = blocksize
        return .decompose(
            Decomposition(
                steps: [
                    reshapeStep(.input(0), [s[0], s[1], s[2] / b, b, s[3] / b, b]),
                    Decomposition.Step(
                        "Transpose", [.step(0)],
                        attributes: ["perm": .ints(columnRowDepth ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4])]),
                    reshapeStep(.step(1), try inferTypes(inputs)[0].shape),
                ], outputs: [.step(2)]))
    }
}
