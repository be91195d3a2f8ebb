// Where a model runs: the CPU, or a Vulkan device through the model's
// SPIR-V build (config `"backends": ["cpu", "vulkan"]`). The Vulkan
// executor is built once at load (CKiln/kiln_vulkan.c); it shares the CPU
// build's arena layout, so the host reads and writes inputs, outputs and
// state the same way on either device, and the CPU can take over.

import CKiln

/// The device a model is asked to run on.
public enum KilnDevice: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The CPU build, always present.
    case cpu
    /// The model's Vulkan build on the device ``KilnVulkan/selectDevice(_:needsFloat64:)``
    /// picks (`KILN_VULKAN_DEVICE` chooses another); loading throws when the
    /// model has no Vulkan build or no usable device is present.
    case vulkan
    /// Vulkan when the model has a Vulkan build and a usable device is
    /// present, else the CPU; ``KilnModel/fallbackReason`` says why not.
    case automatic

    public var description: String { rawValue }
}

/// The Vulkan side of a loaded model.
final class VulkanRun {
    let executor: OpaquePointer
    let device: KilnVulkan.Device
    /// The Vulkan build's descriptor (its dispatches' names and workgroups, for profiles).
    let descriptor: UnsafePointer<KilnModelDescriptor>
    /// Preallocated for the reason a call fails, so a call allocates nothing.
    private let error: UnsafeMutablePointer<CChar>
    private static let errorCapacity = 512

    /// Builds the executor of `model`'s Vulkan build, checking that it lays
    /// out the arena as the chosen CPU build does (`cpu`), so that the host
    /// side and a CPU fallback see the same tensors. `profiling`: calls
    /// record a device timestamp around every dispatch. `staged`: the host
    /// works on a copy of the arena even where it could map the device's.
    /// `rejectingSubgroups`: the executor acts as on a driver that rejects
    /// modules with subgroup operations (for tests).
    init(
        vulkan: UnsafePointer<KilnModelDescriptor>?, cpu: KilnModelDescriptor, name: String, profiling: Bool,
        staged: Bool = false, rejectingSubgroups: Bool = false
    ) throws(KilnError) {
        guard let vulkan else {
            // The config asked for Vulkan and a node kept it out: name it, rather than blame the config.
            if let omission = cpu.vulkanOmission {
                let problem = String(cString: omission)
                throw .vulkanUnavailable(
                    reason: "\(name) has no Vulkan build: \(problem) (its build warned about this node)")
            }
            throw .vulkanUnavailable(
                reason: "\(name) was compiled without a Vulkan build; add \"backends\": [\"cpu\", \"vulkan\"] to its "
                    + ".kiln.json")
        }
        let shader = vulkan.pointee
        guard shader.abiVersion == cpu.abiVersion, Self.sameLayout(shader, cpu) else {
            throw .vulkanUnavailable(
                reason: "\(name)'s Vulkan build lays out its arena unlike CPU build \(cpu.cpuName.map { String(cString: $0) } ?? "?"); "
                    + "choose the first CPU build in the config")
        }
        for index in 0..<Int(shader.executableCount) where shader.executables?[index].format != UInt32(KILN_EXECUTABLE_SPIRV) {
            throw .unsupportedExecutable(model: name, detail: "Vulkan executable \(index) is not SPIR-V")
        }
        let executables = UnsafeBufferPointer(start: shader.executables, count: Int(shader.executableCount))
        let needsFloat64 = executables.contains { $0.deviceFeatures & UInt32(KILN_VULKAN_NEEDS_FLOAT64) != 0 }
        let device = try KilnVulkan.selectDevice(needsFloat64: needsFloat64)
        let error = UnsafeMutablePointer<CChar>.allocate(capacity: Self.errorCapacity)
        error.initialize(repeating: 0, count: Self.errorCapacity)
        let flags =
            (profiling ? UInt32(KILN_VULKAN_PROFILE) : 0) | (staged ? UInt32(KILN_VULKAN_STAGED) : 0)
            | (rejectingSubgroups ? UInt32(KILN_VULKAN_REJECT_SUBGROUPS) : 0)
        guard let executor = kiln_vulkan_executor_create(vulkan, UInt32(device.loaderIndex), flags, error, Self.errorCapacity)
        else {
            let reason = String(cString: error)
            error.deallocate()
            throw .vulkanUnavailable(reason: "\(device.name): \(reason)")
        }
        self.executor = executor
        self.device = device
        self.descriptor = vulkan
        self.error = error
    }

