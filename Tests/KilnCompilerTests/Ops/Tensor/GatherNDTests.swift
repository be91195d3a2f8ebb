// GatherND: shapes with and without batch axes; batch_dims rewritten as a
// batch_dims 0 gather whose tuples start with their batch coordinates.

import Testing

@testable import KilnCompiler

@Suite struct GatherNDTests {
    @Test func batchAxesPrefixEveryTuple() throws {
        let gather = try GatherND.parse(["batch_dims": .int(1)])
        let inputs = OpInputs(.value(.float32, [2, 3, 4]), .value(.int32, [2, 5, 1]))
        #expect(try gather.inferTypes(inputs) == [TensorType(.float32, [2, 5, 4])])
        guard case .decompose(let decomposition) = try gather.lower(inputs) else {
            Issue.record("not a decomposition")
            return
        }
        #expect(decomposition.steps.map(\.opType) == ["Cast", "Concat", "GatherND"])
        guard case .constant(let batch) = decomposition.steps[1].inputs[0] else {
            Issue.record("no batch coordinates")
            return
        }
        #expect(batch.shape == [2, 5, 1] && batch.int64s == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    }

    @Test func mismatchedBatchAxesAreRefused() {
        expectCompileError(.shapeMismatch, "batch_dims 1") {
            try GatherND.parse(["batch_dims": .int(1)]).inferTypes(
                OpInputs(.value(.float32, [2, 3]), .value(.int64, [3, 1])))
        }
        expectCompileError(.invalidAttribute, "batch_dims must not be negative") {
            try GatherND.parse(["batch_dims": .int(-1)])
        }
    }
}
