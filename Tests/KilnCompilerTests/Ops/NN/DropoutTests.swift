// Dropout at inference: the output is the input, the optional mask all
// true; training mode (is_test = 0 before opset 7, training_mode since 12) is
// refused unless its ratio is 0.

import Testing

@testable import KilnCompiler

@Suite struct DropoutTests {
    @Test func outputIsTheInput() throws {
        let inputs = OpInputs(.value(.float32, [2, 3]))
        #expect(try Dropout.parse().inferTypes(inputs) == [TensorType(.float32, [2, 3])])
        #expect(try Dropout.parse().lower(inputs).replacements == [.input(0)])
    }

    @Test func maskIsAConstantAllTrue() throws {
        let inputs = OpInputs(.value(.float32, [2, 3]), outputCount: 2)
        #expect(try Dropout.parse().inferTypes(inputs) == [TensorType(.float32, [2, 3]), TensorType(.bool, [2, 3])])
        let mask = TensorData(shape: [2, 3], bools: Array(repeating: true, count: 6))
        #expect(try Dropout.parse().lower(inputs).replacements == [.input(0), .constant(mask)])
    }

    @Test func trainingModeIsRefused() throws {
        expectCompileError(.unsupportedFeature, "is_test = 0") { try Dropout.parse(["is_test": .int(0)], opset: 6) }
        _ = try Dropout.parse(["is_test": .int(1)], opset: 6)
        // is_test is gone since opset 7: not read.
        _ = try Dropout.parse(["is_test": .int(0)], opset: 7)
        let x = Operand.value(.float32, [4])
        expectCompileError(.unsupportedFeature, "training mode") {
            try Dropout.parse().inferTypes(OpInputs(x, .floats([0.5], shape: []), .bools([true], shape: [])))
        }
        expectCompileError(.unsupportedFeature, "training_mode (input 2)", "compile-time constant") {
            try Dropout.parse().inferTypes(OpInputs(x, .absent, .value(.bool, [])))
        }
        let inference = OpInputs(x, .floats([0.5], shape: []), .bools([false], shape: []))
        #expect(try Dropout.parse().inferTypes(inference) == [TensorType(.float32, [4])])
        // Training with ratio 0 drops nothing: the inference result.
        let noDrop = OpInputs(x, .floats([0], shape: []), .bools([true], shape: []))
        #expect(try Dropout.parse().inferTypes(noDrop) == [TensorType(.float32, [4])])
        expectCompileError(.unsupportedFeature, "training mode") {
            try Dropout.parse().inferTypes(OpInputs(x, .absent, .bools([true], shape: [])))
        }
    }

    /// Before opset 10 the mask has the input's element type (T), not bool.
    @Test func maskBeforeOpset10HasTheInputType() throws {
        let types = try Dropout.parse(opset: 9).inferTypes(OpInputs(.value(.float32, [2, 3]), outputCount: 2))
        #expect(types.last == TensorType(.float32, [2, 3]))
    }
}
