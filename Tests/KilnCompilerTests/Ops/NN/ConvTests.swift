// Conv: 2-D NCHW convolution; the window attributes (strides, dilations,
// pads, auto_pad) it shares with pooling, groups, and an optional bias.

import Testing

@testable import KilnCompiler

@Suite struct ConvTests {
    /// The lowered parameters of a float32 convolution of `x` by weights `w`.
    func lowered(_ attributes: [String: Attribute] = [:], x: [Int], w: [Int]) throws -> ConvolutionParameters? {
        let lowering = try Conv.parse(attributes).lower(OpInputs(.value(.float32, x), .value(.float32, w)))
        guard case .convolution(let parameters)? = lowering.coreOp else { return nil }
        return parameters
    }

    func outputShape(_ attributes: [String: Attribute] = [:], x: [Int], w: [Int]) throws -> [Int]? {
        try Conv.parse(attributes).inferTypes(OpInputs(.value(.float32, x), .value(.float32, w))).first?.shape
    }

    @Test func attributesDefaultToAUnitWindow() throws {
        let conv = try Conv.parse()
        #expect(conv.group == 1 && conv.window.kernelShape == nil && conv.window.ceilMode == false)
        #expect(conv.window.strides == (1, 1) && conv.window.dilations == (1, 1))
        #expect(conv.window.padding == .explicit([0, 0, 0, 0]))
        #expect(try Conv.parse(["auto_pad": .string("SAME_LOWER")]).window.padding == .sameLower)
    }

    /// A 1-D convolution runs as a 2-D one over [N, C, 1, L]: the lowering
    /// reshapes around a Conv with the lifted attributes.
    @Test func oneDimensionalConvolutionIsLifted() throws {
        let conv = try Conv.parse(["strides": .ints([2]), "pads": .ints([1, 2])])
        #expect(conv.window.strides == (1, 2) && conv.window.padding == .explicit([0, 1, 0, 2]))
        let inputs = OpInputs(.value(.float32, [2, 3, 10]), .value(.float32, [4, 3, 3]))
        #expect(try conv.inferTypes(inputs) == [TensorType(.float32, [2, 4, 6])])
        guard case .decompose(let decomposition) = try conv.lower(inputs) else {
            Issue.record("a 1-D Conv should decompose")
            return
        }
        #expect(decomposition.steps.map(\.opType) == ["Reshape", "Reshape", "Conv", "Reshape"])
        #expect(decomposition.steps[2].attributes["pads"] == .ints([0, 1, 0, 2]))
    }

    /// 3-D: one 2-D Conv over the depth slices with the taps stacked along channels (group 1), or one per tap.
    @Test func threeDimensionalConvolutionsRunOverDepthSlices() throws {
        let conv = try Conv.parse(["pads": .ints([1, 0, 0, 1, 0, 0]), "strides": .ints([2, 1, 1])])
        let inputs = OpInputs(.value(.float32, [1, 3, 6, 5, 5]), .value(.float32, [4, 3, 3, 3, 3]))
        #expect(try conv.inferTypes(inputs).first?.shape == [1, 4, 3, 3, 3])
        guard case .decompose(let stacked) = try conv.lower(inputs) else { Issue.record("not a decomposition"); return }
        #expect(stacked.steps.filter { $0.opType == "Conv" }.count == 1)
        #expect(stacked.steps.first?.opType == "Pad")
        let grouped = try Conv.parse(["group": .int(3)])
        let depthwise = OpInputs(.value(.float32, [1, 3, 4, 5, 5]), .value(.float32, [3, 1, 2, 3, 3]))
        guard case .decompose(let perTap) = try grouped.lower(depthwise) else { Issue.record("not a decomposition"); return }
        #expect(perTap.steps.filter { $0.opType == "Conv" }.count == 2)
        #expect(perTap.steps.contains { $0.opType == "Sum" })
    }

    /// Half precision: the float32 Conv on widened copies, rounded back once.
    @Test func halfPrecisionConvolvesInFloat32() throws {
        let inputs = OpInputs(.value(.float16, [1, 3, 5, 5]), .value(.float16, [8, 3, 3, 3]))
        let conv = try Conv.parse(["pads": .ints([1, 1, 1, 1])])
        #expect(try conv.inferTypes(inputs) == [TensorType(.float16, [1, 8, 5, 5])])
        guard case .decompose(let steps) = try conv.lower(inputs) else { Issue.record("not a decomposition"); return }
        #expect(steps.steps.map(\.opType) == ["Cast", "Cast", "Conv", "Cast"])
        #expect(steps.steps[2].attributes["pads"] == .ints([1, 1, 1, 1]))
    }

