// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
// ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp: axes as an
// attribute before opset 18 (13 for ReduceSum) and a constant input since;
// keepdims (default 1); empty axes reduce everything unless
// noop_with_empty_axes.

/// The shared definition of the reductions.
protocol ReductionOp: Operator {
    static var kind: ReduceParameters.Kind { get }
    /// The opset from which `axes` is an input instead of an attribute.
    static var axesInputSince: Int { get }
    var attributeAxes: [Int]? { get }
    var keepsDimensions: Bool { get }
    var emptyAxesIsNoop: Bool { get }
}

extension ReductionOp {
    static var axesInputSince: Int { 18 }

    /// Which types each reduction is computed for.
    static var dtypes: Set<DType> {
        switch kind {
        case .logSum, .logSumExp: allFloats
        case .maximum, .minimum: signedNumbers.union([.uint32, .uint64, .uint8, .bool])
        case .sum, .mean, .product, .sumAbsolute, .sumSquare: signedNumbers.union([.uint32, .uint64, .uint8])
        case .l2Norm: allFloats
        }
    }

    /// The normalised axes, or nil for "reduce nothing" (noop with empty axes).
    func axes(_ inputs: OpInputs) throws -> [Int]? {
        let rank = try inputs.type(0).rank
        var requested = attributeAxes ?? []
        if inputs.has(1) { requested = try inputs.requireConstant(1, "axes").int64s.map { Int(clamping: $0) } }
        if requested.isEmpty { return emptyAxesIsNoop ? nil : Array(0..<rank) }
        var normalized = Set<Int>()
        for axis in requested {
            guard let value = Shape.normalize(axis: axis, rank: rank), rank > 0, normalized.insert(value).inserted else {
                throw inputs.error(.invalidAttribute, "axes \(requested) are out of range or repeated for rank \(rank)")
            }
        }
        return normalized.sorted()
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let x = try inputs.require(0, "input", in: Self.dtypes)
        guard let axes = try axes(inputs) else { return [x] }
        // Over an empty set, ReduceMax gives −∞ (the type's minimum) and ReduceMin +∞
        // (its maximum), as ONNX defines since opset 18: the kernels start from those.
        let shape = x.shape.indices.compactMap { axis -> Int? in
            axes.contains(axis) ? (keepsDimensions ? 1 : nil) : x.shape[axis]
        }
        return [TensorType(x.dtype, shape)]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        guard let axes = try axes(inputs) else { return .replace([.input(0)]) }
        let dtype = try inputs.type(0).dtype
        if Decomposition.widenedToFloat32.contains(dtype) {
            // float16 and bfloat16 are reduced in float32 and rounded once at the
            // end, as the kernels' scalar loop did: through the float32 kernels,
            // vectorized on the CPU and the only ones the Vulkan backend has.
            var attributes: [String: Attribute] = ["keepdims": .int(keepsDimensions ? 1 : 0)]
            if let attributeAxes { attributes["axes"] = .ints(attributeAxes) }
            if emptyAxesIsNoop { attributes["noop_with_empty_axes"] = .int(1) }
            return .decompose(.inFloat32(Self.opType, inputs, converting: [0], attributes: attributes, resultType: dtype))
        }
        if dtype == .bool {
            // Max is Or and Min is And (opset 20): the same reduction over 0/1
            // values, in float32 (exact, and what every backend reduces) unless
            // a reduced axis is empty: float32's −∞ and +∞ there would cast to
            // true, where uint8's 0 and 255 give Or's false and And's true.
            let shape = try inputs.type(0).shape
            let carrier: DType = axes.allSatisfy { shape[$0] > 0 } ? .float32 : .uint8
            typealias Step = Decomposition.Step
            return .decompose(
                Decomposition(
                    steps: [
                        Step("Cast", [.input(0)], attributes: ["to": .int(carrier.rawValue)]),
                        Step(Self.opType, [.step(0), .int64s(axes)], attributes: ["keepdims": .int(keepsDimensions ? 1 : 0)]),
                        Step("Cast", [.step(1)], attributes: ["to": .int(DType.bool.rawValue)]),
                    ], outputs: [.step(2)]))
        }
        return .core(.reduce(ReduceParameters(kind: Self.kind, axes: axes, keepsDimensions: keepsDimensions)))
    }
}

