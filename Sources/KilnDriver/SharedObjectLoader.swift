// Builds a compiled model into a shared object with the toolchain's clang and
// loads it through the runtime: how `kilnc run`, `kilnc bench` and the tests
// execute exactly the code the plugin ships.

import Foundation
@_spi(Tools) import Kiln
import KilnCompiler

#if canImport(Glibc)
    import Glibc
#endif

/// A compiled model loaded into this process.
public final class LoadedModel {
    public let outputs: CompiledOutputs
    /// An instance of the model; it keeps the shared object loaded even when
    /// this `LoadedModel` is gone.
    public let runtime: KilnModel
    private let library: SharedLibrary
    /// The compiled model's descriptor, valid while this object (or ``runtime``) lives.
    public let descriptor: UnsafeRawPointer

    /// Compiles `modelPath`, links it into a shared object and loads it with
    /// `threads` (nil: the config's default, as the generated class has) on `device`.
    public convenience init(
        modelPath: String, config: ModelConfig = ModelConfig(), target: TargetSelection = .host,
        threads: KilnThreads? = nil, device: KilnDevice = .cpu
    ) throws {
        try self.init(modelPath: modelPath, config: config, targets: [target], threads: threads, device: device)
    }

    /// Compiles `modelPath` with a build per target into one shared object
    /// and loads the build `cpuVariant` names (nil: the runtime's choice).
    public convenience init(
        modelPath: String, config: ModelConfig = ModelConfig(), targets: [TargetSelection],
        threads: KilnThreads? = nil, cpuVariant: String? = nil, device: KilnDevice = .cpu
    ) throws {
        let prepared = try Compiler.prepare(modelPath: modelPath, config: config)
        try self.init(prepared: prepared, targets: targets, threads: threads, cpuVariant: cpuVariant, device: device)
    }

    public init(
        prepared: PreparedModel, targets: [TargetSelection] = [.host], threads: KilnThreads? = nil,
        cpuVariant: String? = nil, device: KilnDevice = .cpu
    ) throws {
        guard let target = targets.first else { throw DriverError("no target to compile \(prepared.fileName) for") }
        // Code for another architecture compiles (kilnc compile) but cannot be loaded here.
        let host = TargetSelection.host.triple
        guard target.triple.split(separator: "-").first == host.split(separator: "-").first else {
            throw DriverError(
                "the model is compiled for \(target.triple), which cannot run on this machine (\(host)); "
                    + "`kilnc compile --triple \(target.triple)` builds it for that target without running it")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kiln-\(prepared.name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let weights = directory.appendingPathComponent("\(prepared.name).kiln.weights").path
        let compiled = try Compiler.compile(prepared, targets: targets, weightsPath: weights)
        if device == .vulkan, let omission = compiled.vulkanOmission {
            // The runtime would only say the binary lacks a Vulkan build; the compiler knows which node kept it out.
            try? FileManager.default.removeItem(at: directory)
            throw VulkanBuildOmitted(file: prepared.graph.modelFile, problem: omission)
        }
        let assembly = directory.appendingPathComponent("\(prepared.name).kiln.S").path
        try OutputWriter.write(compiled.assembly, to: assembly)
        let library = directory.appendingPathComponent("lib\(prepared.name).so").path
        do {
            try Toolchain.run(Toolchain.clang(), ["-shared", "-fPIC", "-o", library, assembly])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            try? FileManager.default.removeItem(at: directory)
            throw DriverError("cannot load \(library): \(String(cString: dlerror()))")
        }
        self.library = SharedLibrary(handle: handle, directory: directory)
        guard let getter = dlsym(handle, "kiln_\(prepared.name)_model") else {
            throw DriverError("\(library) does not export kiln_\(prepared.name)_model")
        }
        typealias Getter = @convention(c) () -> UnsafeRawPointer
        let descriptor = unsafeBitCast(getter, to: Getter.self)()
        self.descriptor = descriptor
        outputs = compiled
        runtime = try KilnModel(
            descriptor: descriptor, threads: threads ?? .workers(prepared.defaultThreads), cpuVariant: cpuVariant,
            device: device)
        runtime.codeOwner = self.library
    }
}

/// A loaded shared object and the folder it was built in: unloaded and
/// removed when the last holder (a `LoadedModel`, or a model instance it made) is gone.
final class SharedLibrary {
    let handle: UnsafeMutableRawPointer
    let directory: URL

    init(handle: UnsafeMutableRawPointer, directory: URL) {
        self.handle = handle
        self.directory = directory
    }

    deinit {
        dlclose(handle)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Vulkan was asked for but the model has no Vulkan build: a node has no
/// SPIR-V lowering (`problem` names it). `.automatic` would run it on the CPU.
public struct VulkanBuildOmitted: Error, CustomStringConvertible {
    public let file: String
    /// The node and what it lacks.
    public let problem: String
    public var description: String {
        "\(file): no Vulkan build: \(problem); the Vulkan device cannot run it (the automatic device runs it on the CPU)"
    }
}

/// A driver-level failure (toolchain missing, process failed).
public struct DriverError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Finds and runs the C toolchain.
public enum Toolchain {
    /// clang from the Swift toolchain (beside `swift`), else from PATH.
    public static func clang() throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["KILN_CLANG"] { candidates.append(override) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        candidates += path.split(separator: ":").map { "\($0)/clang" }
        candidates.append("/opt/swift/usr/bin/clang")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw DriverError("clang was not found on PATH; install a Swift toolchain or set KILN_CLANG")
        }
        return found
    }

    /// An archiver for static libraries: llvm-ar beside clang, else ar from PATH.
    public static func archiver() throws -> String {
        var candidates = [URL(fileURLWithPath: try clang()).deletingLastPathComponent().appendingPathComponent("llvm-ar").path]
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        candidates += path.split(separator: ":").map { "\($0)/ar" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw DriverError("no archiver (llvm-ar or ar) was found to build a static library")
        }
        return found
    }

    /// Runs a tool and throws with its output when it fails.
    public static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DriverError(
                "\(tool) \(arguments.joined(separator: " ")) failed:\n\(String(decoding: output, as: UTF8.self))")
        }
    }
}
