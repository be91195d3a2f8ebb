// Pipelined calls, as IREE's guide advises (keep the device busy, few sync
// points): a call's inputs and outputs live in a slot of their own, so the
// caller prepares call N+1 and reads call N−1 while the device runs call N.
// Two slots, allocated at load (the Vulkan executor's mapped buffers, or
// host memory on the CPU, where a submitted call runs before submit
// returns, so code written for pipelining runs on either device).
// A model with state keeps it on the device from one pipelined call to the
// next (the executor's command buffers carry it, as the host does after a
// synchronous call), so calls in flight together still each read the state
// the one before left; the host's copy follows, and anything that reads
// or writes the state on the host first waits for the calls in flight.

import CKiln

/// A call ``KilnModel/submit()`` started; ``KilnModel/wait(for:)`` collects it.
public struct KilnPendingCall: Sendable, Hashable {
    /// The call's number, counting every submission of the model from 0.
    public let number: Int
    let slot: Int
}

/// The slots of pipelined calls and what each holds.
final class PipelineSlots {
    static let count = 2

    enum Use: Equatable {
        case idle
        /// Submitted: running on the device, or (CPU) already run.
        case submitted(number: Int, onDevice: Bool)
        /// Finished before its wait (a synchronous call drained it).
        case finished(number: Int)
        /// A call of a model with state that failed on the device: why.
        case lost(number: Int, detail: String)
    }

    let bases: [UnsafeMutableRawPointer]
    private let ownsMemory: Bool
    /// Each input's offset in a slot, then each output's.
    let offsets: [Int]
    let inputCount: Int
    var uses: [Use] = Array(repeating: .idle, count: count)
    /// The extent each slot's call was submitted at.
    var extents: [Int64] = Array(repeating: 0, count: count)
    var submitted = 0
    /// The model has state, which pipelined calls carry on the device.
    let stateful: Bool
    /// The device's arena holds the state the host's does: false once a
    /// synchronous call, reset or restore changed the host's.
    var deviceHasState = false

    init(model: KilnModelDescriptor, vulkan: VulkanRun?, name: String) throws(KilnError) {
        let tensors = Int(model.inputCount) + Int(model.outputCount)
        var offsets = [UInt64](repeating: 0, count: Swift.max(tensors, 1))
        let size = withUnsafePointer(to: model) { kiln_slot_layout($0, &offsets) }
        guard size != UInt64.max, size < UInt64(Int.max) else {
            throw .unsupportedExecutable(model: name, detail: "its inputs and outputs are too large for a pipelined call")
        }
        self.offsets = offsets.prefix(tensors).map { Int($0) }
        inputCount = Int(model.inputCount)
        stateful = model.stateCount > 0 || model.stateSize > 0
        if let vulkan {
            bases = (0..<Self.count).compactMap { kiln_vulkan_executor_slot(vulkan.executor, UInt32($0)) }
            ownsMemory = false
            guard bases.count == Self.count else {
                throw .unsupportedExecutable(model: name, detail: "the Vulkan executor has no slots for pipelined calls")
            }
        } else {
            let bytes = Swift.max(Int(size), 1)
            bases = (0..<Self.count).map { _ in
                let slot = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Int(KILN_SLOT_ALIGNMENT))
                slot.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
                return slot
            }
            ownsMemory = true
        }
    }

    /// Calls running on the device (kept as a count: a synchronous call checks it, allocating nothing).
    var onDevice = 0

    deinit {
        if ownsMemory { for base in bases { base.deallocate() } }
    }
}

extension KilnModel {
    /// How many pipelined calls may be in flight at once.
    public static let pipelineDepth = PipelineSlots.count

    /// Input `index` of the next call ``submit()`` starts, in that call's own
    /// memory: fill it while earlier calls run. Its count follows the current
    /// extent. `T` must match the input's dtype (a precondition).
    public func nextInput<T: KilnElement>(_ index: Int, as type: T.Type) -> UnsafeMutableBufferPointer<T> {
        let slot = pipeline.submitted % PipelineSlots.count
        return view(inputs[index], as: type, at: pipeline.bases[slot] + pipeline.offsets[index], count: currentCount(inputs[index]))
    }

    /// Copies `values` into input `index` of the next call, checking the count.
    public func setNextInput<T: KilnElement, C: Collection>(_ index: Int, _ values: C) throws(KilnError)
    where C.Element == T {
        try fill(nextInput(index, as: T.self), input: index, values)
    }

    /// Starts a call on the inputs written through ``nextInput(_:as:)`` and
    /// returns at once on Vulkan, where the device runs it while the caller
    /// goes on (on the CPU the call runs before this returns). Up to
    /// ``pipelineDepth`` calls may be in flight; collect each with ``wait(for:)``.
    ///
    /// A model with state runs its calls in the order submitted, each on the
    /// state the one before left, as synchronous calls do.
    ///
    /// - Throws: ``KilnError/pipelining(model:detail:)`` when the slot this
    ///   call needs still holds an uncollected call.
    public func submit() throws(KilnError) -> KilnPendingCall {
        let slot = pipeline.submitted % PipelineSlots.count
        guard pipeline.uses[slot] == .idle else {
            throw .pipelining(
                model: modelName,
                detail: "\(PipelineSlots.count) calls are in flight; wait for call \(pipeline.submitted - PipelineSlots.count) first")
        }
        let call = KilnPendingCall(number: pipeline.submitted, slot: slot)
        pipeline.extents[slot] = dimCount > 0 ? Int64(extent()) : 0
        var onDevice = false
        if activeDevice == .vulkan, let vulkan {
            let state = pipeline.stateful && !pipeline.deviceHasState
            let extent = dimCount > 0 ? vulkan.setExtent(pipeline.extents[slot], region: 1 + slot) : nil
            if let failure = extent ?? vulkan.submit(slot: slot, state: state) {
                fallBack(failure)
            } else {
                onDevice = true
                pipeline.deviceHasState = true
            }
        }
        if !onDevice { runOnCPU(slot: slot) }
        pipeline.uses[slot] = .submitted(number: call.number, onDevice: onDevice)
        if onDevice { pipeline.onDevice += 1 }
        pipeline.submitted += 1
        return call
    }

