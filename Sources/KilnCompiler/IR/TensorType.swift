// A value's static type: element type and a fully known shape.

/// The type of a tensor value: all dimensions are known at compile time.
public struct TensorType: Sendable, Equatable, CustomStringConvertible {
    public var dtype: DType
    public var shape: [Int]

    public init(_ dtype: DType, _ shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    public var rank: Int { shape.count }
    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    /// Row-major strides in elements.
    public var strides: [Int] { Shape.strides(of: shape) }

    public var description: String { "\(dtype)[\(shape.map(String.init).joined(separator: ","))]" }
}

/// Shape arithmetic shared by inference, folding and kernels.
public enum Shape {
    /// The largest tensor Kiln accepts, in elements: far above any real
    /// model, low enough that byte counts and offsets never overflow.
    public static let maxElements = 1 << 34

    /// The element count, or nil when a dimension is negative or the count
    /// exceeds `maxElements` (model files can claim any sizes).
    public static func checkedElementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0, dim <= maxElements else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= maxElements else { return nil }
            count = product
        }
        return count
    }

    /// Row-major strides in elements.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// NumPy-style broadcast of several shapes, or nil when they are incompatible.
    public static func broadcast(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, dim) in shape.enumerated() {
                let current = result[offset + axis]
                if current == dim || dim == 1 { continue }
                if current == 1 { result[offset + axis] = dim } else { return nil }
            }
        }
        return result
    }

    /// Strides (in elements) for reading a tensor of `shape` broadcast to
    /// `target`: broadcast axes get stride 0.
    public static func broadcastStrides(from shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let offset = target.count - shape.count
        return target.indices.map { axis in
            let source = axis - offset
            guard source >= 0, shape[source] != 1 else { return 0 }
            return own[source]
        }
    }

    /// Calls `body(row, bases)` for each row of `shape` (one index of every
    /// axis but the last) in row-major order, `bases[k]` being the element
    /// offset of the row's first element under `strides[k]`, counted from
    /// `start[k]`. The walk behind folds that stay linear in time and memory.
    public static func forEachRow(of shape: [Int], strides: [[Int]], start: [Int], _ body: (Int, [Int]) -> Void) {
        let rows = shape.dropLast().reduce(1, *)
        guard rows > 0, shape.last != 0 else { return }
        var coordinate = [Int](repeating: 0, count: Swift.max(shape.count - 1, 0))
        var bases = start
        for row in 0..<rows {
            body(row, bases)
            for axis in coordinate.indices.reversed() {
                coordinate[axis] += 1
                for k in bases.indices { bases[k] += strides[k][axis] }
                if coordinate[axis] < shape[axis] { break }
                for k in bases.indices { bases[k] -= strides[k][axis] * shape[axis] }
                coordinate[axis] = 0
            }
        }
    }

    /// For every element of `shape` in row-major order, its element offset
    /// under each of `strides` (one array per stride set).
    public static func offsets(of shape: [Int], strides: [[Int]]) -> [[Int]] {
        let count = shape.reduce(1, *)
        var result = strides.map { _ in [Int](repeating: 0, count: count) }
        var coordinate = [Int](repeating: 0, count: shape.count)
        for flat in 0..<count {
            for (set, setStrides) in strides.enumerated() {
                var offset = 0
                for axis in shape.indices { offset += coordinate[axis] * setStrides[axis] }
                result[set][flat] = offset
            }
            var axis = shape.count - 1
            while axis >= 0 {
                coordinate[axis] += 1
                if coordinate[axis] < shape[axis] { break }
                coordinate[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// `shape` seen as [outer, length, inner] around `axis`: the product of
    /// the axes before it, its own size, the product of those after it.
    public static func split(_ shape: [Int], around axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Normalises a possibly negative axis, or nil when out of range.
    public static func normalize(axis: Int, rank: Int) -> Int? {
        let value = axis < 0 ? axis + rank : axis
        return (0..<max(rank, 1)).contains(value) || (rank == 0 && value == 0) ? value : nil
    }
}
