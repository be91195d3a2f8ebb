// Loads a compiled model from its descriptor and runs it: one arena and every
// per-call buffer allocated at load, dispatches called inline on the caller's
// thread or split across a worker pool started at load, nothing allocated or
// looked up by name per call.

import CKiln

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A compiled model ready to run. Generated model classes wrap one of these;
/// it can also be used directly with any descriptor `kilnc` produced.
///
/// Inputs and outputs live in the arena at fixed offsets: write inputs
/// through ``input(_:as:)``, call ``run()``, read results through
/// ``output(_:as:)``. Not thread-safe: use one instance per thread.
public final class KilnModel {
    /// The source model file name recorded at compile time.
    public let modelName: String
    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    /// Bytes of preallocated scratch, input, output and state memory.
    public let arenaSize: Int
    /// Bytes of embedded weights.
    public let weightsSize: Int
    /// The CPU build this instance runs (LLVM's CPU name, e.g. `x86-64-v3`):
    /// of the builds compiled into the model, the one that needs the most
    /// features this machine has, unless the caller or `KILN_CPU_VARIANT` chose.
    public let cpuVariant: String
    /// Every CPU build compiled into the model, in the order the config lists them.
    public let cpuVariants: [String]

    /// The state pairs, in the config's order (hidden from ``inputs`` and ``outputs``).
    public let statePairs: [KilnStatePair]

    /// The dims each call may size, up to their bounds (config `{"max": n}`);
    /// ``setExtent(_:of:)`` chooses the extent. Empty for a static model.
    public let boundedDims: [KilnBoundedDim]

    /// Whatever keeps the descriptor's code mapped, held as long as this
    /// instance: tools that load a compiled model as a shared object set it
    /// to the object that unloads it.
    @_spi(Tools) public var codeOwner: AnyObject?

    /// Where calls run now: `.cpu` or `.vulkan` (never `.automatic`). A
    /// Vulkan call that fails (a lost device) moves the model to the CPU for
    /// that call and every later one, and ``fallbackReason`` says why.
    public private(set) var activeDevice: KilnDevice
    /// Why the model runs on the CPU although Vulkan was asked for
    /// (`.automatic` found no usable device, or the device failed); nil otherwise.
    public private(set) var fallbackReason: String?
    /// The Vulkan device calls run on, while ``activeDevice`` is `.vulkan`.
    public var vulkanDevice: KilnVulkan.Device? { activeDevice == .vulkan ? vulkan?.device : nil }

    /// On Vulkan, the bytes of the arena the device allocates (the CPU
    /// build's plan, then the shaders' own scratch) and of the blob it binds
    /// (the shaders' constants and SPIR-V); nil on the CPU.
    @_spi(Tools) public var vulkanMemory: (arena: Int, weights: Int)? {
        guard activeDevice == .vulkan, let shader = vulkan?.descriptor.pointee else { return nil }
        return (Int(shader.arenaSize), Int(shader.weightsSize))
    }

    /// Whether the Vulkan build's dispatches run their forms with subgroup operations.
    @_spi(Testing) public var vulkanRunsSubgroupForms: Bool { vulkan?.runsSubgroupForms ?? false }
    /// The Vulkan executor, when loaded for Vulkan; its memory holds the arena.
    let vulkan: VulkanRun?
    /// The memory and bookkeeping of pipelined calls (KilnPipelining.swift).
    var pipeline: PipelineSlots

    let arena: UnsafeMutableRawPointer
    /// The arena bytes every state input lies in.
    let stateRegion: (offset: Int, count: Int)
    /// Where each state starts after a reset: its offset and initial bytes (nil: zeros).
    let stateStarts: [(offset: Int, byteCount: Int, initial: UnsafeRawPointer?)]
    /// The copies that carry outputs into state at the end of a call.
    private let stateCopies: UnsafeMutablePointer<StateCopy>
    private let stateCopyCount: Int
    /// The state a synchronous Vulkan call starts from (models with state
    /// on Vulkan only): a device that fails mid-call may have written the
    /// state already, and the CPU redoes the call from this.
    private let stateBefore: UnsafeMutableRawPointer?
    private let scratch: UnsafeMutableRawPointer
    private let dims: UnsafeMutablePointer<Int64>
    let dimCount: Int
    private let dispatches: UnsafePointer<KilnDispatchDescriptor>?
    private let dispatchTableCount: Int
    /// Each dispatch's function and tile count, resolved once at load so a
    /// call walks one flat array.
    private let steps: UnsafeMutablePointer<Step>
    private let trims: [Trim]
    private let requestedThreads: Int
    private let minimumOperationsPerWorker: Int
    /// The dispatch state handed to every kernel; only the tile range changes per dispatch.
    private let state: UnsafeMutablePointer<KilnDispatchState>