    /// Waits until `call` has finished; then ``output(_:of:as:)`` reads its outputs
    /// until the call ``pipelineDepth`` submissions later is submitted.
    ///
    /// - Throws: ``KilnError/pipelining(model:detail:)`` when `call` is not in
    ///   flight (collected already, or never submitted here), or when the
    ///   device failed while a model with state ran it: the CPU takes over
    ///   the calls after it, but cannot redo the state it carried.
    public func wait(for call: KilnPendingCall) throws(KilnError) {
        guard call.slot < PipelineSlots.count else {
            throw .pipelining(model: modelName, detail: "call \(call.number) was not submitted to this model")
        }
        switch pipeline.uses[call.slot] {
        case .submitted(call.number, let onDevice):
            pipeline.uses[call.slot] = .idle
            if onDevice {
                pipeline.onDevice -= 1
                if let lost = finishOnDevice(call.number, slot: call.slot) {
                    throw .pipelining(model: modelName, detail: lost)
                }
            }
        case .finished(call.number):
            pipeline.uses[call.slot] = .idle
        case .lost(call.number, let detail):
            pipeline.uses[call.slot] = .idle
            throw .pipelining(model: modelName, detail: detail)
        default:
            throw .pipelining(model: modelName, detail: "call \(call.number) is not in flight (collected already?)")
        }
    }

    /// Output `index` of a call ``wait(for:)`` collected, sized at the extent it was submitted at.
    public func output<T: KilnElement>(_ index: Int, of call: KilnPendingCall, as type: T.Type) -> UnsafeBufferPointer<T> {
        let tensor = outputs[index]
        let start = pipeline.bases[call.slot] + pipeline.offsets[pipeline.inputCount + index]
        return UnsafeBufferPointer(
            view(tensor, as: type, at: start, count: count(tensor, atExtent: Int(pipeline.extents[call.slot]))))
    }

    /// Waits for every call running on the device, oldest first (before a
    /// synchronous call, which shares its arena, or the host writes its
    /// inputs or touches the state). Without any, one branch: the count is
    /// the number of slots holding a call on the device.
    func finishPipelinedCalls() {
        guard pipeline.onDevice > 0 else { return }
        // The oldest running call, found by a scan: a call allocates nothing.
        func oldest() -> (number: Int, slot: Int)? {
            var found: (number: Int, slot: Int)?
            for slot in 0..<PipelineSlots.count {
                guard case .submitted(let number, true) = pipeline.uses[slot], number < found?.number ?? .max else { continue }
                found = (number, slot)
            }
            return found
        }
        while let (number, slot) = oldest() {
            pipeline.onDevice -= 1
            // Finished before the wait: if the device failed, redoing this
            // call on the CPU finishes the calls still on the device first,
            // which must not find this one again.
            pipeline.uses[slot] = .finished(number: number)
            if let lost = finishOnDevice(number, slot: slot) { pipeline.uses[slot] = .lost(number: number, detail: lost) }
        }
    }

    /// Waits for the device's call `number` in `slot`. If the device fails,
    /// calls move to the CPU, which computes this one from the slot's
    /// inputs; for a model with state it cannot, and this says why.
    private func finishOnDevice(_ number: Int, slot: Int) -> String? {
        guard let vulkan, let failure = vulkan.wait(slot: slot) else { return nil }
        if activeDevice == .vulkan { fallBack(failure) }
        guard pipeline.stateful else {
            runOnCPU(slot: slot)
            return nil
        }
        return "call \(number) failed on the device (\(failure)); calls now run on the CPU, but the state it "
            + "and the calls in flight with it carried is lost: the model holds what the device last wrote. "
            + "Call resetState() or restoreState(_:) to go on from a known state"
    }

    /// Runs the call whose inputs are in `slot` on the CPU build, leaving its outputs there.
    private func runOnCPU(slot: Int) {
        // Calls still on the device finish first (and, if it failed, are
        // redone here too): run() would otherwise do that after this call's
        // inputs are in the arena, and overwrite them with theirs.
        finishPipelinedCalls()
        let base = pipeline.bases[slot]
        for (index, tensor) in inputs.enumerated() {
            (arena + tensor.offset).copyMemory(from: base + pipeline.offsets[index], byteCount: tensorBytes(tensor))
        }
        run()
        for (index, tensor) in outputs.enumerated() {
            (base + pipeline.offsets[inputs.count + index]).copyMemory(from: arena + tensor.offset, byteCount: tensorBytes(tensor))
        }
    }

    /// Every byte of `tensor` at its bound.
    private func tensorBytes(_ tensor: TensorInfo) -> Int { tensor.elementCount * (tensor.dtype.map(Self.byteSize) ?? 0) }
}
