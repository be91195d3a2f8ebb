// Pipelined calls (submit / wait): the same answers as synchronous calls
// on Vulkan and on the CPU, clear errors when misused, and real overlap: the
// caller's preparation of the next call runs while the device computes.

import Foundation
@_spi(Testing) @_spi(Tools) @testable import Kiln
import KilnCompiler
import KilnDriver
import Testing

@Suite struct PipeliningTests {
    /// An instance of a fixture compiled with a Vulkan build, keeping its code loaded.
    static func load(_ folder: String, device: KilnDevice) throws -> KilnModel {
        let fixture = try #require(FixtureCase.all.first { $0.folder == folder })
        let loaded = try LoadedModel(modelPath: fixture.modelPath, config: VulkanFixtureTests.vulkanConfig(fixture))
        let model = try KilnModel(descriptor: loaded.descriptor, device: device)
        model.codeOwner = loaded
        return model
    }

    /// Input values of call `number`: different for every call.
    static func input(_ count: Int, call number: Int) -> [Float] {
        (0..<count).map { Float(($0 * 7 + number * 13) % 29) / 29 - 0.5 }
    }

    @Test(arguments: [KilnDevice.vulkan, .cpu])
    func pipelinedCallsGiveTheSynchronousAnswers(_ device: KilnDevice) throws {
        let model = try Self.load("resnet_small", device: device)
        #expect(model.activeDevice == device)
        let expected = try Self.synchronousOutputs(model, calls: 6)
        #expect(try Self.pipelinedOutputs(model, calls: 6) == expected)
    }

    /// The outputs of calls 0 ..< `calls` run synchronously.
    static func synchronousOutputs(_ model: KilnModel, calls: Int) throws -> [[Float]] {
        let count = model.inputs[0].elementCount
        return try (0..<calls).map { number in
            try model.setInput(0, input(count, call: number))
            model.run()
            return Array(model.output(0))
        }
    }

    /// The outputs of calls 0 ..< `calls` pipelined, two in flight: submit
    /// call n, then collect call n − 1.
    static func pipelinedOutputs(_ model: KilnModel, calls: Int) throws -> [[Float]] {
        let count = model.inputs[0].elementCount
        var pending: [KilnPendingCall] = []
        var results: [[Float]] = []
        for number in 0..<calls {
            try model.setNextInput(0, input(count, call: number))
            pending.append(try model.submit())
            if pending.count == 2 {
                let call = pending.removeFirst()
                try model.wait(for: call)
                results.append(Array(model.output(0, of: call, as: Float.self)))
            }
        }
        for call in pending {
            try model.wait(for: call)
            results.append(Array(model.output(0, of: call, as: Float.self)))
        }
        return results
    }

    /// A device that fails (lost, as injected after a number of calls)
    /// moves the model to the CPU for good, and the call that failed is
    /// redone there: synchronous and pipelined calls give the CPU's answers
    /// throughout, and the model says why it left the device.
    @Test func aLostDeviceMovesCallsToTheCPUWithTheSameAnswers() throws {
        let expected = try Self.synchronousOutputs(Self.load("resnet_small", device: .cpu), calls: 8)
        // Synchronous: calls 0 and 1 on the device, call 2 fails there.
        let synchronous = try Self.load("resnet_small", device: .vulkan)
        let count = synchronous.inputs[0].elementCount
        try #require(synchronous.activeDevice == .vulkan)
        synchronous.vulkan?.loseDevice(afterCalls: 2)
        for number in 0..<4 {
            try synchronous.setInput(0, Self.input(count, call: number))
            synchronous.run()
            // The device's answers are the CPU's within rounding; the CPU's are the same bits.
            #expect(Self.agree(Array(synchronous.output(0)), expected[number], exactly: number >= 2), "call \(number)")
            #expect(synchronous.activeDevice == (number < 2 ? .vulkan : .cpu), "call \(number)")
        }
        #expect(synchronous.fallbackReason?.contains("was lost") == true, "\(synchronous.fallbackReason ?? "no reason")")
        // Pipelined, two in flight: call 1 fails as it is collected, after call 2 was submitted to the device.
        let pipelined = try Self.load("resnet_small", device: .vulkan)
        pipelined.vulkan?.loseDevice(afterCalls: 1)
        let results = try Self.pipelinedOutputs(pipelined, calls: 8)
        #expect(results.count == 8 && Self.agree(results[0], expected[0], exactly: false))
        #expect(results.dropFirst() == expected.dropFirst(), "calls 1 to 7 ran on the CPU")
        #expect(pipelined.activeDevice == .cpu && pipelined.fallbackReason?.contains("was lost") == true)
    }