    /// The worker pool, when loaded with more than one thread.
    private let pool: OpaquePointer?
    /// Threads that run kernels, the caller included (1 when inline, or
    /// when the system would not start more).
    public let threadCount: Int

    /// When profiling: a ring of `profiledCallCapacity` rows of
    /// `profileWidth` monotonic nanosecond stamps, the call's start and then
    /// the end of each dispatch of the active device's build, allocated at
    /// load (see KilnProfiling.swift).
    let profileStamps: UnsafeMutablePointer<UInt64>?
    let profiledCallCapacity: Int
    /// Stamps per row: one more than the CPU or Vulkan build has dispatches, whichever has more.
    let profileWidth: Int
    /// Calls recorded since load (the ring holds the last `profiledCallCapacity`).
    private(set) var recordedCalls = 0

    private struct StateCopy {
        var source: UnsafeRawPointer
        var destination: UnsafeMutableRawPointer
        var byteCount: Int
    }

    private struct Step {
        var function: KilnCPUFunction
        /// The tiles this call runs: all, or those of the current extent's items.
        var tileCount: UInt32
        /// How many workers this dispatch is worth (1: run inline).
        var workers: UInt32
        /// 0, or the length of the runs of tiles whose first `tileCount / runs`
        /// are kept (a dispatch a bounded dim trims in each of several runs).
        var period: UInt32
        var runs: UInt32
    }

    /// What a dispatch's tile count follows: read when an extent changes.
    private struct Trim {
        var tileCount: Int
        var costPerTile: Int
        /// -1, or the bounded dim whose items the tiles follow (kiln_abi.h).
        var dim: Int
        var blocks: Int
        var stride: Int
        /// The extents the dispatch runs at (0...0: all).
        var from: Int
        var to: Int
    }

    /// Scalar operations a worker must get for splitting to pay: waking a
    /// spinning worker and waiting for it costs about as much as this work.
    static let minimumOperationsPerWorker = 1 << 15

    /// Loads the model described by `descriptor` (a `KilnModelDescriptor`).
    ///
    /// - Parameters:
    ///   - descriptor: the pointer returned by a generated `kiln_<model>_model()`.
    ///   - expectedName: the model file name the caller expects, for errors
    ///     raised before the descriptor can be trusted to name itself.
    ///   - threads: `.inline` (the calling thread only) or `.workers(n)`: a
    ///     pool of n − 1 threads started now, at most 256, that share each
    ///     large kernel's tiles with the caller.
    ///   - cpuVariant: the CPU build to run, by name (one of ``cpuVariants``);
    ///     nil picks the best this machine supports, or the one the
    ///     `KILN_CPU_VARIANT` environment variable names.
    ///   - profiling: record when every kernel of every call ends (or set
    ///     `KILN_PROFILE=1`), for ``chromeTrace()`` and ``kernelProfile()``:
    ///     on Vulkan, the device's timestamps around each dispatch of a
    ///     ``run()`` (where its queue writes timestamps; pipelined calls
    ///     record none). The record is a ring of the last `profiledCalls`
    ///     calls, allocated now; off, a call pays one branch.
    ///   - profiledCalls: how many of the last calls the ring keeps.
    ///   - device: `.cpu`, `.vulkan` or `.automatic` (see ``KilnDevice``).
    /// - Throws: ``KilnError/abiMismatch(model:compiled:runtime:)`` when the
    ///   model was compiled for another runtime version,
    ///   ``KilnError/unsupportedExecutable(model:detail:)`` when it holds code
    ///   this runtime cannot run, and ``KilnError/unsupportedCPU(model:detail:)``
    ///   when this machine lacks a feature every build (or the chosen one) needs.
    /// ``KilnError/vulkanUnavailable(reason:)`` when `device` is `.vulkan`
    ///   and the model has no Vulkan build or no usable device is present.
    public convenience init(
        descriptor: UnsafeRawPointer, expectedName: String = "model", threads: KilnThreads = .inline,
        cpuVariant: String? = nil, profiling: Bool = false, profiledCalls: Int = 256, device: KilnDevice = .cpu
    ) throws(KilnError) {
        try self.init(
            descriptor: descriptor, expectedName: expectedName, threads: threads, cpuVariant: cpuVariant,
            minimumOperationsPerWorker: Self.minimumOperationsPerWorker, profiling: profiling,
            profiledCalls: profiledCalls, device: device)
    }

