// Moves a bias Add into the matrix product that feeds it: the product's
// accumulators start from the bias instead of zero, so the sum never takes
// a separate pass over memory. Every Linear layer a framework exports for
// 3-D inputs (a transformer's projections) is MatMul then Add(bias).

extension Graph {
    /// Fuses `Add(matMul(A, B), bias)` (either operand order) into the product
    /// when the product has no other reader and `bias` holds one float32
    /// value per output column, broadcast along every other axis.
    public mutating func fuseMatMulBias() {
        let uses = useCounts()
        let producer = producerIndices()
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() {
            guard case .elementwise(.binary(.add))? = node.core, node.epilogue == nil, node.inputs.count == 2,
                let left = node.input(0), let right = node.input(1)
            else { continue }
            for (product, bias) in [(left, right), (right, left)] {
                guard let matMulIndex = producer[product], !removed.contains(matMulIndex), uses[product] == 1,
                    !outputs.contains(product), nodes[matMulIndex].core == .matMul, nodes[matMulIndex].epilogue == nil,
                    nodes[matMulIndex].inputs.count == 2, isColumnBias(bias, for: product, sum: node.outputs[0]),
                    // The product runs where it is: the bias must be ready by then.
                    producer[bias].map({ $0 < matMulIndex }) ?? true
                else { continue }
                nodes[matMulIndex].inputs.append(bias)
                nodes[matMulIndex].outputs = [node.outputs[0]]
                removed.insert(index)
                break
            }
        }
        removeNodes(at: removed)
    }

    /// Whether `bias` adds one value per column of `product` and nothing
    /// else changes: same float32 type for the product and the sum, and a
    /// bias whose only non-unit axis (if any) is the last.
    private func isColumnBias(_ bias: ValueID, for product: ValueID, sum: ValueID) -> Bool {
        let (biasType, productType) = (type(of: bias), type(of: product))
        guard productType.dtype == .float32, biasType.dtype == .float32, type(of: sum) == productType,
            let columns = productType.shape.last, biasType.rank <= productType.rank, biasType.elementCount == columns
        else { return false }
        return biasType.shape.dropLast().allSatisfy { $0 == 1 } && (biasType.shape.last ?? 1) == columns
    }
}
