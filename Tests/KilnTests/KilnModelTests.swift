// The runtime's own checks, on hand-built descriptors: ABI version, tensor
// tables with dtypes, shape errors, dispatch order, tiles and dispatch state.

import CKiln
import Foundation
import Glibc
import Testing

@testable import Kiln

/// What one kernel call saw.
struct KernelCall {
    var kernel: Int
    var begin: UInt32
    var end: UInt32
    var worker: UInt32
    var workers: UInt32
    var hasScratch: Bool
}

/// Records every kernel call so tests can check order, tile ranges and state.
nonisolated(unsafe) var kernelCalls: [KernelCall] = []
/// Workers record concurrently.
nonisolated(unsafe) var kernelCallsLock: pthread_mutex_t = {
    var mutex = pthread_mutex_t()
    pthread_mutex_init(&mutex, nil)
    return mutex
}()

func record(_ kernel: Int, _ state: UnsafePointer<KilnDispatchState>) {
    let s = state.pointee
    pthread_mutex_lock(&kernelCallsLock)
    defer { pthread_mutex_unlock(&kernelCallsLock) }
    kernelCalls.append(
        KernelCall(
            kernel: kernel, begin: s.tileBegin, end: s.tileEnd, worker: s.workerIndex, workers: s.workerCount,
            hasScratch: s.scratch != nil))
}

/// A descriptor built in Swift memory, kept alive for the test: x (float32
/// [2,3]) → y = 2x + 1, plus an int64 input `n` copied to output `m`.
final class FakeModel {
    let shape: UnsafeMutablePointer<Int64>
    let names: [UnsafeMutablePointer<CChar>]
    let tensors: UnsafeMutablePointer<KilnTensorDescriptor>
    let executables: UnsafeMutablePointer<KilnExecutableDescriptor>
    let dispatches: UnsafeMutablePointer<KilnDispatchDescriptor>
    let descriptor: UnsafeMutablePointer<KilnModelDescriptor>

