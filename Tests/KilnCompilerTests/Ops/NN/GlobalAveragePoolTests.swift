// GlobalAveragePool: the mean over every spatial axis, kept as size-1 axes.

import Testing

@testable import KilnCompiler

@Suite struct GlobalAveragePoolTests {
    @Test func spatialAxesBecomeOne() throws {
        let pool = try GlobalAveragePool.parse()
        #expect(try pool.inferTypes(OpInputs(.value(.float32, [2, 3, 5, 7]))) == [TensorType(.float32, [2, 3, 1, 1])])
        #expect(try pool.inferTypes(OpInputs(.value(.float32, [2, 3, 5]))) == [TensorType(.float32, [2, 3, 1])])
        #expect(try pool.lower(OpInputs(.value(.float32, [2, 3, 5, 7]))).coreOp == .globalAveragePool)
    }

    @Test func needsSpatialAxesAndFloat32() {
        expectCompileError(.shapeMismatch, "rank ≥ 3", "[2, 3]") {
            try GlobalAveragePool.parse().inferTypes(OpInputs(.value(.float32, [2, 3])))
        }
        expectCompileError(.unsupportedFeature, "int64") {
            try GlobalAveragePool.parse().inferTypes(OpInputs(.value(.int64, [2, 3, 4, 4])))
        }
    }
}
