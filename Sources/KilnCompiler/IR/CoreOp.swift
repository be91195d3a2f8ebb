// The closed set of operations every backend implements. Ops/ maps each
// front-end op onto these (or decomposes it into other ops); backends never
// see a front-end op name, so a new front-end op is one file in Ops/ and a
// new backend is one lowering per case here.

/// A backend core operation with its parameters fully resolved.
public enum CoreOp: Sendable, Equatable {
    /// A pointwise function of its inputs, with NumPy broadcasting.
    case elementwise(ElementwiseFunction)
    /// Y = alpha · op(A) · op(B) + beta · C (C broadcast), 2-D.
    case gemm(GemmParameters)
    /// Batched, broadcasting matrix product (rank-1 operands promoted); an
    /// optional third input adds one value per output column (a fused bias).
    case matMul
    /// 2-D convolution over NCHW: X, W [, bias].
    case convolution(ConvolutionParameters)
    /// 2-D max or average pooling over NCHW.
    case pool(PoolParameters)
    /// Mean over every axis after the first two.
    case globalAveragePool
    /// Normalised exponentials along one axis (or the flattened trailing axes).
    case softmax(SoftmaxParameters)
    /// (x − mean) / √(variance + epsilon) · scale (+ bias) over the axes from
    /// `axis` on, flattened: X, scale [, bias], the parameters holding one
    /// value per normalised element.
    case layerNormalization(axis: Int, epsilon: Float)
    /// Output axis i is input axis `permutation[i]`.
    case transpose(permutation: [Int])
    /// Inputs joined along `axis`.
    case concat(axis: Int)
    /// A reduction over some axes (sum, mean, max, …).
    case reduce(ReduceParameters)
    /// The `k` largest (or smallest) elements along `axis`, sorted, ties in
    /// index order: output 0 their values, output 1 their int64 indices.
    case topK(axis: Int, k: Int, largest: Bool)
    /// Slices of input 0 named by the index tuples on input 1's last axis
    /// (GatherND with batch_dims 0); a tuple outside input 0 gives zeros.
    case gatherND
    /// A copy of input 0 with the elements input 1 (integer indices, input 0's
    /// rank) points at along `axis` combined with input 2 (ScatterElements).
    case scatterElements(axis: Int, reduction: ScatterReduction)
    /// A copy of input 0 with the slices input 1's index tuples (its last
    /// axis) point at combined with input 2 (ScatterND).
    case scatterND(reduction: ScatterReduction)
    /// Running sums or products along an axis (CumSum, CumProd).
    case cumulative(CumulativeParameters)
    /// Index of the largest (or smallest) element along an axis, as int64.
    case argExtreme(ArgExtremeParameters)
    /// Slices of input 0 along `axis` picked by the integer indices in input 1
    /// (negative ones count from the end; out-of-range ones give zeros).
    case gather(axis: Int)
    /// output[…, i, …] = input 0[…, indices[…, i, …], …] along `axis`: input 1
    /// (integer indices, input 0's rank) picks one element per output element.
    case gatherElements(axis: Int)
    /// output[i₀, i₁, …] = input[offset + Σ iₖ·strides[k]] (element units):
    /// slices (any step, negative included) and broadcasts (stride 0).
    case stridedCopy(offset: Int, strides: [Int])
    /// The output is the input's bytes under another shape: no code when
    /// the memory planner aliases the two, a copy when it cannot.
    case view

    /// Whether an elementwise activation can run in this op's epilogue,
    /// while its result is still in registers.
    public var acceptsEpilogue: Bool {
        switch self {
        case .elementwise(.binary), .elementwise(.channelAffine), .gemm, .matMul, .convolution: true
        default: false
        }
    }
}

/// A pointwise function.
public enum ElementwiseFunction: Sendable, Equatable {
    case binary(BinaryOperator)
    case activation(Activation)
    /// `x × scale[c] + shift[c]` along axis 1 (inference batch normalisation).
    case channelAffine(scale: [Float], shift: [Float])
    /// The input, copied.
    case copy
    /// The input converted to another element type (see `KernelBuilder.convert`).
    case cast(to: DType, conversion: FloatConversion = FloatConversion())
    /// A comparison of two operands, giving bool.
    case compare(ComparisonOperator)
    /// Bool logic on two operands.
    case logical(LogicalOperator)
    /// Bool negation.
    case not
    /// `condition ? a : b` over three operands (condition bool).
    case select
    /// A pointwise formula over the operands: how unary math and most
    /// activations reach backends without a kernel of their own.
    case expression(Expression)
    /// Several float32 formulas run in order (fused nodes): in step `i`,
    /// operand `k` is input `k` below the input count and otherwise the
    /// result of step `k − inputCount`; the last step is the result.
    case fused(steps: [Expression])
}

