// Numeric fixtures: every model under Fixtures/ is compiled, linked, loaded
// and run through the runtime, and its outputs compared with ONNX Runtime's.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@_spi(Testing) import Kiln

/// The repository's Fixtures/ folder, found from this file (SwiftPM resources
/// must live inside a target, so tests reach the shared folder by path).
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Every fixture folder holding `model.onnx` and `test_data_set_0/`, relative to Fixtures/.
func numericFixtures() -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: fixturesDirectory.path) else { return [] }
    var found: [String] = []
    while let path = enumerator.nextObject() as? String {
        guard path.hasSuffix("model.onnx") else { continue }
        let folder = String(path.dropLast("model.onnx".count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if FileManager.default.fileExists(atPath: "\(fixturesDirectory.path)/\(folder)/test_data_set_0") {
            found.append(folder)
        }
    }
    return found.sorted()
}

/// One runner crosses every fixture case with every backend and target
/// variant; tags select the cases a variant is about.
@Suite struct FixtureTests {
    @Test func fixturesArePresent() {
        let fixtures = numericFixtures()
        #expect(fixtures.count >= 90)
        for required in ["mlp", "lenet", "resnet_small", "shape_subgraph", "digits", "typed/where_bool"] {
            #expect(fixtures.contains(required), "missing fixture \(required)")
        }
        #expect(FixtureCase.tagged(.typed).count >= 15)
        #expect(FixtureCase.tagged(.contraction).count >= 30)
    }

    /// Every case on the host CPU.
    @Test(arguments: FixtureCase.all)
    func matchesReference(_ fixture: FixtureCase) throws {
        try check(fixture, target: .host)
    }

    /// The matrix-product kernels split columns into chunks sized for the L2
    /// cache; the fixtures are small enough to fit one chunk. A 4 KiB "cache"
    /// forces many chunks (and short last chunks) through the same checks.
    @Test(arguments: FixtureCase.tagged(.contraction).filter { !$0.tags.contains(.realModel) })
    func matchesWithSmallCacheBlocking(_ fixture: FixtureCase) throws {
        var target = TargetSelection.host
        target.cacheBytes = 4096
        try check(fixture, target: target)
    }

    /// Code for older CPUs (AVX2 with 8-float vectors and 16 registers;
    /// baseline x86-64 with SSE2) blocks differently and must agree too;
    /// typed cases cover the conversions that differ without F16C or AVX-512.
    @Test(arguments: ["x86-64-v3", "x86-64"])
    func matchesOnOlderCPUs(_ cpu: String) throws {
        let target = TargetSelection.resolve(triple: nil, cpu: cpu, features: nil)
        #expect(target.vectorWidth == (cpu == "x86-64-v3" ? 8 : 4))
        for fixture in FixtureCase.all
        where !fixture.tags.contains(.realModel) && (fixture.tags.contains(.contraction) || fixture.tags.contains(.typed)) {
            try check(fixture, target: target)
        }
    }

    func check(_ fixture: FixtureCase, target: TargetSelection) throws {
        let folder = "\(fixturesDirectory.path)/\(fixture.folder)"
        let loaded = try LoadedModel(modelPath: fixture.modelPath, target: target)
        let runtime = loaded.runtime
        let inputs = try TensorFile.readAll(directory: "\(folder)/test_data_set_0", prefix: "input")
        let expected = try TensorFile.readAll(directory: "\(folder)/test_data_set_0", prefix: "output")
        try #require(inputs.count == runtime.inputs.count)
        try #require(expected.count == runtime.outputs.count)
        for (index, tensor) in inputs.enumerated() {
            #expect(runtime.inputs[index].shape == tensor.shape)
            try runtime.setInput(index, from: tensor.data)
        }
        runtime.run()
        for (index, reference) in expected.enumerated() {
            #expect(runtime.outputs[index].shape == reference.shape, "output \(index) shape")
            let comparison = Comparison(
                name: reference.name, actual: try runtime.outputData(index), expected: reference.data,
                absolute: fixture.absolute, relative: fixture.relative)
            #expect(comparison.passed, "\(fixture): \(comparison)")
        }
        // A second call on the same arena must give the same answer (no state leaks between calls).
        let first = (0..<runtime.outputs.count).map { Array(runtime.outputBytes($0)) }
        runtime.run()
        #expect((0..<runtime.outputs.count).map { Array(runtime.outputBytes($0)) } == first)
        guard target == .host else { return }
        // Split across workers (every multi-tile kernel, however small), the
        // bytes must not change: tiles are independent and statically shared.
        for threads in [2, 3] {
            let split = try KilnModel(
                descriptor: loaded.descriptor, threads: .workers(threads), minimumOperationsPerWorker: 1)
            for (index, tensor) in inputs.enumerated() { try split.setInput(index, from: tensor.data) }
            split.run()
            let bytes = (0..<split.outputs.count).map { Array(split.outputBytes($0)) }
            #expect(bytes == first, "\(fixture): \(threads) threads changed the result")
        }
    }
}
