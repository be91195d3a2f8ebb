// GridSample and AffineGrid: shapes, one gather per combination of taps,
// and refusals.

import Testing

@testable import KilnCompiler

@Suite struct GridSampleTests {
    @Test func everyCombinationOfTapsIsOneGather() throws {
        let inputs = OpInputs(.value(.float32, [1, 3, 4, 5]), .value(.float32, [1, 6, 7, 2]))
        for (mode, gathers) in [("nearest", 1), ("linear", 4), ("cubic", 16)] {
            let sample = try GridSample.parse(["mode": .string(mode)], opset: 20)
            #expect(try sample.inferTypes(inputs) == [TensorType(.float32, [1, 3, 6, 7])])
            guard case .decompose(let steps) = try sample.lower(inputs) else { Issue.record("not a decomposition"); return }
            #expect(steps.steps.filter { $0.opType == "GatherElements" }.count == gathers, "\(mode)")
        }
        let volume = OpInputs(.value(.float32, [1, 2, 3, 4, 5]), .value(.float32, [1, 2, 2, 2, 3]))
        guard case .decompose(let trilinear) = try GridSample.parse().lower(volume) else { Issue.record("not a decomposition"); return }
        #expect(trilinear.steps.filter { $0.opType == "GatherElements" }.count == 8)
    }

    @Test func malformedSamplesAreRefused() {
        expectCompileError(.invalidAttribute, "padding_mode") { try GridSample.parse(["padding_mode": .string("wrap")]) }
        expectCompileError(.shapeMismatch, "grid") {
            try GridSample.parse().inferTypes(OpInputs(.value(.float32, [1, 3, 4, 5]), .value(.float32, [1, 6, 7, 3])))
        }
    }

    @Test func affineGridMultipliesTheBaseGridByTheta() throws {
        let grid = try AffineGrid.parse(["align_corners": .int(1)], opset: 20)
        let inputs = OpInputs(.value(.float32, [2, 2, 3]), .int64s([2, 1, 3, 2]))
        #expect(try grid.inferTypes(inputs) == [TensorType(.float32, [2, 3, 2, 2])])
        guard case .decompose(let steps) = try grid.lower(inputs),
            case .constant(let base)? = steps.steps.first(where: { $0.opType == "MatMul" })?.inputs.first
        else {
            Issue.record("no base grid")
            return
        }
        // Rows (x, y, 1) over H = 3, W = 2 with the corners aligned.
        #expect(base.floats == [-1, -1, 1, 1, -1, 1, -1, 0, 1, 1, 0, 1, -1, 1, 1, 1, 1, 1])
    }
}
