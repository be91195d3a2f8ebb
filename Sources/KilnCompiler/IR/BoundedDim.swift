// Bounded dynamic dimensions. A model is compiled once, at the bound; each
// call then chooses the extent. This is sound only when the dimension
// indexes independent items (a batch): every value that depends on it holds
// its items as contiguous blocks in item order (``ItemLayout``), and no
// computation mixes items. Kernels over such values may then stop after the
// blocks of the current extent, and the rest of the arena is never read.

/// A symbolic dimension whose extent each call chooses, up to `bound`.
public struct BoundedDim: Sendable, Equatable {
    /// The ONNX `dim_param` name.
    public var name: String
    /// The largest extent; the arena and every kernel are sized for it.
    public var bound: Int

    public init(name: String, bound: Int) {
        self.name = name
        self.bound = bound
    }
}

/// How a value's elements depend on the bounded dimension: axis `axis` has
/// `bound × multiplicity` entries, every axis before it has one, so item i
/// is the contiguous block of `multiplicity` consecutive entries of that
/// axis starting at `i × multiplicity` (a reshape may merge an item's rows
/// into the axis, e.g. [batch, 3, 4] → [batch·3, 4]).
public struct ItemLayout: Sendable, Equatable {
    public var axis: Int
    public var multiplicity: Int

    public init(axis: Int, multiplicity: Int = 1) {
        self.axis = axis
        self.multiplicity = multiplicity
    }

    /// The layout of a value of `shape` whose item axis is `axis`, when every
    /// earlier axis is 1 and the axis holds whole items; nil otherwise.
    static func of(shape: [Int], axis: Int, bound: Int) -> ItemLayout? {
        guard axis >= 0, axis < shape.count, shape[..<axis].allSatisfy({ $0 == 1 }),
            shape[axis] > 0, shape[axis] % bound == 0
        else { return nil }
        return ItemLayout(axis: axis, multiplicity: shape[axis] / bound)
    }

    /// The layout of a value of `shape` holding `bound` contiguous items in
    /// order (any reshape of an item-major value): the first axis that is
    /// not 1 must hold whole items.
    static func contiguous(shape: [Int], bound: Int) -> ItemLayout? {
        guard let axis = shape.firstIndex(where: { $0 != 1 }) else { return bound == 1 ? ItemLayout(axis: 0) : nil }
        return of(shape: shape, axis: axis, bound: bound)
    }
}

extension Graph {
    /// The bound of the bounded dim whose items `id` holds outermost and in
    /// order, when it is above 1 (so a call below it needs only the first
    /// items of `id`); nil otherwise.
    func itemBound(of id: ValueID) -> Int? {
        guard itemLayouts[id] != nil, let bound = boundedDims.first?.bound, bound > 1 else { return nil }
        return bound
    }
}