/// A pointwise formula over a node's (broadcast) operands, computed in the
/// compute type of operand 0.
public indirect enum Expression: Sendable, Equatable {
    case operand(Int)
    case constant(Double)
    case unary(UnaryFunction, Expression)
    case binary(BinaryOperator, Expression, Expression)
    /// A comparison; its bool result is only used by `select` or as the whole result.
    case compare(ComparisonOperator, Expression, Expression)
    case select(Expression, Expression, Expression)
}

/// Functions of one value.
public enum UnaryFunction: Sendable, Equatable, CaseIterable {
    case abs, negate, floor, ceil, roundToEven, sign, reciprocal, squareRoot, bitwiseNot
    case exp, log, erf, tanh, sigmoid
    case sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh
    /// Tests of a float value, giving bool.
    case isNaN, isPositiveInfinity, isNegativeInfinity
}

/// Comparisons of two operands.
public enum ComparisonOperator: Sendable, Equatable, CaseIterable {
    case equal, less, lessOrEqual, greater, greaterOrEqual
}

/// Bool logic on two operands.
public enum LogicalOperator: Sendable, Equatable, CaseIterable {
    case and, or, xor
}

/// Parameters of a reduction.
public struct ReduceParameters: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CaseIterable {
        case sum, mean, maximum, minimum, product
        /// Σ|x|, √Σx², Σx², ln Σx, ln Σeˣ.
        case sumAbsolute, l2Norm, sumSquare, logSum, logSumExp
    }
    public var kind: Kind
    /// The reduced axes, normalised and sorted (empty: nothing is reduced).
    public var axes: [Int]
    public var keepsDimensions: Bool

    public init(kind: Kind, axes: [Int], keepsDimensions: Bool) {
        self.kind = kind
        self.axes = axes
        self.keepsDimensions = keepsDimensions
    }
}

/// How a scatter combines an update with the element it lands on; updates
/// apply in index order, so with `none` the last of duplicates wins.
public enum ScatterReduction: String, Sendable, Equatable, CaseIterable {
    case none, add, mul, max, min

    /// The operator folding an update into the element it lands on (the
    /// existing element first); nil for `none`, where the update replaces it.
    public var combiningOperator: BinaryOperator? {
        switch self {
        case .none: nil
        case .add: .add
        case .mul: .multiply
        case .max: .maximum
        case .min: .minimum
        }
    }
}

/// Parameters of a running sum or product.
public struct CumulativeParameters: Sendable, Equatable {
    public var isProduct: Bool
    public var axis: Int
    /// Each output leaves out its own element (the first output is the identity).
    public var exclusive: Bool
    /// Runs from the end of the axis to its start.
    public var reverse: Bool

    public init(isProduct: Bool, axis: Int, exclusive: Bool, reverse: Bool) {
        self.isProduct = isProduct
        self.axis = axis
        self.exclusive = exclusive
        self.reverse = reverse
    }
}

/// Parameters of ArgMax / ArgMin.
public struct ArgExtremeParameters: Sendable, Equatable {
    public var axis: Int
    public var keepsDimension: Bool
    public var findsMaximum: Bool
    /// On ties, the last index instead of the first.
    public var selectsLastIndex: Bool

    public init(axis: Int, keepsDimension: Bool, findsMaximum: Bool, selectsLastIndex: Bool) {
        self.axis = axis
        self.keepsDimension = keepsDimension
        self.findsMaximum = findsMaximum
        self.selectsLastIndex = selectsLastIndex
    }
}

extension ArgExtremeParameters {
    /// How a candidate compares with the best so far when it takes its
    /// place: strictly, so ties keep the first index, unless
    /// `selectsLastIndex`.
    public var replacement: ComparisonOperator {
        switch (findsMaximum, selectsLastIndex) {
        case (true, false): .greater
        case (true, true): .greaterOrEqual
        case (false, false): .less
        case (false, true): .lessOrEqual
        }
    }
}

/// Arithmetic on two operands.
public enum BinaryOperator: Sendable, Equatable, CaseIterable {
    case add, subtract, multiply, divide
    /// The larger or smaller operand; NaN if either is NaN.
    case maximum, minimum
    /// Integer bit operations; shifts by the type's width or more give 0.
    case bitwiseAnd, bitwiseOr, bitwiseXor, shiftLeft, shiftRight
    /// a − b·trunc(a/b): the sign of the dividend (C's fmod and %).
    case remainder
    /// a − b·floor(a/b): the sign of the divisor (Python's %).
    /// Integer remainders and moduli by 0 give 0, as integer division does.
    case modulo
}

