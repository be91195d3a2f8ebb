// Backends repack constant matrices at compile time so their kernels read
// them along the other axis. Both backends repack Gemm's transposed B this
// way: one function makes the bytes, so they are equal and the weights blob
// stores them once for a model built for the CPU and Vulkan.

extension Array where Element == Float {
    /// This row-major `rows` × `columns` matrix as the row-major `columns` × `rows` one.
    func transposed(rows: Int, columns: Int) -> [Float] {
        precondition(
            rows * columns == count, "a \(rows) × \(columns) matrix has \(rows * columns) elements, not \(count)")
        var result = [Float](repeating: 0, count: count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = self[row * columns + column] }
        }
        return result
    }
}