    /// Inputs written into the arena for a synchronous call while pipelined
    /// calls run wait for those calls, which copy their own inputs into the
    /// same memory as they start: the synchronous call computes on its
    /// inputs and the pipelined ones on theirs. Without the wait the writes
    /// landed before the device's copies and the synchronous call returned
    /// the second pipelined call's answer.
    @Test(arguments: [KilnDevice.vulkan, .cpu])
    func arenaInputsWaitForTheCallsInFlight(_ device: KilnDevice) throws {
        let model = try Self.load("resnet_small", device: device)
        try #require(model.activeDevice == device)
        let expected = try Self.synchronousOutputs(model, calls: 3)
        for round in 0..<3 {
            let pending = try Self.submitCalls(model, 2)
            try model.setInput(0, Self.input(model.inputs[0].elementCount, call: 2))
            model.run()
            #expect(Array(model.output(0)) == expected[2], "round \(round): the synchronous call")
            for (number, call) in pending.enumerated() {
                try model.wait(for: call)
                #expect(Array(model.output(0, of: call, as: Float.self)) == expected[number], "round \(round): call \(number)")
            }
        }
    }

    /// A device failing while a synchronous call finishes two pipelined
    /// calls: each is redone on the CPU once, and none is counted twice.
    @Test func aDeviceLostUnderTwoCallsInFlightRedoesEachOnce() throws {
        let expected = try Self.synchronousOutputs(Self.load("resnet_small", device: .cpu), calls: 3)
        let model = try Self.load("resnet_small", device: .vulkan)
        try #require(model.activeDevice == .vulkan)
        model.vulkan?.loseDevice(afterCalls: 0)
        let pending = try Self.submitCalls(model, 2)
        try model.setInput(0, Self.input(model.inputs[0].elementCount, call: 2))
        model.run()
        #expect(model.activeDevice == .cpu && model.pipeline.onDevice == 0, "\(model.pipeline.onDevice) calls counted on the device")
        #expect(Array(model.output(0)) == expected[2])
        for (number, call) in pending.enumerated() {
            try model.wait(for: call)
            #expect(Array(model.output(0, of: call, as: Float.self)) == expected[number], "call \(number)")
        }
    }

    /// Submits calls 0 ..< `count` without collecting them.
    static func submitCalls(_ model: KilnModel, _ count: Int) throws -> [KilnPendingCall] {
        try (0..<count).map { number in
            try model.setNextInput(0, input(model.inputs[0].elementCount, call: number))
            return try model.submit()
        }
    }

    /// A synchronous call of a model with state that fails on the device is
    /// redone on the CPU from the state before it, though the device may
    /// have written the state already (the GRU step updates it in place).
    @Test(arguments: ["vulkan", "vulkan staged"])
    func aLostDeviceRedoesAStatefulCallFromTheStateBeforeIt(_ setting: String) throws {
        let fixture = try #require(FixtureCase.all.first { $0.folder == "state/gru_step" })
        let loaded = try LoadedModel(modelPath: fixture.modelPath, config: VulkanFixtureTests.vulkanConfig(fixture))
        func instance(_ device: KilnDevice) throws -> KilnModel {
            let model = try KilnModel(
                descriptor: loaded.descriptor, threads: .inline, minimumOperationsPerWorker: 1, device: device,
                stagedVulkanArena: setting == "vulkan staged")
            model.codeOwner = loaded
            return model
        }
        let (reference, model) = (try instance(.cpu), try instance(.vulkan))
        try #require(model.activeDevice == .vulkan)
        model.vulkan?.loseDevice(afterCalls: 2)
        let count = model.inputs[0].elementCount
        for number in 0..<5 {
            for subject in [reference, model] {
                try subject.setInput(0, Self.input(count, call: number))
                subject.run()
            }
            #expect(Self.agree(Array(model.output(0)), Array(reference.output(0)), exactly: false), "call \(number)")
        }
        #expect(model.activeDevice == .cpu)
    }

