// A model call must not touch the heap: everything is allocated at load.

import CAllocationCounter
import KilnDriver
import Testing

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

    @Test(arguments: ["mlp", "lenet", "resnet_small", "digits"])
    func runAllocatesNothing(_ fixture: String) throws {
        let loaded = try LoadedModel(modelPath: fixturesDirectory.appendingPathComponent("\(fixture)/model.onnx").path)
        let runtime = loaded.runtime
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
