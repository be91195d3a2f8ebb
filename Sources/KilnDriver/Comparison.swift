// Compares computed tensors with reference tensors: floating-point types
// under a stated tolerance, integers and bools exactly.

import KilnCompiler

/// The result of comparing one tensor with its reference.
public struct Comparison: Sendable, CustomStringConvertible {
    public var name: String
    public var maxAbsoluteError: Double
    /// Elements outside |a − e| ≤ atol + rtol·|e| (exact for integer types;
    /// for float16 and bfloat16 also within one unit in the last place of e,
    /// the rounding every half-precision intermediate result may differ by).
    public var mismatches: Int
    public var count: Int
    /// Why the tensors cannot be compared element by element, if they cannot.
    public var incompatibility: String?

    public var passed: Bool { mismatches == 0 && incompatibility == nil }

    /// Compares element by element; a dtype or shape difference is a failure.
    /// NaN matches NaN (ONNX's reference outputs contain them on purpose).
    public init(
        name: String, actual: TensorData, expected: TensorData, absolute: Double = 1e-4, relative: Double = 1e-4
    ) {
        self.name = name
        count = expected.elementCount
        maxAbsoluteError = 0
        mismatches = 0
        guard actual.dtype == expected.dtype, actual.shape == expected.shape else {
            incompatibility = "got \(actual.type), expected \(expected.type)"
            maxAbsoluteError = .infinity
            return
        }
        if !expected.dtype.isFloatingPoint {
            let (a, e) = (actual.int64s, expected.int64s)
            for (x, y) in zip(a, e) where x != y {
                mismatches += 1
                maxAbsoluteError = max(maxAbsoluteError, Double(x) - Double(y) < 0 ? Double(y) - Double(x) : Double(x) - Double(y))
            }
            return
        }
        let mantissaBits: Int? =
            switch expected.dtype {
            case .float16: 10
            case .bfloat16: 7
            default: nil
            }
        for (a, e) in zip(actual.doubles, expected.doubles) {
            if a.isNaN && e.isNaN { continue }
            if a == e { continue }  // equal infinities
            let error = abs(a - e)
            guard e.isFinite else {
                // rtol·∞ would accept anything: an infinite reference needs the same infinity.
                mismatches += 1
                maxAbsoluteError = .infinity
                continue
            }
            var allowed = absolute + relative * abs(e)
            if let mantissaBits {
                allowed = max(allowed, Self.unitInLastPlace(e, mantissaBits: mantissaBits, dtype: expected.dtype))
            }
            if !(error <= allowed) { mismatches += 1 }
            if error > maxAbsoluteError || error.isNaN { maxAbsoluteError = error.isNaN ? .infinity : error }
        }
    }

    /// The spacing of `dtype`'s values at `value` (subnormal spacing near 0).
    static func unitInLastPlace(_ value: Double, mantissaBits: Int, dtype: DType) -> Double {
        let smallestNormalExponent = dtype == .float16 ? -14 : -126
        let exponent = value == 0 ? smallestNormalExponent : max(Int(value.exponent), smallestNormalExponent)
        return Double(sign: .plus, exponent: exponent - mantissaBits, significand: 1)
    }

    public var description: String {
        if let incompatibility { return "\(name): MISMATCH (\(incompatibility))" }
        return "\(name): \(passed ? "ok" : "MISMATCH") (\(mismatches)/\(count) outside tolerance, "
            + "max |error| \(maxAbsoluteError))"
    }
}
