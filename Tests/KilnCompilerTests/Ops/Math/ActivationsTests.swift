// Relu, LeakyRelu, Sigmoid, Tanh and Clip: float32 in, same type out, one
// activation each; Clip's bounds moved from attributes to inputs in opset 11.

import Testing

@testable import KilnCompiler

@Suite struct ActivationsTests {
    let x = OpInputs(.value(.float32, [2, 3]))

    @Test func lowersToItsActivation() throws {
        #expect(try Relu.parse().lower(x).coreOp == .elementwise(.activation(.relu)))
        #expect(try Sigmoid.parse().lower(x).coreOp == .elementwise(.activation(.sigmoid)))
        #expect(try Tanh.parse().lower(x).coreOp == .elementwise(.activation(.tanh)))
    }

    @Test func leakyReluAlphaDefaultsToOneHundredth() throws {
        #expect(try LeakyRelu.parse().lower(x).coreOp == .elementwise(.activation(.leakyRelu(alpha: 0.01))))
        let steep = try LeakyRelu.parse(["alpha": .float(0.2)])
        #expect(try steep.lower(x).coreOp == .elementwise(.activation(.leakyRelu(alpha: 0.2))))
        expectCompileError(.invalidAttribute, "'alpha'", "a float") { try LeakyRelu.parse(["alpha": .string("0.2")]) }
    }

    @Test func typeIsTheInputsAndOnlyFloat32IsAccepted() throws {
        #expect(try Tanh.parse().inferTypes(x) == [TensorType(.float32, [2, 3])])
        expectCompileError(.unsupportedFeature, "input X", "int64") {
            try Relu.parse().inferTypes(OpInputs(.value(.int64, [2])))
        }
    }

    @Test func clipBoundsAreAttributesBeforeOpset11() throws {
        let clip = try Clip.parse(["min": .float(-1), "max": .int(6)], opset: 6)
        #expect(try clip.lower(x).coreOp == .elementwise(.activation(.clip(min: -1, max: 6))))
        // A missing bound leaves that side unbounded.
        let open = try Clip.parse(["max": .float(6)], opset: 6)
        #expect(try open.lower(x).coreOp == .elementwise(.activation(.clip(min: -.greatestFiniteMagnitude, max: 6))))
        expectCompileError(.invalidAttribute, "'min'", "a float") { try Clip.parse(["min": .string("0")], opset: 6) }
    }

    @Test func clipBoundsAreConstantInputsSinceOpset11() throws {
        // The old attributes are not read any more: only the inputs bound the result.
        let clip = try Clip.parse(["min": .float(-1), "max": .float(6)], opset: 11)
        let unbounded = Activation.clip(min: -.greatestFiniteMagnitude, max: .greatestFiniteMagnitude)
        #expect(try clip.lower(x).coreOp == .elementwise(.activation(unbounded)))
        let both = OpInputs(.value(.float32, [4]), .floats([0], shape: []), .floats([6], shape: []))
        #expect(try clip.lower(both).coreOp == .elementwise(.activation(.clip(min: 0, max: 6))))
        // An omitted lower bound (empty input name) with an upper one.
        let upper = OpInputs(.value(.float32, [4]), .absent, .floats([6], shape: []))
        #expect(
            try clip.lower(upper).coreOp == .elementwise(.activation(.clip(min: -.greatestFiniteMagnitude, max: 6))))
        #expect(try clip.inferTypes(upper) == [TensorType(.float32, [4])])
    }

    /// Bounds computed at run time (or other element types) make a formula
    /// over the present operands; NaN passes through it.
    @Test func clipBoundsComputedAtRunTimeBecomeAFormula() throws {
        let clip = try Clip.parse(opset: 13)
        let upper = OpInputs(.value(.float32, [4]), .absent, .value(.float32, []))
        let formula = Expression.clamp(.operand(0), low: nil, high: .operand(1))
        #expect(try clip.lower(upper).coreOp == .elementwise(.expression(formula)))
        let ints = OpInputs(.value(.int32, [4]), .constant(.int32s([0], shape: [])), .constant(.int32s([6], shape: [])))
        #expect(try clip.inferTypes(ints) == [TensorType(.int32, [4])])
        #expect(
            try clip.lower(ints).coreOp
                == .elementwise(.expression(.clamp(.operand(0), low: .operand(1), high: .operand(2)))))
        let folded = try clip.evaluate(
            OpInputs(.constant(.int32s([-3, 2, 9])), .constant(.int32s([0], shape: [])), .constant(.int32s([6], shape: []))))
        #expect(folded?.first == .int32s([0, 2, 6]))
    }

    @Test func clipBoundsMustBeScalarsOfTheInputsType() {
        expectCompileError(.shapeMismatch, "upper bound", "scalar", "[2]") {
            try Clip.parse(opset: 13).inferTypes(OpInputs(.value(.float32, [4]), .absent, .floats([1, 2])))
        }
        expectCompileError(.unsupportedFeature, "lower bound is int64", "float32") {
            try Clip.parse(opset: 13).inferTypes(OpInputs(.value(.float32, [4]), .int64s([1], shape: [])))
        }
    }
}
