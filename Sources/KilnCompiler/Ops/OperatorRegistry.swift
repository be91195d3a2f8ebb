// The one list of ONNX ops Kiln compiles. Everything else (the supported-op
// list in errors and docs, the registry test) is derived from it.

/// Every op definition, by ONNX op type.
public enum OperatorRegistry {
    /// The op definitions, one per supported ONNX op type.
    static let operators: [any Operator.Type] = [
        // Math
        Add.self, Sub.self, Mul.self, Div.self, Pow.self, Sum.self, Mean.self, Max.self, Min.self, Gemm.self,
        MatMul.self,
        Relu.self, LeakyRelu.self, Sigmoid.self, Tanh.self, Clip.self,
        Abs.self, Neg.self, Sign.self, Floor.self, Ceil.self, Round.self, Reciprocal.self, Sqrt.self, Exp.self,
        Log.self, Erf.self, IsNaN.self, IsInf.self, BitwiseAnd.self, BitwiseOr.self, BitwiseXor.self, BitwiseNot.self,
        BitShift.self, Mod.self, Einsum.self, Sin.self, Cos.self, Tan.self, Asin.self, Acos.self, Atan.self, Sinh.self, Cosh.self,
        Asinh.self, Acosh.self, Atanh.self, CumSum.self, CumProd.self,
        // NN
        Conv.self, MaxPool.self, AveragePool.self, GlobalAveragePool.self, BatchNormalization.self, Softmax.self,
        Dropout.self, Elu.self, Selu.self, Celu.self, HardSigmoid.self, HardSwish.self, Softplus.self, Softsign.self,
        ThresholdedRelu.self, Mish.self, Gelu.self, Shrink.self, PRelu.self, LayerNormalization.self, LogSoftmax.self,
        InstanceNormalization.self, LRN.self, RMSNormalization.self, Attention.self, Hardmax.self,
        LpNormalization.self, GlobalMaxPool.self, GlobalLpPool.self, ConvTranspose.self, RNN.self, GRU.self, LSTM.self,
        Swish.self, LpPool.self, NegativeLogLikelihoodLoss.self,
        SoftmaxCrossEntropyLoss.self, SwiGLU.self, MeanVarianceNormalization.self, GroupNormalization.self, RotaryEmbedding.self, CausalConvWithState.self,
        LinearAttention.self, AffineGrid.self, GridSample.self, Col2Im.self, MaxUnpool.self,
        // Tensor
        Identity.self, Constant.self, ShapeOf.self, Gather.self, Squeeze.self, Unsqueeze.self, Reshape.self,
        Flatten.self, Transpose.self, Concat.self, Cast.self, ConstantOfShape.self, Slice.self, Split.self,
        GatherElements.self, CastLike.self, Size.self, RangeSequence.self, EyeLike.self, Expand.self, Tile.self, DepthToSpace.self,
        SpaceToDepth.self, Pad.self, Trilu.self, Resize.self, Upsample.self, OneHot.self, TopK.self, CenterCropPad.self, Unique.self, NonZero.self, ScatterElements.self,
        Scatter.self, ScatterND.self, GatherND.self, Compress.self, ReverseSequence.self, BitCast.self,
        HannWindow.self, HammingWindow.self, BlackmanWindow.self,
        // Logic
        Equal.self, Less.self, LessOrEqual.self, Greater.self, GreaterOrEqual.self, And.self, Or.self, Xor.self,
        Not.self, Where.self,
        // Quantize
        QuantizeLinear.self, DequantizeLinear.self, DynamicQuantizeLinear.self, MatMulInteger.self, QLinearMatMul.self,
        ConvInteger.self, QLinearConv.self,
        // Reduce
        ArgMax.self, ArgMin.self, ReduceSum.self, ReduceMean.self, ReduceMax.self, ReduceMin.self, ReduceProd.self,
        ReduceL1.self, ReduceL2.self, ReduceSumSquare.self, ReduceLogSum.self, ReduceLogSumExp.self,
    ]

    static let byOpType: [String: any Operator.Type] = Dictionary(
        uniqueKeysWithValues: operators.map { ($0.opType, $0) })

    /// The supported ONNX op types, sorted.
    public static var opTypes: [String] { operators.map { $0.opType }.sorted() }

    /// The definition of `opType` in `domain`, if Kiln supports it.
    public static func definition(opType: String, domain: String) -> (any Operator.Type)? {
        guard domain.isEmpty || domain == "ai.onnx" else { return nil }
        return byOpType[opType]
    }
}
