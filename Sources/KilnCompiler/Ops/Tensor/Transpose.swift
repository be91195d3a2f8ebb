// Transpose: permute axes (reversed by default).

struct Transpose: Operator {
    static let opType = "Transpose"
    let perm: [Int]?

    init(_ attributes: AttributeReader) throws { perm = try attributes.ints("perm") }

    func permutation(_ inputs: OpInputs) throws -> [Int] {
        let rank = try inputs.type(0).rank
        let perm = self.perm ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else {
            throw inputs.error(.invalidAttribute, "perm \(perm) is not a permutation of 0..<\(rank)")
        }
        return perm
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.type(0)
        return [TensorType(x.dtype, try permutation(inputs).map { x.shape[$0] })]
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? {
        guard let data = inputs.constant(0) else { return nil }
        let perm = try permutation(inputs)
        let shape = perm.map { data.shape[$0] }
        let strides = Shape.strides(of: data.shape)
        return [data.strided(shape: shape, strides: perm.map { strides[$0] })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        .core(.transpose(permutation: try permutation(inputs)))
    }
}