    var dispatchCount: Int { Int(descriptor.pointee.dispatchCount) }

    /// Whether dispatches run their forms with subgroup operations.
    var runsSubgroupForms: Bool { kiln_vulkan_executor_subgroups(executor) != 0 }

    /// "<node> (<op>[ step])" of dispatch `index`.
    func dispatchName(_ index: Int) -> String {
        guard let name = descriptor.pointee.dispatches?[index].name else { return "#\(index)" }
        return String(cString: name)
    }

    /// The workgroups dispatch `index` runs on this device.
    func workgroups(_ index: Int) -> Int {
        Int(kiln_vulkan_executor_workgroups(executor, descriptor, UInt32(truncatingIfNeeded: index)))
    }

    /// The last synchronous call's device timestamps (dispatchCount + 1, in
    /// nanoseconds from the first), or nil when the executor does not
    /// profile or the device writes none. Allocates nothing.
    @inline(__always)
    func timestamps() -> UnsafeBufferPointer<UInt64>? {
        var count: UInt32 = 0
        guard let stamps = kiln_vulkan_executor_timestamps(executor, &count), count > 0 else { return nil }
        return UnsafeBufferPointer(start: stamps, count: Int(count))
    }

    /// The host's view of the arena.
    var arena: UnsafeMutableRawPointer? { kiln_vulkan_executor_arena(executor) }

    /// Sets the extent the calls of `region` run at (0: synchronous calls,
    /// 1 + slot: that slot's pipelined calls), which trims the dispatches
    /// whose workgroups hold items in order; nil, or why it cannot.
    @inline(__always)
    func setExtent(_ extent: Int64, region: Int) -> String? {
        failure(kiln_vulkan_executor_extent(executor, UInt32(region), UInt64(max(extent, 0)), error, Self.errorCapacity))
    }

    /// Runs one call; nil, or why it failed.
    @inline(__always)
    func run() -> String? { failure(kiln_vulkan_executor_run(executor, error, Self.errorCapacity)) }

    /// Starts the pipelined call in `slot`, with `state`: after copying the
    /// host's state to the device; nil, or why it failed.
    func submit(slot: Int, state: Bool) -> String? {
        let flags = state ? UInt32(KILN_VULKAN_SUBMIT_STATE) : 0
        return failure(kiln_vulkan_executor_submit(executor, UInt32(slot), flags, error, Self.errorCapacity))
    }

    /// For tests: the device fails as if lost once `calls` more calls have finished.
    func loseDevice(afterCalls calls: Int) { kiln_vulkan_executor_lose_device_after(executor, UInt64(max(calls, 0))) }

    /// Waits for the pipelined call in `slot`; nil, or why it failed.
    func wait(slot: Int) -> String? { failure(kiln_vulkan_executor_wait(executor, UInt32(slot), error, Self.errorCapacity)) }

    /// Nil for status 0, else the executor's sentence, naming the device.
    @inline(__always)
    private func failure(_ status: Int32) -> String? { status == 0 ? nil : "\(device.name) failed: \(String(cString: error))" }

    deinit {
        kiln_vulkan_executor_destroy(executor)
        error.deallocate()
    }

    /// Whether two builds place every input, output and state at the same
    /// offsets, and `cpu`'s arena fits in `vulkan`'s.
    private static func sameLayout(_ vulkan: KilnModelDescriptor, _ cpu: KilnModelDescriptor) -> Bool {
        func same(_ a: UnsafePointer<KilnTensorDescriptor>?, _ b: UnsafePointer<KilnTensorDescriptor>?, _ count: UInt32) -> Bool {
            (0..<Int(count)).allSatisfy { a?[$0].offset == b?[$0].offset && a?[$0].byteCount == b?[$0].byteCount }
        }
        let states = (0..<Int(cpu.stateCount)).allSatisfy {
            vulkan.states?[$0].offset == cpu.states?[$0].offset && vulkan.states?[$0].sourceOffset == cpu.states?[$0].sourceOffset
        }
        return vulkan.inputCount == cpu.inputCount && vulkan.outputCount == cpu.outputCount
            && vulkan.stateCount == cpu.stateCount && vulkan.stateOffset == cpu.stateOffset
            && vulkan.stateSize == cpu.stateSize && cpu.arenaSize <= vulkan.arenaSize
            && same(vulkan.inputs, cpu.inputs, cpu.inputCount) && same(vulkan.outputs, cpu.outputs, cpu.outputCount)
            && states
    }
}