    @Test func malformedAttributesAreRefused() {
        expectCompileError(.invalidAttribute, "group", "at least 1") { try Conv.parse(["group": .int(0)]) }
        expectCompileError(.invalidAttribute, "'strides'", "one to three values") { try Conv.parse(["strides": .ints([2, 2, 2, 2])]) }
        expectCompileError(.invalidAttribute, "'pads'", "describes 2 spatial axes, the others 1") {
            try Conv.parse(["strides": .ints([2]), "pads": .ints([1, 1, 1, 1])])
        }
        expectCompileError(.invalidAttribute, "'dilations'", "[0, 1]") { try Conv.parse(["dilations": .ints([0, 1])]) }
        expectCompileError(.invalidAttribute, "'strides'", "a list of integers") {
            try Conv.parse(["strides": .floats([2, 2])])
        }
        expectCompileError(.invalidAttribute, "'pads'", "two, four or six values") { try Conv.parse(["pads": .ints([1, 1, 1])]) }
        expectCompileError(.invalidAttribute, "auto_pad", "'SAME'") { try Conv.parse(["auto_pad": .string("SAME")]) }
        expectCompileError(.invalidAttribute, "'auto_pad'", "a string") { try Conv.parse(["auto_pad": .int(1)]) }
        expectCompileError(.shapeMismatch, "describe 2 spatial axes", "has 3") {
            try Conv.parse(["kernel_shape": .ints([3, 3])]).inferTypes(
                OpInputs(.value(.float32, [1, 1, 4, 4, 4]), .value(.float32, [1, 1, 3, 3, 3])))
        }
        expectCompileError(.shapeMismatch, "does not fit") {
            try Conv.parse().inferTypes(OpInputs(.value(.float32, [1, 1, 2, 4, 4]), .value(.float32, [1, 1, 3, 3, 3])))
        }
    }

    @Test func outputSizeFollowsPadsStridesAndDilations() throws {
        let (x, w) = ([1, 3, 7, 7], [8, 3, 3, 3])
        #expect(try outputShape(x: x, w: w) == [1, 8, 5, 5])
        #expect(try outputShape(["pads": .ints([1, 1, 1, 1])], x: x, w: w) == [1, 8, 7, 7])
        #expect(try outputShape(["strides": .ints([2, 3])], x: x, w: w) == [1, 8, 3, 2])
        #expect(try outputShape(["dilations": .ints([2, 3])], x: x, w: w) == [1, 8, 3, 1])
        #expect(
            try outputShape(["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])], x: x, w: w) == [1, 8, 4, 4])
        #expect(try outputShape(["auto_pad": .string("VALID")], x: [2, 3, 6, 9], w: w) == [2, 8, 4, 7])
        // Depthwise: one input channel per group.
        #expect(try outputShape(["group": .int(4)], x: [1, 4, 5, 5], w: [4, 1, 3, 3]) == [1, 4, 3, 3])
    }

    /// SAME_UPPER puts the odd padding row at the end, SAME_LOWER at the start.
    @Test func lowersToAConvolutionWithResolvedPadding() throws {
        let upper = try #require(try lowered(["auto_pad": .string("SAME_UPPER")], x: [1, 3, 8, 8], w: [8, 3, 2, 2]))
        #expect(upper.group == 1 && upper.geometry.kernel == (2, 2) && upper.geometry.output == (8, 8))
        #expect(upper.geometry.padBegin == (0, 0) && upper.geometry.padEnd == (1, 1))
        let lower = try #require(try lowered(["auto_pad": .string("SAME_LOWER")], x: [1, 3, 8, 8], w: [8, 3, 2, 2]))
        #expect(lower.geometry.padBegin == (1, 1) && lower.geometry.padEnd == (0, 0))
        // Pads are [top, left, bottom, right]: 6 + 1 + 3 rows at stride 2, 6 + 2 + 4 columns at stride 1.
        let attributes: [String: Attribute] = [
            "pads": .ints([1, 2, 3, 4]), "strides": .ints([2, 1]), "group": .int(2),
        ]
        let explicit = try #require(try lowered(attributes, x: [1, 4, 6, 6], w: [6, 2, 3, 3]))
        #expect(explicit.group == 2 && explicit.geometry.strides == (2, 1))
        #expect(explicit.geometry.padBegin == (1, 2) && explicit.geometry.padEnd == (3, 4))
        #expect(explicit.geometry.output == (4, 10))
    }

    @Test func mismatchedOperandsAreRefused() {
        expectCompileError(.shapeMismatch, "group 1", "3 input channels") {
            try outputShape(x: [1, 3, 5, 5], w: [8, 2, 3, 3])
        }
        expectCompileError(.shapeMismatch, "kernel_shape [5, 5]", "[8, 3, 3, 3]") {
            try outputShape(["kernel_shape": .ints([5, 5])], x: [1, 3, 7, 7], w: [8, 3, 3, 3])
        }
        expectCompileError(.shapeMismatch, "bias shape [4]", "[8]") {
            try Conv.parse().inferTypes(
                OpInputs(.value(.float32, [1, 3, 5, 5]), .value(.float32, [8, 3, 3, 3]), .value(.float32, [4])))
        }
        expectCompileError(.shapeMismatch, "5×5 window does not fit the 3×3 input") {
            try outputShape(x: [1, 3, 3, 3], w: [8, 3, 5, 5])
        }
        expectCompileError(.unsupportedFeature, "weight W", "rank-3") {
            try outputShape(x: [1, 3, 7], w: [8, 3, 3, 3])
        }
        expectCompileError(.shapeMismatch, "describe 2 spatial axes", "[1, 3, 7] has 1") {
            try outputShape(["kernel_shape": .ints([3, 3])], x: [1, 3, 7], w: [8, 3, 3])
        }
        expectCompileError(.unsupportedFeature, "4 spatial axes") {
            try outputShape(x: [1, 3, 7, 7, 7, 7], w: [8, 3, 3, 3, 3, 3])
        }
        expectCompileError(.shapeMismatch, "different element types") {
            try Conv.parse().inferTypes(OpInputs(.value(.float16, [1, 3, 5, 5]), .value(.float32, [8, 3, 3, 3])))
        }
        expectCompileError(.unsupportedFeature, "input 0", "int8") {
            try Conv.parse().inferTypes(OpInputs(.value(.int8, [1, 3, 5, 5]), .value(.int8, [8, 3, 3, 3])))
        }
    }
}
