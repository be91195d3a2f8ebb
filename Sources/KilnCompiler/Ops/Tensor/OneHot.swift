// OneHot: a new axis of `depth` positions (depth a compile-time constant)
// holding values[1] where the index points and values[0] elsewhere.
// Negative indices count from the end; indices outside [-depth, depth)
// give a row of values[0]. Decomposed into a comparison and a Where.

struct OneHot: Operator {
    static let opType = "OneHot"
    let axis: Int
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        axis = try attributes.int("axis", default: -1)
        opset = attributes.opset
    }

    /// The depth and the (normalised) position of the new axis.
    func geometry(_ inputs: OpInputs) throws -> (depth: Int, axis: Int) {
        let indices = try inputs.require(0, "indices", in: allFloats.union(integerTypes))
        let depthValue = try inputs.requireConstant(1, "depth")
        guard depthValue.elementCount == 1, let depth = depthValue.doubles.first, depth >= 1, depth < 2_147_483_648 else {
            throw inputs.error(.invalidAttribute, "depth must be one positive number, got \(depthValue.doubles)")
        }
        guard let axis = Shape.normalize(axis: axis, rank: indices.rank + 1) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for rank \(indices.rank + 1)")
        }
        let values = try inputs.type(2)
        guard values.elementCount == 2, values.rank == 1 else {
            throw inputs.error(.shapeMismatch, "values must hold [off, on], got shape \(values.shape)")
        }
        return (Int(depth), axis)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (depth, axis) = try geometry(inputs)
        var shape = try inputs.type(0).shape
        shape.insert(depth, at: axis)
        return [TensorType(try inputs.type(2).dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (depth, axis) = try geometry(inputs)
        let indices = try inputs.type(0)
        var b = DecompositionBuilder(opset: opset)
        let index = b.cast(.input(0), from: indices.dtype, to: .int64)
        let depthConstant = Decomposition.Operand.constant(TensorData(shape: [], int64s: [Int64(depth)]))
        let negative = b.add("Less", [index, .constant(TensorData(shape: [], int64s: [0]))])
        let wrapped = b.add("Where", [negative, b.add("Add", [index, depthConstant]), index])
        var expanded = indices.shape
        expanded.insert(1, at: axis)
        var positionShape = Array(repeating: 1, count: indices.rank + 1)
        positionShape[axis] = depth
        let positions = TensorData(shape: positionShape, int64s: (0..<depth).map { Int64($0) })
        let hit = b.add("Equal", [b.reshape(wrapped, expanded), .constant(positions)])
        func value(_ position: Int64) -> Decomposition.Operand {
            b.add("Gather", [.input(2), .constant(TensorData(shape: [], int64s: [position]))], ["axis": .int(0)])
        }
        let result = b.add("Where", [hit, value(1), value(0)])
        return .decompose(b.finish([result]))
    }
}
