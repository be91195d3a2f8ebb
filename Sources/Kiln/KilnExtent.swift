// Input and output access by item, for models with a bounded dim: what the
// generated `predict` uses to choose the extent from a count and to move
// one sample at a time.

extension KilnModel {
    /// Sets the extent from `count` elements given for input `index`, when a
    /// bounded dim sizes it (nothing happens otherwise).
    ///
    /// - Throws: ``KilnError/itemCountMismatch(tensor:dim:elementsPerItem:bound:givenCount:)``
    ///   when `count` is no whole number of items, and
    ///   ``KilnError/extentOutOfBounds(model:dim:bound:given:)`` past the bound.
    public func setExtent(forInput index: Int, count: Int) throws(KilnError) {
        let tensor = inputs[index]
        guard tensor.boundedAxis != nil, let dim = boundedDims.first, tensor.elementCount > 0 else { return }
        let perItem = tensor.elementCount / dim.bound
        guard count > 0, count % perItem == 0 else {
            throw .itemCountMismatch(
                tensor: tensor.name, dim: dim.name, elementsPerItem: perItem, bound: dim.bound, givenCount: count)
        }
        try setExtent(count / perItem)
    }

    /// Copies one item's values into input `index` (item `item` of the
    /// current extent), checking the count.
    public func setInputItem<T: KilnElement, C: Collection>(_ index: Int, _ item: Int, _ values: C) throws(KilnError)
    where C.Element == T {
        let buffer = input(index, as: T.self)
        let size = itemSize(buffer.count, inputs[index])
        precondition(item >= 0 && (item + 1) * size <= buffer.count, "item \(item) is past the extent \(extent())")
        guard values.count == size else {
            var shape = inputs[index].shape
            if let axis = inputs[index].boundedAxis { shape[axis] = shape[axis] / (boundedDims.first?.bound ?? 1) }
            throw .shapeMismatch(tensor: inputs[index].name, expectedShape: shape, givenCount: values.count)
        }
        _ = UnsafeMutableBufferPointer(rebasing: buffer[(item * size)..<((item + 1) * size)])
            .update(fromContentsOf: values)
    }

    /// Item `item` of output `index` at the current extent, copied; the
    /// whole output when the bounded dim does not size it.
    public func outputItem<T: KilnElement>(_ index: Int, _ item: Int, as type: T.Type) -> [T] {
        let buffer = output(index, as: type)
        let size = itemSize(buffer.count, outputs[index])
        guard outputs[index].boundedAxis != nil else { return Array(buffer) }
        precondition(item >= 0 && (item + 1) * size <= buffer.count, "item \(item) is past the extent \(extent())")
        return Array(buffer[(item * size)..<((item + 1) * size)])
    }

    /// Elements per item of a tensor holding `count` at the current extent.
    private func itemSize(_ count: Int, _ tensor: TensorInfo) -> Int {
        tensor.boundedAxis == nil ? count : count / Swift.max(extent(), 1)
    }
}
