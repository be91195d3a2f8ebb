// LpNormalization: x divided by its L1 or L2 norm along an axis (default −1);
// a zero norm gives zeros, not NaN.

struct LpNormalization: Operator {
    static let opType = "LpNormalization"
    let axis: Int
    let p: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: -1)
        p = try attributes.int("p", default: 2)
        guard p == 1 || p == 2 else { throw attributes.error("p must be 1 or 2, got \(p)") }
        opset = attributes.opset
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input", in: float32Computed)
        guard x.rank > 0, Shape.normalize(axis: axis, rank: x.rank) != nil else {
            throw inputs.error(.invalidAttribute, "axis \(axis) is out of range for shape \(x.shape)")
        }
        return [x]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let x = try inputs.type(0)
        guard let axis = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for shape \(x.shape)")
        }
        var b = DecompositionBuilder(opset: opset)
        let norm = b.reduce(p == 1 ? ReduceL1.self : ReduceL2.self, .input(0), axes: [axis])
        let zero = Decomposition.Operand.constant(TensorData(dtype: x.dtype, shape: [], converting: [0.0]))
        let isZero = b.add("Equal", [norm, zero])
        let result = b.add("Where", [isZero, zero, b.add("Div", [.input(0), norm])])
        return .decompose(b.finish([result]))
    }
}