/// Parameters of a 2-D general matrix product.
public struct GemmParameters: Sendable, Equatable {
    public var transposeA: Bool
    public var transposeB: Bool
    public var alpha: Float
    public var beta: Float

    public init(transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float) {
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.alpha = alpha
        self.beta = beta
    }
}

/// Parameters of a 2-D convolution.
public struct ConvolutionParameters: Sendable, Equatable {
    public var geometry: WindowGeometry
    public var group: Int
    /// Set on a depthwise convolution whose input is computed inside it:
    /// the node's inputs are then X, W, B, W₁, B₁ (either bias may be
    /// empty), and the depthwise input is `activation(conv1×1(X, W₁, B₁))`,
    /// produced tile by tile so it never round-trips through memory.
    public var expansion: Expansion?

    public init(geometry: WindowGeometry, group: Int, expansion: Expansion? = nil) {
        self.geometry = geometry
        self.group = group
        self.expansion = expansion
    }

    /// The 1×1 convolution (stride 1, no padding, one group) fused in front
    /// of a depthwise convolution: MobileNet's expand → depthwise pair.
    public struct Expansion: Sendable, Equatable {
        /// Applied to the 1×1 convolution's result before the depthwise taps.
        public var activation: Activation?

        public init(activation: Activation?) { self.activation = activation }
    }
}

/// Parameters of a 2-D pooling window.
public struct PoolParameters: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case max, average }
    public var kind: Kind
    public var geometry: WindowGeometry
    /// Average pooling: whether padded positions count in the divisor.
    public var countIncludesPadding: Bool

    public init(kind: Kind, geometry: WindowGeometry, countIncludesPadding: Bool) {
        self.kind = kind
        self.geometry = geometry
        self.countIncludesPadding = countIncludesPadding
    }
}

/// Parameters of a softmax.
public struct SoftmaxParameters: Sendable, Equatable {
    /// The (normalised) axis.
    public var axis: Int
    /// Normalise over all axes from `axis` on as one (the rule before opset 13).
    public var flattensTrailingAxes: Bool

    public init(axis: Int, flattensTrailingAxes: Bool) {
        self.axis = axis
        self.flattensTrailingAxes = flattensTrailingAxes
    }
}

extension CoreOp: CustomStringConvertible {
    /// A short name for tools (`kilnc inspect`, profiles).
    public var description: String {
        switch self {
        case .elementwise(let function):
            switch function {
            case .binary(let op): "elementwise \(op)"
            case .activation(let activation): "elementwise \(activation)"
            case .channelAffine: "elementwise channel affine"
            case .copy: "copy"
            case .cast(let target, _): "cast to \(target)"
            case .compare(let op): "compare \(op)"
            case .logical(let op): "logical \(op)"
            case .not: "logical not"
            case .select: "select"
            case .expression: "elementwise expression"
            case .fused(let steps): "elementwise fused (\(steps.count) steps)"
            }
        case .gemm: "gemm"
        case .matMul: "matmul"
        case .convolution(let p):
            (p.expansion.map { "1×1 expansion\($0.activation.map { " + \($0)" } ?? "") then " } ?? "")
                + "convolution \(p.geometry.kernel.h)×\(p.geometry.kernel.w)/\(p.geometry.strides.h) group \(p.group)"
        case .pool(let p): "\(p.kind) pool \(p.geometry.kernel.h)×\(p.geometry.kernel.w)/\(p.geometry.strides.h)"
        case .globalAveragePool: "global average pool"
        case .softmax(let p): "softmax axis \(p.axis)"
        case .layerNormalization(let axis, _): "layer normalization from axis \(axis)"
        case .transpose(let permutation): "transpose \(permutation)"
        case .concat(let axis): "concat axis \(axis)"
        case .argExtreme(let p): "\(p.findsMaximum ? "argmax" : "argmin") axis \(p.axis)"
        case .reduce(let p): "reduce \(p.kind) axes \(p.axes)"
        case .topK(let axis, let k, let largest): "top \(k) \(largest ? "largest" : "smallest") axis \(axis)"
        case .gatherND: "gather nd"
        case .scatterElements(let axis, let reduction): "scatter elements axis \(axis) \(reduction)"
        case .scatterND(let reduction): "scatter nd \(reduction)"
        case .cumulative(let p): "cumulative \(p.isProduct ? "product" : "sum") axis \(p.axis)"
        case .stridedCopy: "strided copy"
        case .gather(let axis): "gather axis \(axis)"
        case .gatherElements(let axis): "gather elements axis \(axis)"
        case .view: "view"
        }
    }
}
