// Squeeze and Unsqueeze: remove or insert size-1 axes; `axes` is an
// attribute before opset 13 and an input since (optional for Squeeze).

import Testing

@testable import KilnCompiler

@Suite struct SqueezeTests {
    let x = Operand.value(.float32, [1, 3, 1, 4])

    @Test func axesAreAnAttributeBeforeOpset13() throws {
        let squeeze = try Squeeze.parse(["axes": .ints([0, -2])], opset: 11)
        #expect(try squeeze.inferTypes(OpInputs(x)) == [TensorType(.float32, [3, 4])])
        let keepLast = try Squeeze.parse(["axes": .ints([0])], opset: 11)
        #expect(try keepLast.inferTypes(OpInputs(x)) == [TensorType(.float32, [3, 1, 4])])
        expectCompileError(.invalidAttribute, "'axes'", "a list of integers") {
            try Squeeze.parse(["axes": .int(0)], opset: 11)
        }
    }

    @Test func axesAreAnInputSinceOpset13() throws {
        let squeeze = try Squeeze.parse(opset: 13)
        #expect(try squeeze.inferTypes(OpInputs(x, .int64s([-2]))) == [TensorType(.float32, [1, 3, 4])])
        // Without axes every size-1 axis goes; an old-style attribute is not read.
        #expect(try squeeze.inferTypes(OpInputs(x)) == [TensorType(.float32, [3, 4])])
        let stale = try Squeeze.parse(["axes": .ints([0])], opset: 13)
        #expect(try stale.inferTypes(OpInputs(x)) == [TensorType(.float32, [3, 4])])
        expectCompileError(.unsupportedFeature, "axes (input 1)", "compile-time constant") {
            try squeeze.inferTypes(OpInputs(x, .value(.int64, [1])))
        }
    }

    @Test func onlySizeOneAxesInRangeSqueeze() throws {
        expectCompileError(.invalidAttribute, "cannot squeeze axis 1", "[1, 3, 1, 4]") {
            try Squeeze.parse().inferTypes(OpInputs(x, .int64s([1])))
        }
        expectCompileError(.invalidAttribute, "cannot squeeze axis 4") {
            try Squeeze.parse().inferTypes(OpInputs(x, .int64s([4])))
        }
    }

    @Test func unsqueezeAxesByOpset() throws {
        let old = try Unsqueeze.parse(["axes": .ints([0, 3])], opset: 11)
        #expect(try old.inferTypes(OpInputs(.value(.int64, [3, 4]))) == [TensorType(.int64, [1, 3, 4, 1])])
        let new = try Unsqueeze.parse(opset: 13)
        #expect(
            try new.inferTypes(OpInputs(.value(.int64, [3, 4]), .int64s([-1]))) == [TensorType(.int64, [3, 4, 1])])
        #expect(try new.inferTypes(OpInputs(.value(.int64, [3, 4]), .int64s([1]))) == [TensorType(.int64, [3, 1, 4])])
    }

    @Test func unsqueezeNeedsDistinctAxesInRange() {
        let y = Operand.value(.float32, [3, 4])
        expectCompileError(.invalidAttribute, "needs 'axes'") { try Unsqueeze.parse().inferTypes(OpInputs(y)) }
        expectCompileError(.invalidAttribute, "invalid axes [0, 0]") {
            try Unsqueeze.parse().inferTypes(OpInputs(y, .int64s([0, 0])))
        }
        expectCompileError(.invalidAttribute, "invalid axes [3]", "rank 3") {
            try Unsqueeze.parse().inferTypes(OpInputs(y, .int64s([3])))
        }
    }

    /// Shape arithmetic squeezes and unsqueezes constants; int32 stays int32.
    @Test func foldsAndLowersToAView() throws {
        let row = TensorData.int32s([7, 8, 9], shape: [1, 3])
        #expect(try Squeeze.parse().evaluate(OpInputs(.constant(row)))?.first == .int32s([7, 8, 9]))
        let scalar = Operand.int64s([5], shape: [])
        #expect(
            try Unsqueeze.parse().evaluate(OpInputs(scalar, .int64s([0])))?.first == TensorData(shape: [1], int64s: [5])
        )
        #expect(try Squeeze.parse().lower(OpInputs(x)).coreOp == .view)
        #expect(try Unsqueeze.parse().lower(OpInputs(x, .int64s([0]))).coreOp == .view)
    }
}
