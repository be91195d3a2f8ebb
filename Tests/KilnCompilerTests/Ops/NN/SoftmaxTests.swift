// Softmax: before opset 13 over all axes from `axis` (default 1) flattened;
// since 13 along one axis (default -1).

import Testing

@testable import KilnCompiler

@Suite struct SoftmaxTests {
    let x = OpInputs(.value(.float32, [2, 3, 4]))

    @Test func axisDefaultAndFlatteningDependOnOpset() throws {
        let old = try Softmax.parse(opset: 11)
        #expect(old.axis == 1 && old.flattensTrailingAxes)
        #expect(try old.lower(x).coreOp == .softmax(SoftmaxParameters(axis: 1, flattensTrailingAxes: true)))
        let new = try Softmax.parse(opset: 13)
        #expect(new.axis == -1 && !new.flattensTrailingAxes)
        #expect(try new.lower(x).coreOp == .softmax(SoftmaxParameters(axis: 2, flattensTrailingAxes: false)))
    }

    @Test func explicitAxisIsNormalised() throws {
        let softmax = try Softmax.parse(["axis": .int(-2)], opset: 13)
        #expect(try softmax.lower(x).coreOp == .softmax(SoftmaxParameters(axis: 1, flattensTrailingAxes: false)))
        #expect(try softmax.inferTypes(x) == [TensorType(.float32, [2, 3, 4])])
    }

    @Test func badAxesAndTypesAreRefused() {
        expectCompileError(.invalidAttribute, "'axis'", "an integer") { try Softmax.parse(["axis": .string("1")]) }
        expectCompileError(.invalidAttribute, "axis 3", "out of range", "[2, 3, 4]") {
            try Softmax.parse(["axis": .int(3)]).inferTypes(x)
        }
        expectCompileError(.invalidAttribute, "axis -4") { try Softmax.parse(["axis": .int(-4)]).inferTypes(x) }
        expectCompileError(.unsupportedFeature, "int64") {
            try Softmax.parse().inferTypes(OpInputs(.value(.int64, [3])))
        }
    }
}
