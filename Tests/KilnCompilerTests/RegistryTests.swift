// The op registry is the one list of supported ops: every op in it must have
// a fixture that exercises it and compiles on every backend, so a gap shows
// up here instead of as a user's "internal error".

import Foundation
import Testing

@testable import KilnCompiler

@Suite struct RegistryTests {
    /// Every `model.onnx` under Fixtures/ with the op types its graph uses.
    static let fixtureOps: [(path: String, ops: Set<String>)] = {
        guard let enumerator = FileManager.default.enumerator(atPath: fixtureRoot.path) else { return [] }
        var found: [(String, Set<String>)] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix("model.onnx") else { continue }
            let path = fixtureRoot.appendingPathComponent(relative).path
            guard let graph = try? ONNXImporter(modelPath: path).importModel() else { continue }
            found.append((path, Set(graph.nodes.map(\.opType))))
        }
        return found.sorted { $0.0 < $1.0 }
    }()

    /// The backends every op must compile on (the registry of backends).
    static let backends: [any Backend] = [CPUBackend()]

    @Test func opTypesAreUnique() {
        #expect(Set(OperatorRegistry.opTypes).count == OperatorRegistry.operators.count)
    }

    /// Swift cannot list the types conforming to `Operator`, so the registry
    /// is a written list; this reads the op files and fails when an op
    /// defined there was not added to it.
    @Test func everyOpDefinedUnderOpsIsRegistered() throws {
        let opsDirectory = fixtureRoot.deletingLastPathComponent().appendingPathComponent("Sources/KilnCompiler/Ops")
        let enumerator = try #require(FileManager.default.enumerator(atPath: opsDirectory.path))
        var defined: Set<String> = []
        while let file = enumerator.nextObject() as? String {
            guard file.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: opsDirectory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("static let opType = \"") else { continue }
                defined.insert(String(trimmed.split(separator: "\"")[1]))
            }
        }
        #expect(defined.count >= 40)
        #expect(defined == Set(OperatorRegistry.opTypes), "unregistered: \(defined.subtracting(OperatorRegistry.opTypes))")
    }

    @Test(arguments: OperatorRegistry.opTypes)
    func opHasACompilingFixtureOnEveryBackend(_ opType: String) throws {
        let fixtures = Self.fixtureOps.filter { $0.ops.contains(opType) }.map(\.path)
        // Fixtures of ops that are not yet computed at run time for every dtype
        // (Fixtures/typed/) may not compile; one compiling fixture per op is required.
        var compiled: [String] = []
        for path in fixtures {
            guard let model = try? Compiler.prepare(modelPath: path) else { continue }
            for backend in Self.backends {
                let scheduled = Compiler.schedule(model, target: .host)
                let weights = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "kiln-registry-\(UUID().uuidString).weights"
                ).path
                defer { try? FileManager.default.removeItem(atPath: weights) }
                _ = try backend.compile(scheduled, weightsPath: weights)
            }
            compiled.append(path)
            break  // one is what the rule asks for; the real networks would cost minutes per op
        }
        #expect(!fixtures.isEmpty, "op \(opType) has no fixture under Fixtures/: add one (Scripts/fixtures/)")
        #expect(!compiled.isEmpty, "no fixture using \(opType) compiles: \(fixtures)")
    }
}

import CKiln

/// The compiler's dtypes and the ABI's codes are one table written twice
/// (the runtime cannot depend on the compiler); this keeps them in step.
@Suite struct DTypeABITests {
    @Test func dtypeCodesAreTheABICodes() {
        let abi: [DType: Int] = [
            .float32: Int(KILN_DTYPE_FLOAT32), .uint8: Int(KILN_DTYPE_UINT8), .int8: Int(KILN_DTYPE_INT8),
            .uint16: Int(KILN_DTYPE_UINT16), .int16: Int(KILN_DTYPE_INT16), .int32: Int(KILN_DTYPE_INT32),
            .int64: Int(KILN_DTYPE_INT64), .bool: Int(KILN_DTYPE_BOOL), .float16: Int(KILN_DTYPE_FLOAT16),
            .float64: Int(KILN_DTYPE_FLOAT64), .uint32: Int(KILN_DTYPE_UINT32), .uint64: Int(KILN_DTYPE_UINT64),
            .bfloat16: Int(KILN_DTYPE_BFLOAT16), .float8e4m3fn: Int(KILN_DTYPE_FLOAT8E4M3FN),
            .float8e4m3fnuz: Int(KILN_DTYPE_FLOAT8E4M3FNUZ), .float8e5m2: Int(KILN_DTYPE_FLOAT8E5M2),
            .float8e5m2fnuz: Int(KILN_DTYPE_FLOAT8E5M2FNUZ), .uint4: Int(KILN_DTYPE_UINT4), .int4: Int(KILN_DTYPE_INT4),
            .float4e2m1: Int(KILN_DTYPE_FLOAT4E2M1), .float8e8m0: Int(KILN_DTYPE_FLOAT8E8M0),
            .uint2: Int(KILN_DTYPE_UINT2), .int2: Int(KILN_DTYPE_INT2),
        ]
        #expect(abi.count == DType.allCases.count)
        for dtype in DType.allCases { #expect(abi[dtype] == dtype.rawValue, "\(dtype)") }
    }

    @Test func halfPrecisionConversionsRoundToNearestEven() {
        let values: [Double] = [0, -0.0, 1, 2049, 2051, 65504, 65520, 1e-7, -3.5, .infinity]
        let half = TensorData(dtype: .float16, shape: [values.count], converting: values)
        #expect(half.doubles == [0, -0.0, 1, 2048, 2052, 65504, .infinity, 1.1920928955078125e-07, -3.5, .infinity])
        let bfloat = TensorData(dtype: .bfloat16, shape: [3], converting: [1, 3.14159, -256.5])
        #expect(bfloat.doubles == [1, 3.140625, -256])
    }
}
