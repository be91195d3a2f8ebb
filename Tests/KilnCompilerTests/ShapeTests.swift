// Unit tests for shape arithmetic shared by inference, folding and kernels.

import Testing

@testable import KilnCompiler

@Suite struct ShapeTests {
    @Test func broadcastFollowsNumPy() {
        #expect(Shape.broadcast([[2, 3, 4], [4]]) == [2, 3, 4])
        #expect(Shape.broadcast([[2, 1, 4], [3, 1]]) == [2, 3, 4])
        #expect(Shape.broadcast([[2, 3], [4]]) == nil)
    }

    @Test func broadcastStridesZeroTheRepeatedAxes() {
        #expect(Shape.broadcastStrides(from: [1, 4], to: [3, 4]) == [0, 1])
        #expect(Shape.broadcastStrides(from: [3, 1], to: [2, 3, 4]) == [0, 1, 0])
    }

    @Test func validRangeKeepsTapsInsideTheInput() {
        // 5-wide input, 3 outputs, stride 2, tap offset -1 (pad 1): o=0 reads -1 (out), o=1 reads 1, o=2 reads 3.
        #expect(WindowGeometry.validRange(size: 5, outputs: 3, stride: 2, offset: -1) == 1..<3)
        #expect(WindowGeometry.validRange(size: 4, outputs: 4, stride: 1, offset: 1) == 0..<3)
    }
}