extension Decomposition.Step {
    /// A keepdims reduction of `operand` over `axes`, its axes given the way
    /// `opType` takes them at `opset` (attribute before, constant input since).
    static func reduce(_ type: any ReductionOp.Type, _ operand: Decomposition.Operand, axes: [Int], opset: Int) -> Self {
        if opset >= type.axesInputSince {
            return Self(type.opType, [operand, .int64s(axes)], attributes: ["keepdims": .int(1)])
        }
        return Self(type.opType, [operand], attributes: ["axes": .ints(axes), "keepdims": .int(1)])
    }
}

/// The attributes every reduction parses the same way.
struct ReductionAttributes: Sendable {
    let axes: [Int]?
    let keepsDimensions: Bool
    let emptyAxesIsNoop: Bool

    init(_ attributes: AttributeReader, axesInputSince: Int) throws {
        axes = attributes.opset < axesInputSince ? try attributes.ints("axes") : nil
        keepsDimensions = try attributes.flag("keepdims", default: true)
        emptyAxesIsNoop = attributes.opset >= axesInputSince ? try attributes.flag("noop_with_empty_axes") : false
    }
}

/// Declares a reduction: its op type, kind and (for ReduceSum) where its axes moved.
protocol SimpleReduction: ReductionOp {
    var parsed: ReductionAttributes { get }
    init(parsed: ReductionAttributes)
}

extension SimpleReduction {
    init(_ attributes: AttributeReader) throws {
        self.init(parsed: try ReductionAttributes(attributes, axesInputSince: Self.axesInputSince))
    }
    var attributeAxes: [Int]? { parsed.axes }
    var keepsDimensions: Bool { parsed.keepsDimensions }
    var emptyAxesIsNoop: Bool { parsed.emptyAxesIsNoop }
}

struct ReduceSum: SimpleReduction {
    static let opType = "ReduceSum"
    static let kind = ReduceParameters.Kind.sum
    static let axesInputSince = 13
    let parsed: ReductionAttributes
}

struct ReduceMean: SimpleReduction {
    static let opType = "ReduceMean"
    static let kind = ReduceParameters.Kind.mean
    let parsed: ReductionAttributes
}

struct ReduceMax: SimpleReduction {
    static let opType = "ReduceMax"
    static let kind = ReduceParameters.Kind.maximum
    let parsed: ReductionAttributes
}

struct ReduceMin: SimpleReduction {
    static let opType = "ReduceMin"
    static let kind = ReduceParameters.Kind.minimum
    let parsed: ReductionAttributes
}

struct ReduceProd: SimpleReduction {
    static let opType = "ReduceProd"
    static let kind = ReduceParameters.Kind.product
    let parsed: ReductionAttributes
}

struct ReduceL1: SimpleReduction {
    static let opType = "ReduceL1"
    static let kind = ReduceParameters.Kind.sumAbsolute
    let parsed: ReductionAttributes
}

struct ReduceL2: SimpleReduction {
    static let opType = "ReduceL2"
    static let kind = ReduceParameters.Kind.l2Norm
    let parsed: ReductionAttributes
}

struct ReduceSumSquare: SimpleReduction {
    static let opType = "ReduceSumSquare"
    static let kind = ReduceParameters.Kind.sumSquare
    let parsed: ReductionAttributes
}

struct ReduceLogSum: SimpleReduction {
    static let opType = "ReduceLogSum"
    static let kind = ReduceParameters.Kind.logSum
    let parsed: ReductionAttributes
}

struct ReduceLogSumExp: SimpleReduction {
    static let opType = "ReduceLogSumExp"
    static let kind = ReduceParameters.Kind.logSumExp
    let parsed: ReductionAttributes
}