    /// Whether `values` are `expected`: bit for bit, or within 1e-4 relative (another device's rounding).
    static func agree(_ values: [Float], _ expected: [Float], exactly: Bool) -> Bool {
        guard values.count == expected.count else { return false }
        return exactly ? values == expected : zip(values, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
    }

    @Test func misuseIsAClearError() throws {
        let model = try Self.load("resnet_small", device: .vulkan)
        let first = try model.submit()
        let second = try model.submit()
        #expect { try model.submit() } throws: { "\($0)".contains("2 calls are in flight; wait for call 0 first") }
        // A synchronous call in between finishes the pipelined ones first; they stay collectable.
        model.run()
        try model.wait(for: first)
        #expect { try model.wait(for: first) } throws: { "\($0)".contains("call 0 is not in flight") }
        try model.wait(for: second)
    }

    /// A model with state carries it from one pipelined call to the next on
    /// the device, two calls in flight, and the host's state follows: the
    /// same outputs and state as synchronous calls, through synchronous
    /// calls, a reset and a restore in between. The GRU step computes its
    /// state in place; the running sum (StateTests) copies it at the end of
    /// a call. `staged`: the host works on a copy of the arena, as on a discrete GPU.
    @Test(arguments: ["state/gru_step", "running sum"], ["vulkan", "vulkan staged", "cpu"])
    func aModelWithStateCarriesItThroughPipelinedCalls(_ subject: String, _ setting: String) throws {
        let loaded: LoadedModel
        if subject == "running sum" {
            let path = try StateTests().writeRunningSum()
            defer { try? FileManager.default.removeItem(atPath: path) }
            loaded = try LoadedModel(
                modelPath: path, config: ModelConfig(state: StateTests().pairs, backends: [.cpu, .vulkan]))
        } else {
            let fixture = try #require(FixtureCase.all.first { $0.folder == subject })
            loaded = try LoadedModel(modelPath: fixture.modelPath, config: VulkanFixtureTests.vulkanConfig(fixture))
        }
        func instance() throws -> KilnModel {
            let model = try KilnModel(
                descriptor: loaded.descriptor, threads: .inline, minimumOperationsPerWorker: 1,
                device: setting == "cpu" ? .cpu : .vulkan, stagedVulkanArena: setting == "vulkan staged")
            model.codeOwner = loaded
            return model
        }
        let (reference, model) = (try instance(), try instance())
        #expect(model.activeDevice == (setting == "cpu" ? .cpu : .vulkan))
        let count = model.inputs[0].elementCount
        func synchronous(_ model: KilnModel, _ number: Int) throws -> [Float] {
            try model.setInput(0, Self.input(count, call: number))
            model.run()
            return Array(model.output(0))
        }
        /// Calls `numbers` pipelined, two in flight, each output as it is collected.
        func pipelined(_ numbers: Range<Int>) throws -> [[Float]] {
            var pending: [KilnPendingCall] = []
            var results: [[Float]] = []
            for number in numbers {
                try model.setNextInput(0, Self.input(count, call: number))
                pending.append(try model.submit())
                if pending.count == 2 || number == numbers.upperBound - 1 {
                    for call in pending {
                        try model.wait(for: call)
                        results.append(Array(model.output(0, of: call, as: Float.self)))
                    }
                    pending.removeAll()
                }
            }
            return results
        }
        var expected = try (0..<8).map { try synchronous(reference, $0) }
        // Synchronous, pipelined (the device takes the host's state), synchronous, pipelined.
        var results = [try synchronous(model, 0)]
        results += try pipelined(1..<6)
        results.append(try synchronous(model, 6))
        results += try pipelined(7..<8)
        #expect(results == expected)
        #expect(model.stateSnapshot() == reference.stateSnapshot())
        // A snapshot taken while a call is in flight waits for it.
        try model.setNextInput(0, Self.input(count, call: 8))
        let inFlight = try model.submit()
        let snapshot = model.stateSnapshot()
        try model.wait(for: inFlight)
        _ = try synchronous(reference, 8)
        #expect(snapshot == reference.stateSnapshot())
        // A reset with a call in flight, then pipelined calls from the start.
        try model.setNextInput(0, Self.input(count, call: 9))
        let dropped = try model.submit()
        model.resetState()
        try model.wait(for: dropped)
        reference.resetState()
        expected = try (0..<3).map { try synchronous(reference, $0) }
        #expect(try pipelined(0..<3) == expected)
        // Back to the state after call 8, then on from there.
        try model.restoreState(snapshot)
        try reference.restoreState(snapshot)
        #expect(try pipelined(9..<12) == (9..<12).map { try synchronous(reference, $0) })
    }

    /// The caller's work on the next call overlaps the device's on this one:
    /// N pipelined calls take less than N × (prepare + run). The preparation
    /// sleeps (as waiting for a camera frame would), leaving lavapipe's
    /// threads the machine's cores.
    @Test func preparationOverlapsTheDevice() throws {
        let model = try Self.load("bounded/cnn", device: .vulkan)
        let count = model.inputs[0].elementCount
        let calls = 8
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var best = Double.infinity
        for _ in 0..<3 where best >= 0.85 {
            let run = (0..<3).map { _ in seconds { model.run() } }.sorted()[1]
            let prepare = max(run, 0.002)
            let synchronous = try seconds {
                for number in 0..<calls {
                    Thread.sleep(forTimeInterval: prepare)
                    try model.setInput(0, Self.input(count, call: number))
                    model.run()
                }
            }
            let pipelined = try seconds {
                var pending: KilnPendingCall?
                for number in 0..<calls {
                    Thread.sleep(forTimeInterval: prepare)
                    try model.setNextInput(0, Self.input(count, call: number))
                    let call = try model.submit()
                    if let pending { try model.wait(for: pending) }
                    pending = call
                }
                if let pending { try model.wait(for: pending) }
            }
            best = min(best, pipelined / synchronous)
        }
        #expect(best < 0.85, "pipelined calls took \(best) of the synchronous time")
    }
}
