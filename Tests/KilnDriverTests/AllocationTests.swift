// A model call must not touch the heap: everything is allocated at load.

import CAllocationCounter
import KilnDriver
import Testing

@_spi(Testing) import Kiln

/// Sanitizer builds own malloc, so nothing can be counted there.
@Suite(.enabled(if: kiln_allocation_counting_available() == 1, "a sanitizer owns the malloc family"))
struct AllocationTests {
    @Test func countingSeesAllocations() {
        // The counter itself must work, or the zero below would prove nothing.
        kiln_allocation_counting_begin()
        let array = Array(repeating: UInt8(1), count: 1000 + Int.random(in: 0..<10))
        let allocations = kiln_allocation_counting_end()
        #expect(array.count >= 1000)
        #expect(allocations >= 1)
    }

    /// Inline and on a worker pool that splits every multi-tile kernel: the
    /// caller's publish-and-wait path must not allocate either. (Workers run
    /// only the pool's loop and compiled kernels; the counter sees this
    /// thread alone, so other tests running in parallel cannot disturb it.)
    @Test(arguments: ["mlp", "lenet", "resnet_small", "digits"], [1, 2])
    func runAllocatesNothing(_ fixture: String, threads: Int) throws {
        let loaded = try LoadedModel(modelPath: fixturesDirectory.appendingPathComponent("\(fixture)/model.onnx").path)
        let runtime = try KilnModel(
            descriptor: loaded.descriptor, threads: .workers(threads), minimumOperationsPerWorker: 1)
        runtime.run()
        let input = runtime.input(0)
        kiln_allocation_counting_begin()
        for call in 0..<20 {
            input[0] = Float(call)
            runtime.run()
        }
        let allocations = kiln_allocation_counting_end()
        #expect(allocations == 0, "\(fixture): \(allocations) heap allocations in 20 calls")
    }

    /// Profiling records into a ring allocated at load: calls that wrap it
    /// allocate nothing either, and the record keeps the last calls only.
    @Test(arguments: [1, 2])
    func profiledRunAllocatesNothing(threads: Int) throws {
        let loaded = try LoadedModel(modelPath: fixturesDirectory.appendingPathComponent("lenet/model.onnx").path)
        let runtime = try KilnModel(
            descriptor: loaded.descriptor, threads: .workers(threads), minimumOperationsPerWorker: 1, profiling: true,
            profiledCalls: 8)
        #expect(runtime.isProfiling && runtime.kernelProfile().isEmpty)
        runtime.run()
        kiln_allocation_counting_begin()
        for _ in 0..<20 { runtime.run() }
        let allocations = kiln_allocation_counting_end()
        #expect(allocations == 0, "\(allocations) heap allocations in 20 profiled calls")
        let profile = runtime.kernelProfile()
        #expect(profile.count == runtime.kernelCount)
        #expect(profile.allSatisfy { $0.calls == 8 && $0.medianMilliseconds >= 0 && $0.totalMilliseconds >= $0.medianMilliseconds })
        #expect(profile.map(\.name) == (0..<runtime.kernelCount).map(runtime.kernelName))
        let plain = try KilnModel(descriptor: loaded.descriptor, threads: .workers(threads))
        plain.run()
        #expect(!plain.isProfiling && plain.kernelProfile().isEmpty)
    }
}
