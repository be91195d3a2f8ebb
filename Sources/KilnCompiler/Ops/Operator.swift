// What every front-end op defines, in one place: its attributes parsed once
// (opset differences resolved), its type rule, its evaluation on constants,
// and its lowering to backend core operations.

/// One ONNX op. Each conforming type lives in its own file under Ops/ and is
/// listed in ``OperatorRegistry``; nothing else in the compiler matches op names.
public protocol Operator: Sendable {
    /// The ONNX op type this definition handles, e.g. `Conv`.
    static var opType: String { get }

    /// Parses and checks the node's attributes, resolving opset differences.
    init(_ attributes: AttributeReader) throws

    /// The result types, given the node's inputs (types always, constants
    /// where known). Throws naming the node when the inputs do not fit.
    func inferTypes(_ inputs: OpInputs) throws -> [TensorType]

    /// The results when they can be computed now, or nil when the node must
    /// run at run time. Every op that appears in shape arithmetic folds.
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]?

    /// What the node computes at run time, after folding.
    func lower(_ inputs: OpInputs) throws -> Lowering

    /// Whether the op reads only its inputs' (static) shapes, never their
    /// values (Shape, Size): its result never depends on a graph input's value.
    static var readsOnlyShapes: Bool { get }
}

extension Operator {
    public func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { nil }
    public static var readsOnlyShapes: Bool { false }
}

/// How a node is carried out at run time.
public enum Lowering: Sendable {
    /// One backend core operation over the node's inputs and outputs.
    case core(CoreOp)
    /// No computation: each output is one of the node's inputs or a constant
    /// (Identity, inference-mode Dropout and its all-true mask).
    case replace([Replacement])
    /// Rewritten as other ops, which are then resolved, typed, folded and
    /// lowered in turn (how an op with no core operation of its own is built).
    case decompose(Decomposition)

    public enum Replacement: Sendable {
        case input(Int)
        case constant(TensorData)
    }
}

/// A node rewritten as a sequence of other ops.
public struct Decomposition: Sendable {
    /// Where a step reads an operand from.
    public enum Operand: Sendable {
        /// Input `position` of the node being decomposed.
        case input(Int)
        /// Output `output` of an earlier step.
        case step(Int, output: Int = 0)
        case constant(TensorData)

        /// A constant 1-D int64 tensor: the axes, shapes and indices steps take as inputs.
        public static func int64s(_ values: [Int]) -> Operand {
            .constant(TensorData(shape: [values.count], int64s: values.map { Int64($0) }))
        }
    }

    /// One op of the rewrite.
    public struct Step: Sendable {
        public var opType: String
        public var inputs: [Operand]
        public var attributes: [String: Attribute]
        public var outputCount: Int

        public init(_ opType: String, _ inputs: [Operand], attributes: [String: Attribute] = [:], outputCount: Int = 1) {
            self.opType = opType
            self.inputs = inputs
            self.attributes = attributes
            self.outputCount = outputCount
        }
    }

    public var steps: [Step]
    /// Where each of the node's outputs comes from.
    public var outputs: [Operand]

    public init(steps: [Step], outputs: [Operand]) {
        self.steps = steps
        self.outputs = outputs
    }
}

/// A node's inputs as an op sees them.
public struct OpInputs: Sendable {
    /// Types of the inputs (nil: an absent optional input).
    public var types: [TensorType?]
    /// Constant contents, where the input is a compile-time constant.
    public var constants: [TensorData?]
    /// How many outputs the node declares.
    public var outputCount: Int
    /// Where the node is, for errors.
    public var location: SourceLocation
    /// The graph inputs that input `position` is (`direct`) or is computed
    /// from, so errors can say which to fix. Asked only when an error needs
    /// them: it walks the graph, work no successful compile should pay for.
    public var graphInputSources: (@Sendable (Int) -> (names: [String], direct: Bool))? = nil

    public var count: Int { types.count }

    /// The type of required input `position`.
    public func type(_ position: Int) throws -> TensorType {
        guard position < types.count, let type = types[position] else {
            throw CompileError(.malformedModel, at: location, "missing required input \(position)")
        }
        return type
    }

    /// Whether optional input `position` is present.
    public func has(_ position: Int) -> Bool { position < types.count && types[position] != nil }

    /// The constant value of input `position`, if it is one.
    public func constant(_ position: Int) -> TensorData? { position < constants.count ? constants[position] : nil }

    /// The constant value of input `position`, or an error naming it and
    /// saying it must be known at compile time.
    public func requireConstant(_ position: Int, _ what: String) throws -> TensorData {
        guard let value = constant(position) else {
            var advice = ""
            let config = ModelConfig.fileName(besideModel: location.file)
            let sources = graphInputSources?(position) ?? (names: [], direct: false)
            let names = sources.names
            if sources.direct, let name = names.first {
                advice = "; it is the graph input '\(name)': fix its value in \(config) with "
                    + "{\"constants\": {\"\(name)\": [...]}}"
            } else if !names.isEmpty {
                let listed = names.map { "'\($0)'" }.joined(separator: ", ")
                advice = "; it is computed from the graph input(s) \(listed): fix their values in \(config) "
                    + "with {\"constants\": {\"\(names[0])\": [...]}}"
            }
            throw CompileError(
                .unsupportedFeature, at: location,
                "\(what) (input \(position)) must be a compile-time constant (an initializer or a foldable "
                    + "shape computation); Kiln does not compute it at run time\(advice)")
        }
        return value
    }

    /// Every present input's constant value, or nil when one is computed at run time.
    public var allConstant: [TensorData]? {
        var values: [TensorData] = []
        for (type, constant) in zip(types, constants) where type != nil {
            guard let constant else { return nil }
            values.append(constant)
        }
        return values.isEmpty ? nil : values
    }

    /// Fails unless input `position` has one of `dtypes`.
    public func require(_ position: Int, _ what: String, in dtypes: Set<DType>) throws -> TensorType {
        let type = try type(position)
        guard dtypes.contains(type.dtype) else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "\(what) is \(type.dtype); Kiln supports \(dtypes.map(\.description).sorted().joined(separator: ", ")) here")
        }
        return type
    }

    /// Fails unless input `position` has rank `rank`.
    public func require(_ position: Int, _ what: String, rank: Int) throws -> TensorType {
        let type = try type(position)
        guard type.rank == rank else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "\(what) has shape \(type.shape); Kiln supports only rank-\(rank) tensors here")
        }
        return type
    }

    /// An error about this node.
    public func error(_ kind: CompileError.Kind, _ message: String) -> CompileError {
        CompileError(kind, at: location, message)
    }
}