    /// `costPerTile` of the six-tile dispatch: large enough, it is split
    /// across a worker pool.
    init(
        abiVersion: UInt32 = kiln_runtime_abi_version(), format: UInt32 = UInt32(KILN_EXECUTABLE_CPU),
        costPerTile: UInt32 = 0, cpuName: String = "fake-cpu", cpuFeatures: UInt64 = 0
    ) {
        names = ["x", "y", "n", "m", "fake.onnx", "double", "increment", cpuName].map { (text: String) in strdup(text)! }
        shape = .allocate(capacity: 2)
        shape[0] = 2
        shape[1] = 3
        tensors = .allocate(capacity: 4)
        let names = self.names
        let shape = self.shape
        func tensor(_ name: Int, offset: UInt64, dtype: Int, bytes: UInt64) -> KilnTensorDescriptor {
            KilnTensorDescriptor(
                name: names[name], shape: shape, dimSymbols: nil, offset: offset, byteCount: bytes,
                dtype: UInt32(dtype), rank: 2)
        }
        tensors[0] = tensor(0, offset: 0, dtype: KILN_DTYPE_FLOAT32, bytes: 24)
        tensors[1] = tensor(2, offset: 128, dtype: KILN_DTYPE_INT64, bytes: 48)
        tensors[2] = tensor(1, offset: 64, dtype: KILN_DTYPE_FLOAT32, bytes: 24)
        tensors[3] = tensor(3, offset: 192, dtype: KILN_DTYPE_INT64, bytes: 48)
        let double: KilnCPUFunction = { state in
            record(0, state!)
            let s = state!.pointee
            let x = UnsafeMutableRawPointer(s.arena!).assumingMemoryBound(to: Float.self)
            let y = UnsafeMutableRawPointer(s.arena! + 64).assumingMemoryBound(to: Float.self)
            for i in Int(s.tileBegin)..<Int(s.tileEnd) { y[i] = 2 * x[i] }
        }
        let increment: KilnCPUFunction = { state in
            record(1, state!)
            let s = state!.pointee
            let y = UnsafeMutableRawPointer(s.arena! + 64).assumingMemoryBound(to: Float.self)
            for i in 0..<6 { y[i] += 1 }
            let n = UnsafeMutableRawPointer(s.arena! + 128).assumingMemoryBound(to: Int64.self)
            let m = UnsafeMutableRawPointer(s.arena! + 192).assumingMemoryBound(to: Int64.self)
            for i in 0..<6 { m[i] = n[i] }
        }
        executables = .allocate(capacity: 2)
        for (index, function) in [double, increment].enumerated() {
            executables[index] = KilnExecutableDescriptor(
                name: names[5 + index], format: format, deviceFeatures: 0,
                code: unsafeBitCast(function, to: UnsafeRawPointer.self), codeSize: 0)
        }
        dispatches = .allocate(capacity: 2)
        dispatches[0] = KilnDispatchDescriptor(
            name: names[5], executable: 0, tileCount: 6, workgroupCount: (0, 0, 0), costPerTile: costPerTile,
            itemDim: -1, itemBlocks: 0, itemStride: 0, extentFrom: 0, extentTo: 0, cpuDeviceWorkgroupCount: (0, 0, 0),
            subgroupExecutable: -1, itemAxes: 0)
        dispatches[1] = KilnDispatchDescriptor(
            name: names[6], executable: 1, tileCount: 1, workgroupCount: (0, 0, 0), costPerTile: 1 << 30,
            itemDim: -1, itemBlocks: 0, itemStride: 0, extentFrom: 0, extentTo: 0, cpuDeviceWorkgroupCount: (0, 0, 0),
            subgroupExecutable: -1, itemAxes: 0)
        descriptor = .allocate(capacity: 1)
        descriptor.pointee = KilnModelDescriptor(
            abiVersion: abiVersion, inputCount: 2, outputCount: 2, dimCount: 0, executableCount: 2, dispatchCount: 2,
            arenaSize: 256, arenaAlignment: 64, stateOffset: 0, stateSize: 0, workerScratchSize: 0, weightsSize: 0,
            weightsDigest: 0, modelName: names[4], inputs: tensors, outputs: tensors + 2, dims: nil,
            executables: executables, dispatches: dispatches, cpuName: names[7], cpuFeatures: cpuFeatures,
            variantCount: 0, reserved2: 0, variants: nil, states: nil, stateCount: 0, reserved3: 0, weights: nil,
            vulkan: nil, vulkanOmission: nil)
    }

    deinit {
        shape.deallocate()
        tensors.deallocate()
        executables.deallocate()
        dispatches.deallocate()
        descriptor.deallocate()
        names.forEach { free($0) }
    }
}

