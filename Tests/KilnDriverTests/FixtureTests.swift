// Numeric fixtures: every model under Fixtures/ is compiled, linked, loaded
// and run through the runtime, and its outputs compared with ONNX Runtime's.

import CKiln
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
        #expect(FixtureCase.tagged(.state).count >= 2)
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

    /// One binary with builds for three x86-64 levels: baseline SSE2 with
    /// 4-float vectors, AVX2 with 8 floats and 16 registers, AVX-512 with
    /// 16. Each build blocks differently and must agree with the reference;
    /// the runtime loads the best the machine supports unless one is forced.
    /// Typed cases cover the conversions that differ without F16C or AVX-512.
    @Test func everyCPUBuildOfOneBinaryMatches() throws {
        let levels = ["x86-64", "x86-64-v3", "x86-64-v4"]
        let targets = TargetSelection.resolve(triple: nil, cpus: levels, features: nil)
        #expect(targets.map(\.vectorWidth) == [4, 8, 16])
        let machine = kiln_cpu_features()
        let supported = levels.filter { level in
            targets.first { $0.cpu == level }.map { $0.requiredFeatures & ~machine == 0 } ?? false
        }
        for fixture in FixtureCase.all
        where !fixture.tags.contains(.realModel) && (fixture.tags.contains(.contraction) || fixture.tags.contains(.typed)) {
            let loaded = try LoadedModel(modelPath: fixture.modelPath, config: fixture.config, targets: targets)
            #expect(loaded.runtime.cpuVariants == levels)
            #expect(loaded.runtime.cpuVariant == supported.last, "\(fixture.folder)")
            for level in levels {
                guard supported.contains(level) else {
                    #expect(throws: KilnError.self) { try KilnModel(descriptor: loaded.descriptor, cpuVariant: level) }
                    continue
                }
                let runtime = try KilnModel(descriptor: loaded.descriptor, cpuVariant: level)
                #expect(runtime.cpuVariant == level)
                try check(fixture, runtime: runtime, context: level)
            }
        }
    }

    func check(_ fixture: FixtureCase, target: TargetSelection) throws {
        let loaded = try LoadedModel(modelPath: fixture.modelPath, config: fixture.config, target: target)
        try check(fixture, runtime: loaded.runtime, context: target.cpu, splitting: target == .host ? loaded.descriptor : nil)
    }

    /// Runs a loaded model on the fixture's data sets in order (one call
    /// each, so a state case carries its state from set to set) and
    /// compares with their outputs; with `splitting`, also instances of that
    /// descriptor on workers.
    func check(
        _ fixture: FixtureCase, runtime: KilnModel, context: String, splitting descriptor: UnsafeRawPointer? = nil
    ) throws {
        let folder = "\(fixturesDirectory.path)/\(fixture.folder)"
        let sets = try fixture.dataSets.map { set in
            (
                inputs: try TensorFile.readAll(directory: "\(folder)/\(set)", prefix: "input"),
                expected: try TensorFile.readAll(directory: "\(folder)/\(set)", prefix: "output")
            )
        }
        try #require(!sets.isEmpty)
        func outputBytes(_ model: KilnModel) -> [[UInt8]] { (0..<model.outputs.count).map { Array(model.outputBytes($0)) } }
        func call(_ model: KilnModel, _ set: Int) throws -> [[UInt8]] {
            for (index, tensor) in sets[set].inputs.enumerated() { try model.setInput(index, from: tensor.data) }
            model.run()
            return outputBytes(model)
        }
        var calls: [[[UInt8]]] = []
        for (number, set) in sets.enumerated() {
            try #require(set.inputs.count == runtime.inputs.count)
            try #require(set.expected.count == runtime.outputs.count)
            calls.append(try call(runtime, number))
            for (index, tensor) in set.inputs.enumerated() {
                #expect(runtime.inputShape(index) == tensor.shape)
            }
            for (index, reference) in set.expected.enumerated() {
                #expect(runtime.outputShape(index) == reference.shape, "output \(index) shape")
                let comparison = Comparison(
                    name: reference.name, actual: try runtime.outputData(index), expected: reference.data,
                    absolute: fixture.absolute, relative: fixture.relative)
                #expect(comparison.passed, "\(fixture) (\(context), \(fixture.dataSets[number])): \(comparison)")
            }
        }
        if runtime.statePairs.isEmpty {
            // A second call on the same arena must give the same answer (no state leaks between calls).
            #expect(try call(runtime, sets.count - 1) == calls.last)
        } else {
            try checkStateControl(runtime, calls: calls, call: call)
        }
        guard let descriptor else { return }
        // Split across workers (every multi-tile kernel, however small), the
        // bytes must not change: tiles are independent and statically shared.
        for threads in [2, 3] {
            let split = try KilnModel(
                descriptor: descriptor, threads: .workers(threads), minimumOperationsPerWorker: 1)
            let splitCalls = try sets.indices.map { try call(split, $0) }
            #expect(splitCalls == calls, "\(fixture): \(threads) threads changed the result")
        }
    }

    /// Reset, snapshot and restore against the calls a fresh instance made.
    func checkStateControl(
        _ runtime: KilnModel, calls: [[[UInt8]]], call: (KilnModel, Int) throws -> [[UInt8]]
    ) throws {
        runtime.resetState()
        #expect(try call(runtime, 0) == calls[0], "after resetState the first step repeats")
        let middle = calls.count / 2
        for set in 1..<middle { _ = try call(runtime, set) }
        let snapshot = runtime.stateSnapshot()
        #expect(try call(runtime, middle) == calls[middle])
        #expect(try call(runtime, middle + 1) == calls[middle + 1])
        try runtime.restoreState(snapshot)
        #expect(try call(runtime, middle) == calls[middle], "restoring the snapshot repeats the step after it")
        #expect(throws: KilnError.self) {
            try runtime.restoreState(KilnStateSnapshot(modelName: snapshot.modelName, bytes: [1, 2, 3]))
        }
    }
}
