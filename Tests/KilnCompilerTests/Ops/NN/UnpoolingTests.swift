// MaxUnpool and Col2Im: output shapes, the scatter they lower to, refusals.

import Testing

@testable import KilnCompiler

@Suite struct UnpoolingTests {
    @Test func maxUnpoolPadsALargerOutputShapeAtTheEnd() throws {
        let unpool = try MaxUnpool.parse(["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], opset: 22)
        let plain = OpInputs(.value(.float32, [1, 1, 2, 2]), .value(.int64, [1, 1, 2, 2]))
        #expect(try unpool.inferTypes(plain) == [TensorType(.float32, [1, 1, 4, 4])])
        let larger = OpInputs(.value(.float32, [1, 1, 2, 2]), .value(.int64, [1, 1, 2, 2]), .int64s([1, 1, 5, 5]))
        #expect(try unpool.inferTypes(larger) == [TensorType(.float32, [1, 1, 5, 5])])
        guard case .decompose(let steps) = try unpool.lower(larger) else { Issue.record("not a decomposition"); return }
        #expect(steps.steps.map(\.opType).suffix(2) == ["Reshape", "Pad"])
        expectCompileError(.shapeMismatch, "at least") {
            try unpool.inferTypes(OpInputs(.value(.float32, [1, 1, 2, 2]), .value(.int64, [1, 1, 2, 2]), .int64s([1, 1, 3, 3])))
        }
    }

    @Test func col2ImAddsBlocksBackIntoTheImage() throws {
        let col2im = try Col2Im.parse(["pads": .ints([1, 0, 1, 0])], opset: 18)
        // 2×2 blocks over a 3×3 image padded to 5×3: 4 × 2 = 8 blocks.
        let inputs = OpInputs(.value(.float32, [1, 8, 8]), .int64s([3, 3]), .int64s([2, 2]))
        #expect(try col2im.inferTypes(inputs) == [TensorType(.float32, [1, 2, 3, 3])])
        guard case .decompose(let steps) = try col2im.lower(inputs) else { Issue.record("not a decomposition"); return }
        #expect(steps.steps.contains { $0.opType == "ScatterElements" && $0.attributes["reduction"] == .string("add") })
        expectCompileError(.shapeMismatch, "must be [N, C·4, 8]") {
            try col2im.inferTypes(OpInputs(.value(.float32, [1, 8, 9]), .int64s([3, 3]), .int64s([2, 2])))
        }
    }
}
