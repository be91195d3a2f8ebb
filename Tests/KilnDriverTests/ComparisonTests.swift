// How kilnc verify and the fixture tests judge outputs: within atol + rtol·|e|,
// NaN matching NaN, and half-precision outputs within one unit in the last place.

import KilnCompiler
import KilnDriver
import Testing

@Suite struct ComparisonTests {
    func compare(_ actual: [Double], _ expected: [Double], _ dtype: DType) -> Comparison {
        Comparison(
            name: "y", actual: TensorData(dtype: dtype, shape: [actual.count], converting: actual),
            expected: TensorData(dtype: dtype, shape: [expected.count], converting: expected), absolute: 1e-5,
            relative: 1e-3)
    }

    @Test func floatsUseTheTolerance() {
        #expect(compare([1.0009, .nan, .infinity], [1, .nan, .infinity], .float32).passed)
        #expect(compare([1.002], [1], .float32).mismatches == 1)
        #expect(compare([.infinity], [-.infinity], .float32).mismatches == 1)
        #expect(compare([5], [.infinity], .float32).mismatches == 1)
    }

    /// bfloat16 has 8 significant bits: near 0.75 its values are 2⁻⁸ apart, far
    /// wider than rtol 1e-3, so one rounding step is allowed and two are not.
    @Test func halfPrecisionAllowsOneUnitInTheLastPlace() {
        let step = 1.0 / 256
        #expect(compare([0.75 + step], [0.75], .bfloat16).passed)
        #expect(compare([0.75 + 2 * step], [0.75], .bfloat16).mismatches == 1)
        // float16 near 2000 steps by 1, twice rtol·|e|.
        #expect(compare([2001], [2000], .float16).passed)
        #expect(compare([2003], [2000], .float16).mismatches == 1)
        // float32 gets no such allowance.
        #expect(compare([0.75 + step], [0.75], .float32).mismatches == 1)
    }
}
