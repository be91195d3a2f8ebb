// How much arithmetic a node does, roughly: enough for a worker pool to tell
// a kernel worth splitting across cores (a convolution) from one where waking
// the workers would cost more than it saves (a bias add on ten numbers).

extension Node {
    /// Estimated scalar operations (multiply-adds count as two) of one run.
    /// Memory-bound operations count one per element read or written.
    public func estimatedOperations(in graph: Graph) -> Int {
        let outputElements = outputs.reduce(0) { $0 &+ graph.type(of: $1).elementCount }
        let inputElements = inputs.reduce(0) { total, input in total &+ (input.map { graph.type(of: $0).elementCount } ?? 0) }
        let elements = Swift.max(outputElements, inputElements, 1)
        // The reduction length behind each output element of a contraction.
        let reduction: Int
        switch core {
        case .matMul, .gemm:
            let a = input(0).map { graph.type(of: $0).shape } ?? []
            let transposed = if case .gemm(let parameters)? = core { parameters.transposeA } else { false }
            reduction = (transposed ? a.dropLast().last : a.last) ?? 1
        case .convolution(let parameters):
            let channels = input(0).map { graph.type(of: $0).shape.count > 1 ? graph.type(of: $0).shape[1] : 1 } ?? 1
            let window = parameters.geometry.kernel.h &* parameters.geometry.kernel.w
            reduction =
                parameters.expansion == nil
                ? window &* channels / Swift.max(parameters.group, 1)
                // Each output also pays for the 1×1 expansion of the inputs its stride covers.
                : window &+ channels &* parameters.geometry.strides.h &* parameters.geometry.strides.w
        case .pool(let parameters):
            reduction = parameters.geometry.kernel.h &* parameters.geometry.kernel.w
        default:
            return elements
        }
        let (operations, overflow) = outputElements.multipliedReportingOverflow(by: 2 &* Swift.max(reduction, 1))
        return overflow ? Int.max : Swift.max(elements, operations)
    }
}
