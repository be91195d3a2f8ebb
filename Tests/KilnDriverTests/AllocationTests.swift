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
}
