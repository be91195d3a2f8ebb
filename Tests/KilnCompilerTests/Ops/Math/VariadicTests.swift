// Sum, Mean, Max and Min: any number of broadcast operands, folded on
// constants; at run time two operands are one core operation, more a chain
// of two-operand steps (Mean then divides).

import Testing

@testable import KilnCompiler

@Suite struct VariadicTests {
    /// A decomposition as text, e.g. `Add(in0, in1) → Div(s0.0, int64[]=[2.0])`.
    func steps(_ lowering: Lowering) -> String? {
        guard case .decompose(let decomposition) = lowering else { return nil }
        func name(_ operand: Decomposition.Operand) -> String {
            switch operand {
            case .input(let position): "in\(position)"
            case .step(let step, let output): "s\(step).\(output)"
            case .constant(let data): "\(data.type)=\(data.doubles)"
            }
        }
        let chain = decomposition.steps.map { "\($0.opType)(\($0.inputs.map(name).joined(separator: ", ")))" }
        return chain.joined(separator: " → ") + " ⇒ " + decomposition.outputs.map(name).joined(separator: ", ")
    }

    @Test func resultBroadcastsEveryOperand() throws {
        let inputs = OpInputs(.value(.float32, [2, 1]), .value(.float32, [3]), .value(.float32, []))
        #expect(try Sum.parse().inferTypes(inputs) == [TensorType(.float32, [2, 3])])
        #expect(try Max.parse().inferTypes(OpInputs(.value(.int64, [4]))) == [TensorType(.int64, [4])])
    }

    @Test func unsuitableOperandsAreRefused() {
        expectCompileError(.shapeMismatch, "different element types") {
            try Min.parse().inferTypes(OpInputs(.value(.float32, [2]), .value(.int32, [2])))
        }
        expectCompileError(.shapeMismatch, "do not broadcast") {
            try Sum.parse().inferTypes(OpInputs(.value(.float32, [2]), .value(.float32, [3])))
        }
        expectCompileError(.unsupportedFeature, "Max", "bool") {
            try Max.parse().inferTypes(OpInputs(.value(.bool, [2]), .value(.bool, [2])))
        }
        expectCompileError(.malformedModel, "at least one input") { try Mean.parse().inferTypes(OpInputs()) }
    }

    /// Shape arithmetic such as `Max(shape, 1)` folds, broadcasting every operand.
    @Test func foldsAnyNumberOfOperands() throws {
        let three = OpInputs(.int64s([4, -1, 7]), .int64s([1], shape: []), .int64s([2, 0, 9]))
        #expect(try Max.parse().evaluate(three)?.first == TensorData(shape: [3], int64s: [4, 1, 9]))
        #expect(try Min.parse().evaluate(three)?.first == TensorData(shape: [3], int64s: [1, -1, 1]))
        #expect(try Sum.parse().evaluate(three)?.first == TensorData(shape: [3], int64s: [7, 0, 17]))
        let rows = OpInputs(.constant(.int32s([1, 2], shape: [2, 1])), .constant(.int32s([10, 20, 30])))
        #expect(try Sum.parse().evaluate(rows)?.first == .int32s([11, 21, 31, 12, 22, 32], shape: [2, 3]))
        // Mean divides the sum by the operand count; one operand is itself.
        let mean = OpInputs(.floats([1, 2]), .floats([3, 5]), .floats([2, 2]))
        #expect(try Mean.parse().evaluate(mean)?.first == TensorData(shape: [2], floats: [2, 3]))
        #expect(try Mean.parse().evaluate(OpInputs(.floats([1, 2])))?.first == TensorData(shape: [2], floats: [1, 2]))
        // NaN wins in Max and Min, as in NumPy's maximum and minimum.
        let nan = try Max.parse().evaluate(OpInputs(.floats([.nan, 1]), .floats([0, .nan])))?.first?.floats
        #expect(nan?.allSatisfy(\.isNaN) == true)
        #expect(try Sum.parse().evaluate(OpInputs(.int64s([1]), .value(.int64, [1]))) == nil)
    }

    @Test func twoOperandsAreOneCoreOperation() throws {
        let pair = OpInputs(.value(.float32, [2]), .value(.float32, [2]))
        #expect(try Sum.parse().lower(pair).coreOp == .elementwise(.binary(.add)))
        #expect(try Max.parse().lower(pair).coreOp == .elementwise(.binary(.maximum)))
        #expect(try Min.parse().lower(pair).coreOp == .elementwise(.binary(.minimum)))
    }

    @Test func oneOperandIsTheOperandItself() throws {
        let single = OpInputs(.value(.float32, [2]))
        #expect(try Sum.parse().lower(single).replacements == [.input(0)])
        #expect(try Mean.parse().lower(single).replacements == [.input(0)])
    }

    @Test func moreOperandsAreAChain() throws {
        let three = OpInputs(.value(.float32, [2]), .value(.float32, [2]), .value(.float32, [2]))
        #expect(try steps(Min.parse().lower(three)) == "Min(in0, in1) → Min(s0.0, in2) ⇒ s1.0")
        // Mean divides by the operand count, a constant of the operands' type.
        let ints = OpInputs(.value(.int64, [2]), .value(.int64, [2]))
        #expect(try steps(Mean.parse().lower(ints)) == "Add(in0, in1) → Div(s0.0, int64[]=[2.0]) ⇒ s1.0")
    }
}
