// Chooses the kernel for each node.

/// Maps a node to its kernel plan (nil when the node needs no code).
enum KernelLowering {
    static func lower(_ context: KernelContext) throws -> KernelPlan? {
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
            return try Convolution.conv(context)
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
