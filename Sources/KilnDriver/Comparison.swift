// Compares computed tensors with reference tensors under a stated tolerance.

/// The result of comparing one tensor with its reference.
public struct Comparison: Sendable, CustomStringConvertible {
    public var name: String
    public var maxAbsoluteError: Float
    /// Elements outside |a − e| ≤ atol + rtol·|e|.
    public var mismatches: Int
    public var count: Int

    public var passed: Bool { mismatches == 0 }

    /// Compares element by element; a count or shape difference is a failure.
    public init(
        name: String, actual: some Collection<Float>, expected: [Float], absolute: Float = 1e-4, relative: Float = 1e-4
    ) {
        self.name = name
        count = expected.count
        guard actual.count == expected.count else {
            maxAbsoluteError = .infinity
            mismatches = max(expected.count, 1)
            return
        }
        var worst: Float = 0
        var bad = 0
        for (a, e) in zip(actual, expected) {
            let error = abs(a - e)
            if !(error <= absolute + relative * abs(e)) { bad += 1 }
            if error > worst || error.isNaN { worst = error.isNaN ? .infinity : error }
        }
        maxAbsoluteError = worst
        mismatches = bad
    }

    public var description: String {
        "\(name): \(passed ? "ok" : "MISMATCH") (\(mismatches)/\(count) outside tolerance, max |error| \(maxAbsoluteError))"
    }
}