    /// Loads with another splitting threshold: tests set it to 1 so that
    /// every multi-tile kernel of a small fixture runs split. `rejectingSubgroupModules`:
    /// the Vulkan executor acts as on a driver that cannot compile modules
    /// with subgroup operations, so every dispatch takes its other form. `stagedVulkanArena`:
    /// on Vulkan the host works on a copy of the arena, as on a device that
    /// cannot map it, even where it could.
    @_spi(Testing)
    public init(
        descriptor: UnsafeRawPointer, expectedName: String = "model", threads: KilnThreads,
        cpuVariant requested: String? = nil, minimumOperationsPerWorker: Int, profiling: Bool = false,
        profiledCalls: Int = 256, device: KilnDevice = .cpu, stagedVulkanArena: Bool = false,
        rejectingSubgroupModules: Bool = false
    ) throws(KilnError) {
        // The version is the first field in every ABI: read it before trusting the rest.
        let compiledVersion = descriptor.load(as: UInt32.self)
        let runtimeVersion = kiln_runtime_abi_version()
        guard compiledVersion == runtimeVersion else {
            throw .abiMismatch(model: expectedName, compiled: compiledVersion, runtime: runtimeVersion)
        }
        let first = descriptor.assumingMemoryBound(to: KilnModelDescriptor.self)
        let name = first.pointee.modelName.map { String(cString: $0) } ?? "model"
        let builds = try CPUVariants(first, model: name)
        let forced = requested ?? ProcessEnvironment.value("KILN_CPU_VARIANT")
        let model = try builds.select(forced, machine: kiln_cpu_features()).pointee
        cpuVariant = model.cpuName.map { String(cString: $0) } ?? ""
        cpuVariants = builds.names
        let bounds = (0..<Int(model.dimCount)).map { Int(model.dims?[$0].maxValue ?? 0) }
        func tensors(_ table: UnsafePointer<KilnTensorDescriptor>?, _ count: UInt32) throws(KilnError) -> [TensorInfo] {
            guard let table else { return [] }
            var result: [TensorInfo] = []
            for index in 0..<Int(count) {
                let tensor = table[index]
                let dims = tensor.shape
                let shape = (0..<Int(tensor.rank)).map { axis in dims.map { Int($0[axis]) } ?? 0 }
                let tensorName = tensor.name.map { String(cString: $0) } ?? "#\(index)"
                // The one axis a bounded dim sizes, holding whole items at the bound.
                let symbolic = (0..<Int(tensor.rank)).compactMap { axis -> (Int, Int)? in
                    guard let symbol = tensor.dimSymbols?[axis], symbol >= 0 else { return nil }
                    return (axis, Int(symbol))
                }
                guard symbolic.count <= 1,
                    symbolic.allSatisfy({ $0.1 < bounds.count && bounds[$0.1] > 0 && shape[$0.0] % bounds[$0.1] == 0 })
                else {
                    throw .unsupportedExecutable(model: name, detail: "tensor '\(tensorName)' has inconsistent bounded dims")
                }
                result.append(
                    TensorInfo(
                        name: tensorName, dtype: KilnDType(rawValue: tensor.dtype), shape: shape,
                        elementCount: shape.reduce(1, *), boundedAxis: symbolic.first?.0, offset: Int(tensor.offset)))
            }
            return result
        }
        for index in 0..<Int(model.executableCount) {
            let format = model.executables?[index].format ?? 0
            guard format == UInt32(KILN_EXECUTABLE_CPU) else {
                throw .unsupportedExecutable(model: name, detail: "executable \(index) has format \(format)")
            }
        }
        modelName = name
        inputs = try tensors(model.inputs, model.inputCount)
        outputs = try tensors(model.outputs, model.outputCount)
        arenaSize = Int(model.arenaSize)
        weightsSize = Int(model.weightsSize)
        dispatches = model.dispatches
        dispatchTableCount = Int(model.dispatchCount)
        let requestedThreads = Swift.min(threads.count, Int(KILN_MAX_THREADS))
        self.requestedThreads = requestedThreads
        self.minimumOperationsPerWorker = minimumOperationsPerWorker
        dimCount = Int(model.dimCount)
        boundedDims = (0..<dimCount).map { index in
            let dim = model.dims?[index]
            return KilnBoundedDim(
                name: dim?.name.map { String(cString: $0) } ?? "#\(index)", bound: Int(dim?.maxValue ?? 1))
        }
        // The compiler bounds one dim per model, and tensors' extents below assume it.
        guard boundedDims.count <= 1, boundedDims.allSatisfy({ $0.bound >= 1 }) else {
            throw .unsupportedExecutable(model: name, detail: "bounded dims \(boundedDims.map(\.name)) are not one with a bound")
        }
        var resolved: [Step] = []
        var trims: [Trim] = []
        for index in 0..<dispatchTableCount {
            guard let dispatch = model.dispatches?[index], dispatch.executable < model.executableCount,
                let code = model.executables?[Int(dispatch.executable)].code
            else {
                throw .unsupportedExecutable(model: name, detail: "dispatch \(index) names no executable")
            }
            // Formats were checked above: every executable is a CPU function.
            let trim = Trim(
                tileCount: Int(dispatch.tileCount), costPerTile: Int(dispatch.costPerTile), dim: Int(dispatch.itemDim),
                blocks: Int(dispatch.itemBlocks), stride: Int(dispatch.itemStride), from: Int(dispatch.extentFrom),
                to: Int(dispatch.extentTo))
            if trim.dim >= 0 {
                let period = trim.blocks.multipliedReportingOverflow(by: trim.stride)
                guard trim.dim < dimCount, trim.blocks > 0, trim.stride > 0, !period.overflow,
                    trim.tileCount % period.partialValue == 0
                else {
                    throw .unsupportedExecutable(model: name, detail: "dispatch \(index) follows items inconsistently")
                }
            }
            guard trim.to == 0 || (dimCount == 1 && 1 <= trim.from && trim.from <= trim.to) else {
                throw .unsupportedExecutable(model: name, detail: "dispatch \(index) has inconsistent extents")
            }
            trims.append(trim)
            resolved.append(
                Step(
                    function: unsafeBitCast(code, to: KilnCPUFunction.self), tileCount: dispatch.tileCount,
                    workers: UInt32(Self.workers(for: trim.tileCount, trim.costPerTile, requestedThreads, minimumOperationsPerWorker)),
                    period: 0, runs: 1))
        }
        self.trims = trims
        steps = .allocate(capacity: max(resolved.count, 1))
        steps.initialize(from: resolved, count: resolved.count)
        let alignment = max(Int(model.arenaAlignment), 64)
        let profiles = profiling || ProcessEnvironment.flag("KILN_PROFILE")
        var vulkan: VulkanRun?
        if device != .cpu {
            do {
                vulkan = try VulkanRun(
                    vulkan: first.pointee.vulkan, cpu: model, name: name, profiling: profiles,
                    staged: stagedVulkanArena, rejectingSubgroups: rejectingSubgroupModules)
            } catch {
                if device == .vulkan { throw error }
                fallbackReason = error.description
            }
        }
        self.vulkan = vulkan
        activeDevice = vulkan == nil ? .cpu : .vulkan
        pipeline = try PipelineSlots(model: model, vulkan: vulkan, name: name)
        if let shared = vulkan?.arena {
            // The executor's memory (zeroed) is the arena: the device's own where the host can map it.
            arena = shared
        } else {
            arena = Self.allocateArena(byteCount: max(arenaSize, 1), alignment: alignment)
            arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(arenaSize, 1))
        }
        // Each worker's private scratch, a whole number of alignment units apart.
        let scratchStride = (max(Int(model.workerScratchSize), 1) + alignment - 1) / alignment * alignment
        let scratchSize = scratchStride * requestedThreads
        scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: alignment)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchSize)
        // Symbolic dims start at their bounds, the extent the arena is sized for.
        dims = UnsafeMutablePointer<Int64>.allocate(capacity: max(dimCount, 1))
        dims.initialize(repeating: 0, count: max(dimCount, 1))
        for index in 0..<dimCount { dims[index] = model.dims?[index].maxValue ?? 0 }
        profileWidth = Swift.max(dispatchTableCount, vulkan?.dispatchCount ?? 0) + 1
        // At most 4 Mi stamps (32 MiB), however many calls were asked for.
        profiledCallCapacity = Swift.max(1, Swift.min(profiledCalls, (1 << 22) / profileWidth))
        if profiles {
            let count = profiledCallCapacity * profileWidth
            profileStamps = .allocate(capacity: count)
            profileStamps?.initialize(repeating: 0, count: count)
        } else {
            profileStamps = nil
        }
        let pairs = (0..<Int(model.stateCount)).compactMap { model.states?[$0] }
        statePairs = pairs.map { pair in
            KilnStatePair(
                input: pair.input.map { String(cString: $0) } ?? "", output: pair.output.map { String(cString: $0) } ?? "",
                byteCount: Int(pair.byteCount))
        }
        stateRegion = (Int(model.stateOffset), Int(model.stateSize))
        stateStarts = pairs.map { (Int($0.offset), Int($0.byteCount), $0.initial) }
        let base = arena
        let copies = pairs.filter { $0.sourceOffset != $0.offset }.map { pair in
            StateCopy(
                source: UnsafeRawPointer(base + Int(pair.sourceOffset)), destination: base + Int(pair.offset),
                byteCount: Int(pair.byteCount))
        }
        stateCopyCount = copies.count
        stateBefore = vulkan != nil && stateRegion.count > 0 ? .allocate(byteCount: stateRegion.count, alignment: 16) : nil
        stateCopies = .allocate(capacity: max(copies.count, 1))
        stateCopies.initialize(from: copies, count: copies.count)
        state = .allocate(capacity: 1)
        state.initialize(
            to: KilnDispatchState(
                arena: arena.assumingMemoryBound(to: UInt8.self), scratch: scratch.assumingMemoryBound(to: UInt8.self),
                dims: UnsafePointer(dims), tileBegin: 0, tileEnd: 0, workerIndex: 0, workerCount: 1))
        // Only a model with a kernel worth splitting gets threads.
        if requestedThreads > 1, resolved.contains(where: { $0.workers > 1 }),
            let created = kiln_pool_create(UInt32(requestedThreads), state, UInt64(scratchStride))
        {
            pool = created
            threadCount = requestedThreads
        } else {
            pool = nil
            threadCount = 1
        }
        // Calls start at the bound: lowerings compiled for smaller extents only are off.
        if let dim = boundedDims.first { applyExtent(dim.bound, bound: dim.bound) }
        resetState()
    }

    /// Bytes of a huge page, which an arena this large or larger is aligned to.
    static let hugePageBytes = 2 << 20

    /// An arena of `byteCount` bytes. A large one is aligned to huge pages
    /// and asks the kernel for them (Linux's `madvise` mode of transparent
    /// huge pages): a call walks tensors spread over many megabytes, and
    /// 4 KiB pages cost a TLB miss every few kilobytes.
    private static func allocateArena(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= hugePageBytes else {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
        }
        let rounded = (byteCount + hugePageBytes - 1) / hugePageBytes * hugePageBytes
        let arena = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: max(alignment, hugePageBytes))
        #if canImport(Glibc)
            // Advice only: where huge pages are off, the arena keeps small ones.
            _ = madvise(arena, rounded, MADV_HUGEPAGE)
        #endif
        return arena
    }

    /// How many workers `tiles` tiles of `costPerTile` operations are worth.
    private static func workers(for tiles: Int, _ costPerTile: Int, _ threads: Int, _ minimum: Int) -> Int {
        let operations = tiles.multipliedReportingOverflow(by: costPerTile)
        let worth = operations.overflow ? Int.max : operations.partialValue / max(minimum, 1)
        return Swift.max(1, Swift.min(threads, tiles, worth))
    }

    /// The extent bounded dim `dim` has for the next calls (its bound until set).
    public func extent(of dim: Int = 0) -> Int { Int(dims[dim]) }

    /// Sets the extent of bounded dim `dim` (by default the first) for the
    /// calls that follow: inputs and outputs the dim sizes then hold that
    /// many items, and kernels skip the rest of the bound. Costs no
    /// allocation; the generated API calls it from each input's count.
    ///
    /// - Throws: ``KilnError/extentOutOfBounds(model:dim:bound:given:)``
    ///   unless 1 ≤ `extent` ≤ the dim's bound.
    public func setExtent(_ extent: Int, of dim: Int = 0) throws(KilnError) {
        precondition(boundedDims.indices.contains(dim), "\(modelName) has no bounded dim \(dim)")
        let bound = boundedDims[dim].bound
        guard (1...bound).contains(extent) else {
            throw .extentOutOfBounds(model: modelName, dim: boundedDims[dim].name, bound: bound, given: extent)
        }
        guard dims[dim] != Int64(extent) else { return }
        dims[dim] = Int64(extent)
        applyExtent(extent, bound: bound)
    }

    /// Sets every dispatch's tiles for the extent: those of its items, and
    /// none for a lowering compiled for other extents.
    private func applyExtent(_ extent: Int, bound: Int) {
        for index in trims.indices {
            let trim = trims[index]
            var tiles = trim.tileCount
            steps[index].runs = 1
            steps[index].period = 0
            if trim.dim >= 0 {
                // Blocks split the items evenly: those below ⌈blocks·n/B⌉ hold items 0..<n.
                let kept = Swift.min(trim.blocks, (trim.blocks * extent + bound - 1) / bound)
                let period = trim.blocks * trim.stride
                let runs = trim.tileCount / period
                tiles = runs * kept * trim.stride
                steps[index].runs = UInt32(runs)
                steps[index].period = kept == trim.blocks || runs == 1 ? 0 : UInt32(period)
            }
            if trim.to > 0, !(trim.from...trim.to).contains(extent) { tiles = 0 }
            steps[index].tileCount = UInt32(tiles)
            steps[index].workers = UInt32(
                Self.workers(for: tiles, trim.costPerTile, requestedThreads, minimumOperationsPerWorker))
        }
    }

    /// Elements `tensor` holds at the current extent.
    @inline(__always)
    func currentCount(_ tensor: TensorInfo) -> Int { count(tensor, atExtent: Int(dims[0])) }

    /// `tensor`'s element count when the bounded dim has extent `extent`.
    func count(_ tensor: TensorInfo, atExtent extent: Int) -> Int {
        guard tensor.boundedAxis != nil else { return tensor.elementCount }
        return tensor.elementCount / boundedDims[0].bound * extent
    }

    /// `tensor`'s shape at the current extent.
    func currentShape(_ tensor: TensorInfo) -> [Int] {
        guard let axis = tensor.boundedAxis else { return tensor.shape }
        var shape = tensor.shape
        shape[axis] = shape[axis] / boundedDims[0].bound * Int(dims[0])
        return shape
    }

    /// Input `index`'s shape at the current extent (``TensorInfo/shape`` is at the bound).
    public func inputShape(_ index: Int) -> [Int] { currentShape(inputs[index]) }

    /// Output `index`'s shape at the current extent.
    public func outputShape(_ index: Int) -> [Int] { currentShape(outputs[index]) }

    deinit {
        kiln_pool_destroy(pool)
        if vulkan == nil { arena.deallocate() }
        scratch.deallocate()
        profileStamps?.deallocate()
        dims.deallocate()
        steps.deallocate()
        stateCopies.deallocate()
        stateBefore?.deallocate()
        state.deallocate()
    }

    /// Checks that the compiled model has the inputs and outputs the caller
    /// was generated for; generated classes call this once at load.
    /// `state` lists the state inputs' names the caller expects, in pair order.
    public func verifySignature(
        inputs expectedInputs: [(KilnDType, [Int])], outputs expectedOutputs: [(KilnDType, [Int])],
        state expectedState: [String] = []
    ) throws(KilnError) {
        guard statePairs.map(\.input) == expectedState else {
            throw .signatureMismatch(
                model: modelName,
                detail: "expected state \(expectedState), found state \(statePairs.map(\.input))")
        }
        func matches(_ actual: [TensorInfo], _ expected: [(KilnDType, [Int])]) -> Bool {
            actual.count == expected.count && zip(actual, expected).allSatisfy { $0.dtype == $1.0 && $0.shape == $1.1 }
        }
        guard matches(inputs, expectedInputs), matches(outputs, expectedOutputs) else {
            func describe(_ list: [(KilnDType, [Int])]) -> String { "\(list.map { "\($0.0)\($0.1)" })" }
            func describe(_ list: [TensorInfo]) -> String { "\(list.map { "\($0.dtype.map(String.init(describing:)) ?? "?")\($0.shape)" })" }
            throw .signatureMismatch(
                model: modelName,
                detail: "expected inputs \(describe(expectedInputs)) and outputs \(describe(expectedOutputs)), "
                    + "found inputs \(describe(inputs)) and outputs \(describe(outputs))")
        }
    }

    /// The arena memory of `tensor` viewed as `T`, checked against its dtype.
    private func view<T: KilnElement>(_ tensor: TensorInfo, as type: T.Type) -> UnsafeMutableBufferPointer<T> {
        view(tensor, as: type, at: arena + tensor.offset, count: currentCount(tensor))
    }

    /// `count` elements of `tensor`'s type at `start` (the arena, or a pipelined call's slot).
    func view<T: KilnElement>(
        _ tensor: TensorInfo, as type: T.Type, at start: UnsafeMutableRawPointer, count: Int
    ) -> UnsafeMutableBufferPointer<T> {
        precondition(
            tensor.dtype.map { T.kilnDTypes.contains($0) } ?? false,
            "tensor '\(tensor.name)' holds \(tensor.dtype.map(String.init(describing:)) ?? "an unknown type"), not \(T.self)")
        return UnsafeMutableBufferPointer(start: start.assumingMemoryBound(to: T.self), count: count)
    }

    /// The arena memory of input `index`, to fill before ``run()``.
    /// `T` must match the input's dtype (a precondition). Pipelined calls
    /// still on the device finish first: each copies its own inputs into
    /// this memory as it starts. So a buffer kept from an earlier call of
    /// this method must not be written while pipelined calls are in flight.
    public func input<T: KilnElement>(_ index: Int, as type: T.Type) -> UnsafeMutableBufferPointer<T> {
        finishPipelinedCalls()
        return view(inputs[index], as: type)
    }

    /// The arena memory of output `index`, valid after ``run()`` until the next call.
    /// `T` must match the output's dtype (a precondition).
    public func output<T: KilnElement>(_ index: Int, as type: T.Type) -> UnsafeBufferPointer<T> {
        UnsafeBufferPointer(view(outputs[index], as: type))
    }

    /// A float32 input's memory.
    public func input(_ index: Int) -> UnsafeMutableBufferPointer<Float> { input(index, as: Float.self) }

    /// A float32 output's memory.
    public func output(_ index: Int) -> UnsafeBufferPointer<Float> { output(index, as: Float.self) }

    /// The raw bytes of input `index`, whatever its dtype (pipelined calls
    /// on the device finish first, as for ``input(_:as:)``).
    public func inputBytes(_ index: Int) -> UnsafeMutableRawBufferPointer {
        finishPipelinedCalls()
        return UnsafeMutableRawBufferPointer(start: arena + inputs[index].offset, count: byteCount(inputs[index]))
    }

    /// The raw bytes of output `index`, whatever its dtype.
    public func outputBytes(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: arena + outputs[index].offset, count: byteCount(outputs[index]))
    }

    private func byteCount(_ tensor: TensorInfo) -> Int {
        currentCount(tensor) * (tensor.dtype.map(Self.byteSize) ?? 0)
    }

    static func byteSize(_ dtype: KilnDType) -> Int {
        switch dtype {
        case .bool, .uint8, .int8: 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: 1
        case .uint4, .int4, .uint2, .int2: 1
        case .float16, .bfloat16, .uint16, .int16: 2
        case .float32, .int32, .uint32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Copies `values` into input `index`, checking the element count.
    public func setInput<T: KilnElement, C: Collection>(_ index: Int, _ values: C) throws(KilnError)
    where C.Element == T {
        try fill(input(index, as: T.self), input: index, values)
    }

    /// Copies `values` into `buffer` (input `index`'s memory, in the arena or a pipelined call's slot), checking the count.
    func fill<T: KilnElement, C: Collection>(
        _ buffer: UnsafeMutableBufferPointer<T>, input index: Int, _ values: C
    ) throws(KilnError) where C.Element == T {
        guard values.count == buffer.count else {
            throw .shapeMismatch(
                tensor: inputs[index].name, expectedShape: inputShape(index), givenCount: values.count)
        }
        _ = buffer.update(fromContentsOf: values)
    }

    /// Number of dispatches in the compiled model (for profiling tools).
    public var kernelCount: Int { dispatchTableCount }

    /// The name of dispatch `index`: "<node> (<op>)".
    public func kernelName(_ index: Int) -> String {
        guard let dispatches, let name = dispatches[index].name else { return "#\(index)" }
        return String(cString: name)
    }

    /// Runs dispatch `index` alone (all its tiles): ``run()`` is these in order.
    /// For profiling; inputs of the kernel must have been computed already.
    public func runKernel(_ index: Int) { dispatch(steps[index]) }

    /// Runs every dispatch in order: on the calling thread, and on the
    /// workers too for the kernels worth splitting.
    /// Then carries state outputs into the state the next call reads.
    public func run() {
        // Pipelined calls share the device's arena: they finish first. This
        // call carries the state on the host, so the next pipelined call takes it along.
        leaveStateToTheHost()
        if activeDevice == .vulkan, let vulkan {
            if let stateBefore { stateBefore.copyMemory(from: arena + stateRegion.offset, byteCount: stateRegion.count) }
            let start = profileStamps == nil ? 0 : Self.monotonicNanoseconds()
            guard let failure = (dimCount > 0 ? vulkan.setExtent(dims[0], region: 0) : nil) ?? vulkan.run() else {
                if let profileStamps, let stamps = vulkan.timestamps() {
                    let row = profileStamps + (recordedCalls % profiledCallCapacity) * profileWidth
                    for index in 0..<Swift.min(stamps.count, profileWidth) { row[index] = start &+ stamps[index] }
                    recordedCalls += 1
                }
                return carryState()
            }
            fallBack(failure)
            if let stateBefore { (arena + stateRegion.offset).copyMemory(from: stateBefore, byteCount: stateRegion.count) }
        }
        if let profileStamps {
            let row = profileStamps + (recordedCalls % profiledCallCapacity) * profileWidth
            row[0] = Self.monotonicNanoseconds()
            for index in 0..<dispatchTableCount {
                dispatch(steps[index])
                row[index + 1] = Self.monotonicNanoseconds()
            }
            recordedCalls += 1
        } else {
            for index in 0..<dispatchTableCount { dispatch(steps[index]) }
        }
        carryState()
    }

    /// Moves calls to the CPU for good: the arena is host memory the CPU
    /// build lays out the same way, so it takes over.
    func fallBack(_ reason: String) {
        activeDevice = .cpu
        fallbackReason = reason
        // The profile's rows timed the Vulkan build's dispatches.
        recordedCalls = 0
    }

    /// Copies each state output to where the next call reads its state.
    @inline(__always)
    private func carryState() {
        for index in 0..<stateCopyCount {
            let copy = stateCopies[index]
            copy.destination.copyMemory(from: copy.source, byteCount: copy.byteCount)
        }
    }

    /// The tiles and workers of dispatch `index`, for profiles.
    func dispatchShape(_ index: Int) -> (tiles: Int, workers: Int) {
        (Int(steps[index].tileCount), pool == nil ? 1 : Int(steps[index].workers))
    }

    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    @inline(__always)
    private func dispatch(_ step: Step) {
        // A lowering for other extents, or no items to compute.
        if step.tileCount == 0 { return }
        if step.period != 0 {
            return dispatchRuns(step)
        }
        if let pool, step.workers > 1 {
            kiln_pool_run(pool, step.function, step.tileCount, step.workers)
            return
        }
        state.pointee.tileEnd = step.tileCount
        step.function(state)
    }

    /// A dispatch an extent trims in each of its runs of tiles.
    private func dispatchRuns(_ step: Step) {
        let kept = step.tileCount / step.runs
        if let pool, step.workers > 1 {
            kiln_pool_run_runs(pool, step.function, step.runs, step.period, kept, step.workers)
            return
        }
        for run in 0..<step.runs {
            state.pointee.tileBegin = run * step.period
            state.pointee.tileEnd = run * step.period + kept
            step.function(state)
        }
        state.pointee.tileBegin = 0
    }
}
