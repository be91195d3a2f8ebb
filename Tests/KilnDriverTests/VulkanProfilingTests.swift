// Profiling on Vulkan: a profiling instance records the device's timestamps
// around each dispatch of the Vulkan build (a dispatch cannot be run alone
// there, as `runKernel` runs a CPU kernel), so `kernelProfile()`,
// `chromeTrace()` and `kilnc bench --profile/--trace` show where a call's
// device time goes, dispatch by dispatch.

import CKiln
import Foundation
import Kiln
import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanProfilingTests {
    let lenet = fixturesDirectory.appendingPathComponent("lenet/model.onnx").path

    func vulkanLenet() throws -> LoadedModel {
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        return try LoadedModel(modelPath: lenet, config: config)
    }

    /// "<node> (<op>[ step])" of every dispatch of the Vulkan build.
    func vulkanDispatchNames(_ descriptor: UnsafeRawPointer) throws -> [String] {
        let vulkan = try #require(descriptor.assumingMemoryBound(to: KilnModelDescriptor.self).pointee.vulkan?.pointee)
        return (0..<Int(vulkan.dispatchCount)).map { index in
            vulkan.dispatches?[index].name.map { String(cString: $0) } ?? "#\(index)"
        }
    }

    @Test func aProfileTimesEachVulkanDispatch() throws {
        let loaded = try vulkanLenet()
        let names = try vulkanDispatchNames(loaded.descriptor)
        defer { withExtendedLifetime(loaded) {} }
        let model = try KilnModel(descriptor: loaded.descriptor, profiling: true, profiledCalls: 4, device: .vulkan)
        #expect(model.activeDevice == .vulkan)
        try Benchmark.fillInputs(model)
        let clock = ContinuousClock()
        let wall = clock.measure { for _ in 0..<6 { model.run() } }
        let profile = model.kernelProfile()
        #expect(profile.map(\.name) == names)
        #expect(profile.allSatisfy { $0.calls == 4 && $0.tiles >= 1 && $0.workers == 1 && $0.medianMilliseconds >= 0 })
        // The dispatches of the last four calls took device time, less than the six calls' wall time.
        let total = profile.map(\.totalMilliseconds).reduce(0, +)
        let wallMilliseconds = Double(wall.components.seconds) * 1e3 + Double(wall.components.attoseconds) * 1e-15
        #expect(total > 0 && total < wallMilliseconds, "\(total) ms of \(wallMilliseconds) ms")

        let object = try JSONSerialization.jsonObject(with: Data(model.chromeTrace().utf8)) as? [String: Any]
        let events = try #require(object?["traceEvents"] as? [[String: Any]])
        let thread = events.first { $0["name"] as? String == "thread_name" }?["args"] as? [String: Any]
        #expect((thread?["name"] as? String)?.hasPrefix("Vulkan device llvmpipe") == true, "\(String(describing: thread))")
        let kernels = events.filter { $0["cat"] as? String == "kernel" }
        #expect(kernels.compactMap { $0["name"] as? String } == Array(Array(repeating: names, count: 4).joined()))

        // Without profiling, nothing is recorded (and the command buffer writes no timestamps).
        let plain = try KilnModel(descriptor: loaded.descriptor, device: .vulkan)
        try Benchmark.fillInputs(plain)
        plain.run()
        #expect(plain.kernelProfile().isEmpty)
    }

    @Test func benchProfilesAndTracesTheVulkanDispatches() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-vulkan-trace-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: path) }
        let (status, out, err) = try kilnc(
            ["bench", lenet, "--runs", "3", "--warmup", "1", "--device", "vulkan", "--profile", "--trace", path.path])
        #expect(status == 0, "\(out) \(err)")
        #expect(!err.contains("no per-dispatch times"), "\(err)")
        let loaded = try vulkanLenet()
        let names = try withExtendedLifetime(loaded) { try vulkanDispatchNames(loaded.descriptor) }
        let profiled = out.split(separator: "\n").filter { $0.contains(" ms ") && $0.contains(" %  ") }
        #expect(profiled.count == names.count, "\(out)")
        for name in names { #expect(profiled.contains { $0.hasSuffix("%  \(name)") }, "\(name): \(out)") }
        let trace = try String(contentsOf: path, encoding: .utf8)
        #expect(trace.contains(#""name":"Vulkan device llvmpipe"#), "\(trace.prefix(400))")
    }
}
