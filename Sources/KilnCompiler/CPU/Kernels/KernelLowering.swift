// Chooses the kernel for each node.

/// Maps a node to its kernels, run in order (none when the node needs no code).
enum KernelLowering {
    /// Float elements of arena scratch a node's kernels need (0 for none);
    /// the memory planner reserves them for the node's duration.
    static func scratchElements(_ node: Node, in graph: Graph, target: TargetSelection) -> Int {
        switch node.opType {
        case "Conv": Convolution.scratchElements(node, in: graph, vectorWidth: target.vectorWidth)
        case "MaxPool", "AveragePool": Pooling.scratchElements(node, in: graph)
        default: 0
        }
    }

    static func lower(_ context: KernelContext) throws -> [KernelPlan] {
        if context.node.opType == "Conv" { return try Convolution.lower(context) }
        return try single(context).map { [$0] } ?? []
    }

    private static func single(_ context: KernelContext) throws -> KernelPlan? {
        let node = context.node
        switch node.opType {
        case "Add", "Sub", "Mul", "Div":
            return Elementwise.binary(context)
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip":
            guard let activation = context.graph.activation(of: node) else { return nil }
            return Elementwise.activation(context, activation)
        case "BatchNormalization":
            return Elementwise.batchNormalization(context)
        case Graph.copyOp:
            return Elementwise.copy(context)
        case "Gemm":
            return MatrixMultiply.gemm(context)
        case "MatMul":
            return MatrixMultiply.matMul(context)
        case "Conv":
            return nil
        case "MaxPool", "AveragePool":
            return try Pooling.pool(context)
        case "GlobalAveragePool":
            return Pooling.globalAverage(context)
        case "Softmax":
            return Softmax.softmax(context)
        case "Reshape", "Flatten":
            return DataMovement.view(context)
        case "Transpose":
            return DataMovement.transpose(context)
        case "Concat":
            return DataMovement.concat(context)
        default:
            throw CompileError(
                .unsupportedOp, at: context.location, "internal error: no CPU kernel for op '\(node.opType)'")
        }
    }
}
