// ArgMax and ArgMin: the int64 index of the extreme element along an axis
// (first on ties, or last with select_last_index), keepdims by default.

protocol ArgExtremeOp: Operator {
    static var findsMaximum: Bool { get }
    var axis: Int { get }
    var keepsDimension: Bool { get }
    var selectsLastIndex: Bool { get }
    init(axis: Int, keepsDimension: Bool, selectsLastIndex: Bool)
}

extension ArgExtremeOp {
    init(_ attributes: AttributeReader) throws {
        self.init(
            axis: try attributes.int("axis", default: 0), keepsDimension: try attributes.flag("keepdims", default: true),
            selectsLastIndex: try attributes.flag("select_last_index"))
    }

    func parameters(_ inputs: OpInputs) throws -> ArgExtremeParameters {
        let x = try inputs.type(0)
        guard x.rank > 0, let axis = Shape.normalize(axis: axis, rank: x.rank) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for shape \(x.shape)")
        }
        guard x.shape[axis] > 0 else {
            throw inputs.error(.shapeMismatch, "\(Self.opType) over an empty axis has no answer")
        }
        guard x.dtype != .bool else { throw inputs.error(.unsupportedFeature, "\(Self.opType) of bool is not defined") }
        return ArgExtremeParameters(
            axis: axis, keepsDimension: keepsDimension, findsMaximum: Self.findsMaximum,
            selectsLastIndex: selectsLastIndex)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let p = try parameters(inputs)
        var shape = try inputs.type(0).shape
        if p.keepsDimension { shape[p.axis] = 1 } else { shape.remove(at: p.axis) }
        return [TensorType(.int64, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering { .core(.argExtreme(try parameters(inputs))) }
}

struct ArgMax: ArgExtremeOp {
    static let opType = "ArgMax"
    static let findsMaximum = true
    let axis: Int
    let keepsDimension: Bool
    let selectsLastIndex: Bool
}

struct ArgMin: ArgExtremeOp {
    static let opType = "ArgMin"
    static let findsMaximum = false
    let axis: Int
    let keepsDimension: Bool
    let selectsLastIndex: Bool
}