@Suite(.serialized) struct KilnModelTests {
    @Test func loadsTablesAndRunsDispatchesInOrderOverAllTiles() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        #expect(model.modelName == "fake.onnx")
        #expect(model.inputs.map(\.name) == ["x", "n"])
        #expect(model.inputs.map(\.dtype) == [.float32, .int64])
        #expect(model.outputs[0].shape == [2, 3])
        #expect(model.arenaSize == 256)
        #expect(model.kernelName(1) == "increment")
        kernelCalls = []
        try model.setInput(0, [Float(1), 2, 3, 4, 5, 6])
        try model.setInput(1, [Int64(1) << 40, -2, 3, 4, 5, Int64.min])
        model.run()
        #expect(kernelCalls.map(\.kernel) == [0, 1])
        #expect(kernelCalls[0].begin == 0 && kernelCalls[0].end == 6)
        // Inline execution: one worker, index 0, with a scratch buffer.
        #expect(kernelCalls.allSatisfy { $0.worker == 0 && $0.workers == 1 && $0.hasScratch })
        #expect(Array(model.output(0)) == [3, 5, 7, 9, 11, 13])
        #expect(Array(model.output(1, as: Int64.self)) == [Int64(1) << 40, -2, 3, 4, 5, Int64.min])
        #expect(model.outputBytes(1).count == 48)
    }

    /// A profiling instance's trace is valid JSON whatever the names hold,
    /// and covers the last `profiledCalls` calls.
    @Test func profilingTracesTheLastCalls() throws {
        #expect(KilnModel.jsonEscaped("a\"b\\c\n\u{1}é") == #"a\"b\\c\n\u0001é"#)
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor, profiling: true, profiledCalls: 2)
        for _ in 0..<3 { model.run() }
        let trace = try JSONSerialization.jsonObject(with: Data(model.chromeTrace().utf8)) as? [String: Any]
        let events = try #require(trace?["traceEvents"] as? [[String: Any]])
        #expect(events.filter { $0["cat"] as? String == "call" }.compactMap { $0["name"] as? String } == ["run #1", "run #2"])
        #expect(events.filter { $0["cat"] as? String == "kernel" }.compactMap { $0["name"] as? String } == [
            "double", "increment", "double", "increment",
        ])
        #expect(model.kernelProfile().map(\.calls) == [2, 2])
    }

    /// With workers, a dispatch worth splitting gets equal static shares on
    /// workers 0…n−1, each with its own scratch; a one-tile dispatch and a
    /// cheap one run on the caller alone, and a model with nothing worth
    /// splitting starts no threads at all.
    @Test func workersShareLargeDispatchesStatically() throws {
        let fake = FakeModel(costPerTile: 1 << 20)
        let model = try KilnModel(descriptor: fake.descriptor, threads: .workers(3))
        #expect(model.threadCount == 3)
        try model.setInput(0, [Float(1), 2, 3, 4, 5, 6])
        for _ in 0..<50 {
            kernelCalls = []
            model.run()
            #expect(Array(model.output(0)) == [3, 5, 7, 9, 11, 13])
            let split = kernelCalls.filter { $0.kernel == 0 }.sorted { $0.begin < $1.begin }
            #expect(split.map(\.begin) == [0, 2, 4] && split.map(\.end) == [2, 4, 6])
            #expect(split.map(\.worker) == [0, 1, 2] && split.allSatisfy { $0.workers == 3 && $0.hasScratch })
            #expect(kernelCalls.filter { $0.kernel == 1 }.map(\.worker) == [0])
        }
        let cheap = FakeModel(costPerTile: 10)
        #expect(try KilnModel(descriptor: cheap.descriptor, threads: .workers(3)).threadCount == 1)
    }

    /// Of several CPU builds, the runtime loads the one needing the most
    /// features the machine has; a caller may force any build it supports,
    /// and a build it does not gets an error naming the missing features.
    @Test func choosesTheBestCPUBuildTheMachineSupports() throws {
        let machine = kiln_cpu_features()
        let future: UInt64 = 1 << 63  // no feature has this bit: no machine supports it
        let builds = [
            FakeModel(cpuName: "portable"), FakeModel(cpuName: "native", cpuFeatures: machine),
            FakeModel(cpuName: "future", cpuFeatures: future | machine),
        ]
        let table = UnsafeMutablePointer<UnsafePointer<KilnModelDescriptor>?>.allocate(capacity: builds.count)
        defer { table.deallocate() }
        for (index, build) in builds.enumerated() {
            table[index] = UnsafePointer(build.descriptor)
            build.descriptor.pointee.variantCount = UInt32(builds.count)
            build.descriptor.pointee.variants = UnsafePointer(table)
        }
        let chosen = try KilnModel(descriptor: builds[0].descriptor)
        #expect(chosen.cpuVariants == ["portable", "native", "future"])
        // Without feature bits (not x86) both lower builds need nothing: the first wins.
        #expect(chosen.cpuVariant == (machine == 0 ? "portable" : "native"))
        let forced = try KilnModel(descriptor: builds[2].descriptor, cpuVariant: "portable")
        #expect(forced.cpuVariant == "portable")
        try forced.setInput(0, [Float(1), 2, 3, 4, 5, 6])
        forced.run()
        #expect(Array(forced.output(0)) == [3, 5, 7, 9, 11, 13])
        #expect { try KilnModel(descriptor: builds[0].descriptor, cpuVariant: "future") } throws: { error in
            "\(error)".contains("its future build needs feature 63, which this machine lacks")
        }
        #expect { try KilnModel(descriptor: builds[0].descriptor, cpuVariant: "nope") } throws: { error in
            "\(error)" == "fake.onnx cannot run on this CPU: it holds no build for 'nope'; its builds are portable, native, future"
        }
        // A model whose only build needs what the machine lacks fails at load, before any code runs.
        let only = FakeModel(cpuName: "future", cpuFeatures: future)
        #expect { try KilnModel(descriptor: only.descriptor) } throws: { error in
            "\(error)".contains("this machine lacks feature 63, which its future build needs")
        }
    }

    /// The runtime's CPUID reading agrees with the kernel's view of this
    /// machine (/proc/cpuinfo flags), for the features both name alike.
    @Test func readsTheMachinesFeatures() throws {
        #if arch(x86_64)
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags = Set(
                info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
            try #require(!flags.isEmpty)
            let machine = kiln_cpu_features()
            // LLVM spelling → /proc/cpuinfo spelling where they differ.
            let renamed = ["sse3": "pni", "sse4.1": "sse4_1", "sse4.2": "sse4_2", "sahf": "lahf_lm", "lzcnt": "abm",
                "bmi": "bmi1", "pclmul": "pclmulqdq", "avx512bf16": "avx512_bf16", "avx512vbmi2": "avx512_vbmi2",
                "avx512vnni": "avx512_vnni", "avx512bitalg": "avx512_bitalg", "avx512vpopcntdq": "avx512_vpopcntdq",
                "avx512fp16": "avx512_fp16", "sha": "sha_ni", "cx16": "cx16"]
            for bit in 0..<UInt32(KILN_CPU_FEATURE_COUNT) {
                let name = String(cString: kiln_cpu_feature_name(bit)!)
                let flag = renamed[name] ?? name
                #expect((machine >> UInt64(bit)) & 1 == (flags.contains(flag) ? 1 : 0), "\(name) (\(flag))")
            }
            #expect(kiln_cpu_feature_name(UInt32(KILN_CPU_FEATURE_COUNT)) == nil)
        #endif
    }

    @Test func arenaIsAlignedAndZeroed() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        let address = UInt(bitPattern: model.input(0).baseAddress)
        #expect(address % 64 == 0)
        #expect(Array(model.output(0)) == [0, 0, 0, 0, 0, 0])
    }

    @Test func rejectsAnotherABIVersion() {
        let fake = FakeModel(abiVersion: 999)
        #expect(throws: KilnError.abiMismatch(model: "fake.onnx", compiled: 999, runtime: kiln_runtime_abi_version())) {
            _ = try KilnModel(descriptor: fake.descriptor, expectedName: "fake.onnx")
        }
    }

    @Test func rejectsExecutablesItCannotRun() {
        let fake = FakeModel(format: UInt32(KILN_EXECUTABLE_SPIRV))
        #expect(throws: KilnError.self) { _ = try KilnModel(descriptor: fake.descriptor) }
        let dangling = FakeModel()
        dangling.dispatches[1].executable = 7
        #expect(throws: KilnError.self) { _ = try KilnModel(descriptor: dangling.descriptor) }
    }

    @Test func wrongElementCountNamesTensorShapeAndCount() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        do {
            try model.setInput(0, [Float(1), 2, 3])
            Issue.record("a wrong count must throw")
        } catch {
            #expect(error == .shapeMismatch(tensor: "x", expectedShape: [2, 3], givenCount: 3))
            #expect(error.description == "tensor 'x' expects shape [2, 3] (6 elements), but 3 were given")
        }
    }

    @Test func signatureChecksShapesAndDTypes() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        #expect(throws: Never.self) {
            try model.verifySignature(
                inputs: [(.float32, [2, 3]), (.int64, [2, 3])], outputs: [(.float32, [2, 3]), (.int64, [2, 3])])
        }
        #expect(throws: KilnError.self) {
            try model.verifySignature(
                inputs: [(.float32, [6]), (.int64, [2, 3])], outputs: [(.float32, [2, 3]), (.int64, [2, 3])])
        }
        #expect(throws: KilnError.self) {
            try model.verifySignature(
                inputs: [(.float32, [2, 3]), (.int32, [2, 3])], outputs: [(.float32, [2, 3]), (.int64, [2, 3])])
        }
    }
}
