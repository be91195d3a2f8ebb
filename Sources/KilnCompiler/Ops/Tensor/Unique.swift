// Unique and NonZero: their result sizes depend on the input's values, so
// Kiln computes them at compile time, from a constant input (an
// initializer, folded shape arithmetic, or a graph input a config fixes);
// an input computed at run time is refused, naming it.

/// Unique: the distinct elements (or slices along `axis`), sorted or in
/// order of first appearance, with their first indices, each element's
/// position among them, and their counts.
struct Unique: Operator {
    static let opType = "Unique"
    let axis: Int?
    let sorted: Bool

    init(_ attributes: AttributeReader) throws {
        axis = attributes.has("axis") ? try attributes.int("axis", default: 0) : nil
        sorted = try attributes.flag("sorted", default: true)
    }

    func results(_ inputs: OpInputs) throws -> [TensorData] {
        let x = try inputs.requireConstant(0, "input X")
        var axis = 0
        var shape = [x.elementCount]
        if let requested = self.axis {
            guard x.shape.count > 0, let normalized = Shape.normalize(axis: requested, rank: x.shape.count) else {
                throw inputs.error(.invalidAttribute, "axis \(requested) is out of range for \(x.shape)")
            }
            axis = normalized
            shape = x.shape
        }
        let (outer, length, inner) = Shape.split(shape, around: axis)
        // Slice i along the axis, as comparable keys (exact for every type).
        let keys: [[Double]] = x.dtype.isFloatingPoint ? sliceKeys(x.doubles, outer, length, inner) : []
        let integerKeys: [[Int64]] = x.dtype.isFloatingPoint ? [] : sliceKeys(x.int64s, outer, length, inner)
        func less(_ a: Int, _ b: Int) -> Bool {
            x.dtype.isFloatingPoint ? keys[a].lexicographicallyPrecedes(keys[b]) : integerKeys[a].lexicographicallyPrecedes(integerKeys[b])
        }
        func same(_ a: Int, _ b: Int) -> Bool { x.dtype.isFloatingPoint ? keys[a] == keys[b] : integerKeys[a] == integerKeys[b] }
        // First occurrences, in order of appearance.
        var firsts: [Int] = []
        var inverse: [Int] = []
        for slice in 0..<length {
            if let found = firsts.firstIndex(where: { same($0, slice) }) {
                inverse.append(found)
            } else {
                inverse.append(firsts.count)
                firsts.append(slice)
            }
        }
        var order = Array(firsts.indices)
        if sorted { order.sort { less(firsts[$0], firsts[$1]) } }
        var rank = Array(repeating: 0, count: firsts.count)
        for (position, original) in order.enumerated() { rank[original] = position }
        let kept = order.map { firsts[$0] }
        var sources: [Int] = []
        for o in 0..<outer {
            for slice in kept { sources.append(contentsOf: ((o * length + slice) * inner)..<((o * length + slice + 1) * inner)) }
        }
        var yShape = shape
        yShape[axis] = kept.count
        let counts = order.map { original in inverse.filter { $0 == original }.count }
        return [
            x.picking(sources, shape: yShape),
            TensorData(shape: [kept.count], int64s: kept.map { Int64($0) }),
            TensorData(shape: [length], int64s: inverse.map { Int64(rank[$0]) }),
            TensorData(shape: [kept.count], int64s: counts.map { Int64($0) }),
        ]
    }

    /// The elements of each slice along the axis (all blocks before it, in order).
    private func sliceKeys<T>(_ values: [T], _ outer: Int, _ length: Int, _ inner: Int) -> [[T]] {
        var keys: [[T]] = []
        for slice in 0..<length {
            var key: [T] = []
            for o in 0..<outer {
                let start = (o * length + slice) * inner
                key.append(contentsOf: values[start..<(start + inner)])
            }
            keys.append(key)
        }
        return keys
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        Array(try results(inputs).map(\.type).prefix(inputs.outputCount))
    }

    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { Array(try results(inputs).prefix(inputs.outputCount)) }

    func lower(_ inputs: OpInputs) throws -> Lowering { try constantOnly(inputs) }
}

/// NonZero: the int64 coordinates ([rank, count]) of the nonzero elements, in row-major order.
struct NonZero: Operator {
    static let opType = "NonZero"
    init(_ attributes: AttributeReader) throws {}

    func result(_ inputs: OpInputs) throws -> TensorData {
        let x = try inputs.requireConstant(0, "input X")
        let nonzero = x.doubles.enumerated().filter { $0.element != 0 }.map(\.offset)
        let strides = Shape.strides(of: x.shape)
        var coordinates: [Int64] = []
        for dimension in x.shape.indices {
            coordinates += nonzero.map { Int64($0 / strides[dimension] % x.shape[dimension]) }
        }
        return TensorData(shape: [x.shape.count, nonzero.count], int64s: coordinates)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] { [try result(inputs).type] }
    func evaluate(_ inputs: OpInputs) throws -> [TensorData]? { [try result(inputs)] }
    func lower(_ inputs: OpInputs) throws -> Lowering { try constantOnly(inputs) }
}
