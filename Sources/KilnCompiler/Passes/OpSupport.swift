// Which ONNX ops Kiln compiles, and the check that reports every other op at once.

/// The op set Kiln accepts.
public enum OpSupport {
    /// Ops lowered to CPU kernels (or removed by canonicalisation).
    public static let computeOps: Set<String> = [
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Softmax",
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape",
        "Transpose", "Concat", "Constant", "Identity", "Dropout",
    ]

    /// Ops accepted only when constant folding removes them (shape arithmetic).
    public static let foldOnlyOps: Set<String> = [
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "ConstantOfShape",
    ]

    /// Throws one error listing every node whose op Kiln does not support.
    public static func check(_ graph: Graph) throws {
        var errors: [CompileError] = []
        for node in graph.nodes {
            let domain = node.domain
            if !(domain.isEmpty || domain == "ai.onnx") {
                errors.append(
                    CompileError(
                        .unsupportedOp, at: graph.location(of: node),
                        "op '\(domain).\(node.opType)' is from a custom domain, which Kiln does not support"))
            } else if !computeOps.contains(node.opType) && !foldOnlyOps.contains(node.opType) {
                errors.append(
                    CompileError(
                        .unsupportedOp, at: graph.location(of: node),
                        "op '\(node.opType)' is not supported; supported ops: "
                            + computeOps.union(foldOnlyOps).sorted().joined(separator: ", ")))
            }
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw CompileErrors(errors) }
    }
}
