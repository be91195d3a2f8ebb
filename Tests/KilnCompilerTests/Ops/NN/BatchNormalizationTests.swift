// BatchNormalization at inference: constant statistics folded into one
// per-channel affine map, y = x · scale[c] + shift[c].

import Testing

@testable import KilnCompiler

@Suite struct BatchNormalizationTests {
    /// X and the four per-channel statistics, all constant.
    func inputs(
        x: [Int] = [2, 2, 3, 3], gamma: [Float] = [2, 6], beta: [Float] = [1, -1], mean: [Float] = [0.5, 2],
        variance: [Float] = [4, 9], outputCount: Int = 1
    ) -> OpInputs {
        OpInputs(
            .value(.float32, x), .floats(gamma), .floats(beta), .floats(mean), .floats(variance),
            outputCount: outputCount)
    }

    @Test func attributes() throws {
        #expect(try BatchNormalization.parse().epsilon == 1e-5)
        #expect(try BatchNormalization.parse(["epsilon": .float(0.25)]).epsilon == 0.25)
        expectCompileError(.invalidAttribute, "'epsilon'") { try BatchNormalization.parse(["epsilon": .string("0")]) }
        expectCompileError(.unsupportedFeature, "training mode") {
            try BatchNormalization.parse(["training_mode": .int(1)], opset: 14)
        }
    }

    /// scale = γ / √(σ² + ε), shift = β − μ · scale; ε = 0 keeps the numbers exact.
    @Test func lowersToAChannelAffineMap() throws {
        let bn = try BatchNormalization.parse(["epsilon": .float(0)])
        #expect(try bn.inferTypes(inputs()) == [TensorType(.float32, [2, 2, 3, 3])])
        #expect(try bn.lower(inputs()).coreOp == .elementwise(.channelAffine(scale: [1, 2], shift: [0.5, -5])))
    }

    /// The default ε is added to the variance: a zero variance gives 1/√1e-5, not infinity.
    @Test func epsilonGuardsAZeroVariance() throws {
        let lowering = try BatchNormalization.parse().lower(
            inputs(x: [1, 1, 2], gamma: [1], beta: [0], mean: [0], variance: [0]))
        guard case .elementwise(.channelAffine(let scale, _))? = lowering.coreOp else {
            Issue.record("not a channel affine map")
            return
        }
        #expect(abs(scale[0] - 316.2278) < 0.01)
    }

    @Test func unusableStatisticsAreRefused() throws {
        let bn = try BatchNormalization.parse()
        expectCompileError(.shapeMismatch, "the mean has 3 values for 2 channels") {
            try bn.inferTypes(inputs(mean: [0, 0, 0]))
        }
        expectCompileError(.unsupportedFeature, "the variance (input 4)", "compile-time constant") {
            try bn.inferTypes(
                OpInputs(
                    .value(.float32, [1, 2, 3]), .floats([1, 1]), .floats([0, 0]), .floats([0, 0]),
                    .value(.float32, [2])))
        }
        expectCompileError(.shapeMismatch, "rank ≥ 2", "[2]") { try bn.inferTypes(inputs(x: [2])) }
        expectCompileError(.unsupportedFeature, "running mean and variance") {
            try bn.inferTypes(inputs(outputCount: 3))
        }
    }
}
