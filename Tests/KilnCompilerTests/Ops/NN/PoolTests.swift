// MaxPool and AveragePool: 2-D float32 windows over NCHW; ceil_mode for
// both, dilations for MaxPool and (since opset 19) AveragePool.

import Testing

@testable import KilnCompiler

@Suite struct PoolTests {
    let x = OpInputs(.value(.float32, [1, 3, 7, 7]))

    func outputSize(_ op: some PoolingOperator, _ inputs: OpInputs) throws -> [Int]? {
        try op.inferTypes(inputs).first?.shape
    }

    @Test func maxPoolLowersToAMaxWindow() throws {
        let pool = try MaxPool.parse(["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        #expect(try outputSize(pool, OpInputs(.value(.float32, [2, 3, 6, 6]))) == [2, 3, 3, 3])
        guard case .pool(let parameters)? = try pool.lower(x).coreOp else { Issue.record("not a pool"); return }
        #expect(parameters.kind == .max && !parameters.countIncludesPadding)
        #expect(parameters.geometry.kernel == (2, 2) && parameters.geometry.output == (3, 3))
    }

    /// ceil_mode rounds the window count up, but (as PyTorch) a last window
    /// may not start inside the end padding.
    @Test func ceilModeRoundsUpWithoutWindowsInPadding() throws {
        let attributes: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]
        let five = OpInputs(.value(.float32, [1, 1, 5, 5]))
        #expect(try outputSize(MaxPool.parse(attributes), five) == [1, 1, 2, 2])
        #expect(try outputSize(MaxPool.parse(attributes.merging(["ceil_mode": .int(1)]) { $1 }), five) == [1, 1, 3, 3])
        let padded = attributes.merging(["ceil_mode": .int(1), "pads": .ints([1, 1, 1, 1])]) { $1 }
        #expect(try outputSize(AveragePool.parse(padded), five) == [1, 1, 3, 3])
    }

    /// AveragePool has dilations only from opset 19; before, the attribute is not read.
    @Test func averagePoolDilationsFromOpset19() throws {
        let attributes: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "dilations": .ints([2, 2])]
        let old = try AveragePool.parse(attributes, opset: 18)
        #expect(old.parameters.window.dilations == (1, 1))
        #expect(try outputSize(old, x) == [1, 3, 5, 5])
        let new = try AveragePool.parse(attributes, opset: 19)
        #expect(new.parameters.window.dilations == (2, 2))
        #expect(try outputSize(new, x) == [1, 3, 3, 3])
        // MaxPool always had them.
        #expect(try outputSize(MaxPool.parse(attributes, opset: 12), x) == [1, 3, 3, 3])
    }

    @Test func averagePoolCountIncludePad() throws {
        let kernel: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]
        guard case .pool(let excluded)? = try AveragePool.parse(kernel).lower(x).coreOp else {
            Issue.record("not a pool")
            return
        }
        #expect(excluded.kind == .average && !excluded.countIncludesPadding && excluded.geometry.output == (7, 7))
        let including = try AveragePool.parse(kernel.merging(["count_include_pad": .int(1)]) { $1 })
        #expect(including.parameters.countIncludesPadding)
        expectCompileError(.invalidAttribute, "'count_include_pad'", "an integer") {
            try AveragePool.parse(["count_include_pad": .float(1)])
        }
    }

    /// A 3-D window runs as a pass over (H, W) of [N, C·D, H, W], then one over D of [N, C, D, H'·W'].
    @Test func threeDimensionalWindowsSplitIntoTwoPasses() throws {
        let pool = try MaxPool.parse([
            "kernel_shape": .ints([3, 2, 2]), "strides": .ints([2, 2, 2]), "pads": .ints([1, 0, 0, 1, 0, 0]),
        ])
        let x = OpInputs(.value(.float32, [1, 2, 5, 6, 6]))
        #expect(try pool.inferTypes(x).first?.shape == [1, 2, 3, 3, 3])
        guard case .decompose(let steps) = try pool.lower(x) else { Issue.record("not a decomposition"); return }
        #expect(steps.steps.map(\.opType) == ["Reshape", "MaxPool", "Reshape", "MaxPool", "Reshape"])
        #expect(steps.steps[3].attributes["kernel_shape"] == .ints([3, 1]))
        #expect(steps.steps[3].attributes["pads"] == .ints([1, 0, 1, 0]))
    }

    /// Indices: every window gathered into a row, ReduceMax and ArgMax over it, mapped back to flat positions.
    @Test func indicesComeFromAGatheredWindowPerOutput() throws {
        let pool = try MaxPool.parse(["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "storage_order": .int(1)])
        let inputs = OpInputs(.value(.float32, [1, 2, 4, 4]), outputCount: 2)
        #expect(try pool.inferTypes(inputs) == [TensorType(.float32, [1, 2, 2, 2]), TensorType(.int64, [1, 2, 2, 2])])
        guard case .decompose(let steps) = try pool.lower(inputs) else { Issue.record("not a decomposition"); return }
        #expect(steps.steps.contains { $0.opType == "ArgMax" } && steps.outputs.count == 2)
        // Column-major: window (0, 1)'s top-left tap is x[0, 2] → 2·4 + 0.
        guard case .constant(let sources)? = steps.steps.last(where: { $0.opType == "Gather" })?.inputs.first else {
            Issue.record("no source table")
            return
        }
        #expect(Array(sources.int64s[4..<8]) == [8, 12, 9, 13])
    }

    @Test func unsupportedOrMalformedPoolsAreRefused() {
        expectCompileError(.invalidAttribute, "kernel_shape is required") { try MaxPool.parse().inferTypes(x) }
        expectCompileError(.invalidAttribute, "storage_order must be 0 or 1") { try MaxPool.parse(["storage_order": .int(2)]) }
        expectCompileError(.unsupportedFeature, "Indices", "float32 2-D windows") {
            try MaxPool.parse(["kernel_shape": .ints([2])]).inferTypes(
                OpInputs(.value(.float32, [1, 1, 4]), outputCount: 2))
        }
        expectCompileError(.invalidAttribute, "'ceil_mode'", "an integer") {
            try MaxPool.parse(["ceil_mode": .string("1")])
        }
        expectCompileError(.unsupportedFeature, "input X", "int8") {
            try AveragePool.parse(["kernel_shape": .ints([2, 2])]).inferTypes(OpInputs(.value(.int8, [1, 1, 4, 4])))
        }
        expectCompileError(.shapeMismatch, "3×3 window does not fit the 2×2 input") {
            try AveragePool.parse(["kernel_shape": .ints([3, 3])]).inferTypes(OpInputs(.value(.float32, [1, 1, 2, 2])))
        }
    }
}
