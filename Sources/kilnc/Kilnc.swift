// kilnc: the Kiln compiler's command line. The build plugin runs `compile`
// and `swift-api`; people run `inspect`, `run` and `bench`.

import ArgumentParser
import Foundation
import KilnCompiler
import Kiln
import KilnDriver

@main
struct Kilnc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kilnc",
        abstract: "Compile ONNX models ahead of time into native code and a typed Swift API.",
        version: kilnVersion,
        subcommands: [
            Init.self, Compile.self, SwiftAPI.self, Bundle.self, Inspect.self, Run.self, Verify.self, Bench.self,
            Report.self, Devices.self,
        ])

    /// Exit statuses, so scripts (the conformance runner) can tell outcomes apart.
    enum Status {
        /// `verify`: an output differs from its reference.
        static let mismatch: Int32 = 1
        /// The model uses something Kiln does not compile (an op, a dtype, a dynamic shape).
        static let unsupported: Int32 = 2
        /// Any other compile, load or I/O error.
        static let failed: Int32 = 3
    }

    /// Prints compiler errors as `error: file: node 'x' (Op): message` lines,
    /// the form SwiftPM and editors show, and exits with a `Status`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CompileError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            Foundation.exit(status(for: [error]))
        } catch let error as CompileErrors {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            Foundation.exit(status(for: error.errors))
        } catch let error as VulkanBuildOmitted {
            // Something Kiln does not compile (for Vulkan), as the conformance runner counts it.
            FileHandle.standardError.write(Data(("error: " + error.description + "\n").utf8))
            Foundation.exit(Status.unsupported)
        } catch let error as DriverError {
            FileHandle.standardError.write(Data(("error: " + error.description + "\n").utf8))
            Foundation.exit(Status.failed)
        } catch {
            exit(withError: error)
        }
    }
}

/// `unsupported` when every error is about something Kiln does not support yet.
func status(for errors: [CompileError]) -> Int32 {
    let unsupported: Set<CompileError.Kind> = [.unsupportedOp, .unsupportedFeature, .dynamicShape]
    return errors.allSatisfy { unsupported.contains($0.kind) } ? Kilnc.Status.unsupported : Kilnc.Status.failed
}

/// Options every command that reads a model shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(help: "A <model>.kiln.json config file (default: the one beside the model, if any).")
    var config: String?

    @Option(
        name: .customLong("constant"),
        help: ArgumentHelp(
            "Fix graph input NAME to the tensor in a TensorProto file (repeatable; adds to the config's constants).",
            valueName: "NAME=FILE.pb"))
    var constants: [String] = []

    func loadConfig() throws -> ModelConfig {
        var loaded: ModelConfig
        if let config {
            loaded = try ModelConfig.load(path: config)
        } else {
            let sibling = ModelConfig.path(besideModel: model)
            loaded = FileManager.default.fileExists(atPath: sibling) ? try ModelConfig.load(path: sibling) : ModelConfig()
        }
        for argument in constants {
            guard let separator = argument.firstIndex(of: "="), separator != argument.startIndex else {
                throw ValidationError("--constant takes NAME=FILE.pb, got '\(argument)'")
            }
            let name = String(argument[..<separator])
            let file = try TensorFile.read(path: String(argument[argument.index(after: separator)...]))
            loaded.constants[name] = .tensor(file.data)
        }
        return loaded
    }

    /// The model prepared with its config; a `device` other than the CPU
    /// adds Vulkan to the config's backends.
    func prepare(device: KilnDevice = .cpu) throws -> (PreparedModel, ModelConfig) {
        let config = try loadConfig(device: device)
        return (try Compiler.prepare(modelPath: model, config: config), config)
    }

    /// The config, with Vulkan added to its backends when `device` may use it.
    func loadConfig(device: KilnDevice) throws -> ModelConfig {
        var config = try loadConfig()
        if device != .cpu, !(config.backends ?? []).contains(.vulkan) { config.backends = [.cpu, .vulkan] }
        return config
    }
}

/// Where `run`, `verify`, `bench` and `report` run the model.
struct DeviceOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "cpu, vulkan (the model's SPIR-V build on a Vulkan device; fails without one) or automatic "
                + "(Vulkan when usable, else the CPU).",
            discussion: "KILN_VULKAN_DEVICE (an index or part of a name, see `kilnc devices`) picks the Vulkan device."))
    var device: KilnDevice = .cpu
}

extension KilnDevice: ExpressibleByArgument {}

/// Sets a model's inputs from TensorProto files: by tensor name when every
/// file names one of the model's inputs (so inputs fixed by `--constant`
/// are skipped), else in order.
func setInputs(_ runtime: KilnModel, from tensors: [TensorFile], directory: String, fixed: Set<String>) throws {
    let names = runtime.inputs.map(\.name)
    if !fixed.isEmpty || Set(tensors.map(\.name)).isSuperset(of: names) {
        for (index, name) in names.enumerated() {
            guard let tensor = tensors.first(where: { $0.name == name }) else {
                throw DriverError("\(directory) holds no tensor named '\(name)' (input \(index) of the model)")
            }
            try runtime.setInput(index, from: tensor.data)
        }
        return
    }
    guard tensors.count == names.count else {
        throw DriverError("the model has \(names.count) inputs, \(directory) holds \(tensors.count)")
    }
    for (index, tensor) in tensors.enumerated() { try runtime.setInput(index, from: tensor.data) }
}

/// Target overrides; the host CPU and its exact features by default.
struct TargetOptions: ParsableArguments {
    @Option(help: "LLVM target triple (default: the host's, or the config's).")
    var triple: String?
    @Option(
        help: """
            LLVM CPU name, or several separated by commas (e.g. x86-64-v2,x86-64-v3,x86-64-v4): one \
            binary with a build each, the best the machine supports loaded at run time \
            (default: the host's, or the config's).
            """)
    var cpu: String?
    @Option(help: "LLVM feature string, e.g. +avx2,+fma (default: the host's, or the config's).")
    var features: String?

    @Option(help: "L2 cache per core of the target in KiB, for blocking (default: 1024, or the config's).")
    var l2CacheKB: Int?

    func validate() throws {
        if let cpus, cpus.contains(where: \.isEmpty) || Set(cpus).count != cpus.count {
            throw ValidationError("--cpu takes distinct LLVM CPU names separated by commas, got '\(cpu ?? "")'")
        }
        if let l2CacheKB, !(1...65536).contains(l2CacheKB) {
            throw ValidationError("--l2-cache-kb must be between 1 and 65536 (as l2CacheKB in a config), got \(l2CacheKB)")
        }
    }

    func resolve(_ config: ModelConfig) -> [TargetSelection] {
        TargetSelection.resolve(
            triple: triple ?? config.triple, cpus: cpus ?? config.cpus, features: features ?? config.features,
            cacheBytes: (l2CacheKB ?? config.l2CacheKB).map { $0 * 1024 })
    }

    /// `--cpu` split at commas.
    var cpus: [String]? { cpu.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a model into <name>.kiln.S, <name>.kiln.weights and include/<name>.kiln.h.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(help: "Where to write the outputs.")
    var outputDir: String
    @Flag(help: "Print how long each phase of the compile took.") var timings = false

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let (prepared, config) = try model.prepare()
        let prepareSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for advice in prepared.advice { FileHandle.standardError.write(Data("\(advice)\n".utf8)) }
        let directory = URL(fileURLWithPath: outputDir).standardizedFileURL.path
        let weightsPath = "\(directory)/\(prepared.name).kiln.weights"
        let compiled = try Compiler.compile(prepared, targets: target.resolve(config), weightsPath: weightsPath)
        for advice in compiled.advice { FileHandle.standardError.write(Data("\(advice)\n".utf8)) }
        try OutputWriter.write(compiled.assembly, to: "\(directory)/\(prepared.name).kiln.S")
        try OutputWriter.write(compiled.header, to: "\(directory)/include/\(prepared.name).kiln.h")
        if timings {
            for (name, seconds) in [("import, checks, passes", prepareSeconds)] + compiled.phases {
                print(String(format: "%8.3f s  ", seconds) + name)
            }
            print(String(format: "%8.3f s  total", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
    }
}

struct SwiftAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-api", abstract: "Write the typed Swift class for a model.")

    @OptionGroup var model: ModelOptions
    @Option(help: "The C target (Swift module) that holds the compiled model.")
    var module: String
    @Option(help: "The Swift file to write.")
    var output: String
    @Option(
        help: "The class name (default: the config's className, else the output file's name, e.g. DigitsModel.swift → DigitsModel)."
    )
    var className: String?

    func run() throws {
        let (prepared, _) = try model.prepare()
        let stem = URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent
        let name =
            className ?? prepared.className ?? (stem.isEmpty ? ModelNaming.className(forModel: prepared.name) : stem)
        try OutputWriter.write(SwiftAPIEmitter.source(for: prepared, module: module, className: name), to: output)
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's ops, shapes, memory plan and weights, or every unsupported op.")

    @OptionGroup var model: ModelOptions

    func run() throws {
        let config = try model.loadConfig()
        let imported = try ONNXImporter(modelPath: model.model, config: config).importModel()
        let checked = Compiler.check(imported)
        guard checked.problems.isEmpty else {
            printSupport(imported: imported, checked: checked)
            try checked.throwProblems()
            return
        }
        let prepared = try Compiler.prepare(checked: checked, modelPath: model.model)
        let graph = prepared.graph
        print("model: \(prepared.fileName)  (name \(prepared.name), opset \(graph.opset))")
        for input in graph.apiInputs { print("input  \(graph[input].name): \(graph.type(of: input))") }
        for output in graph.apiOutputs { print("output \(graph[output].name): \(graph.type(of: output))") }
        let weightBytes = Set(graph.nodes.flatMap { $0.inputs.compactMap { $0 } })
            .compactMap { graph[$0].constant.map { $0.elementCount * 4 } }.reduce(0, +)
        let plan = Compiler.schedule(prepared, target: .host).plan
        for pair in graph.state {
            let (input, output) = (graph.inputs[pair.input], graph.outputs[pair.output])
            let carried = plan.offsets[input] == plan.offsets[output] ? "computed in place" : "copied after each call"
            print(
                "state  \(graph[input].name) ← \(graph[output].name): \(graph.type(of: input)) @\(plan.offsets[input] ?? -1), "
                    + carried + (pair.initial == nil ? "" : ", reset to its initializer"))
        }
        for dim in graph.boundedDims {
            let following = graph.nodes.filter { node in node.outputs.contains { graph.itemLayouts[$0] != nil } }.count
            print(
                "dim    \(dim.name): 1 … \(dim.bound) per call (shapes below at the bound); "
                    + "\(following) of \(graph.nodes.count) nodes compute per item")
        }
        print("arena: \(plan.arenaSize) bytes   weights: \(weightBytes) bytes   nodes: \(graph.nodes.count)")
        var counts: [String: Int] = [:]
        for node in graph.nodes { counts[node.opType, default: 0] += 1 }
        print("ops: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", "))
        for node in graph.nodes {
            let inputs = node.inputs.map { input in
                input.map { id in
                    graph[id].constant == nil
                        ? "\(graph.type(of: id)) @\(plan.offsets[id] ?? -1)" : "const \(graph.type(of: id))"
                } ?? "-"
            }
            let fused = (node.core.map { " → \($0)" } ?? "") + (node.epilogue.map { " + \($0)" } ?? "")
            let results = node.outputs.map { "\(graph.type(of: $0)) @\(plan.offsets[$0] ?? -1)" }
            print(
                "  \(node.name) (\(node.opType)\(fused)): \(inputs.joined(separator: ", ")) -> \(results.joined(separator: ", "))"
            )
        }
    }
}

/// Marks each imported node of a model that does not compile: ✓ passed
/// every check, ✗ has a problem (each one listed), · not checked because it
/// reads a value only a node with a problem could produce.
private func printSupport(imported: Graph, checked: Graph) {
    let file = URL(fileURLWithPath: imported.modelFile).lastPathComponent
    var byNode: [String: [String]] = [:]
    var fileProblems: [String] = []
    for problem in checked.problems {
        if let node = problem.location.node {
            byNode[node, default: []].append(problem.message)
        } else {
            fileProblems.append(problem.message)
        }
    }
    let failed = imported.nodes.filter { byNode[$0.name] != nil }.count
    let skipped = imported.nodes.filter { node in
        byNode[node.name] == nil && node.outputs.contains(where: checked.unavailable.contains)
    }.count
    let passed = imported.nodes.count - failed - skipped
    print(
        "model: \(file)  (opset \(imported.opset)): \(passed) of \(imported.nodes.count) nodes supported, "
            + "\(failed) with problems, \(skipped) not checked")
    for problem in fileProblems { print("  ✗ \(problem)") }
    for node in imported.nodes {
        if let problems = byNode[node.name] {
            for problem in problems { print("  ✗ \(node.name) (\(node.opType)): \(problem)") }
        } else if node.outputs.contains(where: checked.unavailable.contains) {
            print("  · \(node.name) (\(node.opType)): not checked; it reads a value a node with a problem produces")
        } else {
            print("  ✓ \(node.name) (\(node.opType))")
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile, load and run a model on TensorProto inputs (input_0.pb, …), writing output_0.pb, ….")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(help: "Directory holding input_0.pb, input_1.pb, ….")
    var inputs: String
    @Option(help: "Directory to write output_0.pb, … into.")
    var outputs: String
    @OptionGroup var device: DeviceOptions

    func run() throws {
        let (prepared, config) = try model.prepare(device: device.device)
        let loaded = try LoadedModel(prepared: prepared, targets: target.resolve(config), device: device.device)
        reportFallback(loaded.runtime.fallbackReason)
        let tensors = try TensorFile.readAll(directory: inputs, prefix: "input")
        let runtime = loaded.runtime
        try setInputs(runtime, from: tensors, directory: inputs, fixed: Set(config.constants.keys))
        runtime.run()
        switch FileKind(atPath: outputs) {
        case .file: throw DriverError("--outputs \(outputs) is a file, not a folder")
        case .folder: break
        case .missing:
            do {
                try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
            } catch {
                throw DriverError("cannot create the --outputs folder \(outputs): \((error as NSError).localizedDescription)")
            }
        }
        for (index, info) in runtime.outputs.enumerated() {
            try TensorFile(name: info.name, data: try runtime.outputData(index))
                .write(path: "\(outputs)/output_\(index).pb")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on reference inputs and compare with reference outputs (ONNX test_data_set layout).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(help: "A test_data_set directory (default: test_data_set_0 beside the model).")
    var data: String?
    @Option(help: "Absolute tolerance.") var atol: Float = 1e-4
    @Option(help: "Relative tolerance.") var rtol: Float = 1e-4
    @Option(
        name: .customLong("constant-from-data"),
        help: ArgumentHelp(
            "Fix graph input NAME to its value in the data set (repeatable): checks a model that takes "
                + "axes or shapes as inputs the way a config's constants compile it.", valueName: "NAME"))
    var constantsFromData: [String] = []
    @OptionGroup var device: DeviceOptions

    func run() throws {
        let directory =
            data
            ?? URL(fileURLWithPath: model.model).deletingLastPathComponent()
            .appendingPathComponent("test_data_set_0").path
        var config = try model.loadConfig(device: device.device)
        // The model's own problems come first; the data set is read for
        // inputs to fix only when asked (its tensors may be of types Kiln refuses).
        var inputs: [TensorFile]? = nil
        if !constantsFromData.isEmpty {
            let tensors = try TensorFile.readAll(directory: directory, prefix: "input")
            for name in constantsFromData {
                guard let tensor = tensors.first(where: { $0.name == name }) else {
                    throw DriverError("\(directory) holds no input tensor named '\(name)'")
                }
                config.constants[name] = .tensor(tensor.data)
            }
            inputs = tensors
        }
        let prepared = try Compiler.prepare(modelPath: model.model, config: config)
        let expected = try TensorFile.readAll(directory: directory, prefix: "output")
        let loaded = try LoadedModel(prepared: prepared, targets: target.resolve(config), device: device.device)
        let runtime = loaded.runtime
        reportFallback(loaded.runtime.fallbackReason)
        guard expected.count == runtime.outputs.count else {
            throw DriverError(
                "\(directory) holds \(expected.count) outputs; the model has \(runtime.outputs.count)")
        }
        try setInputs(
            runtime, from: try inputs ?? TensorFile.readAll(directory: directory, prefix: "input"), directory: directory,
            fixed: Set(config.constants.keys))
        runtime.run()
        var failed = false
        for (index, reference) in expected.enumerated() {
            let comparison = Comparison(
                name: runtime.outputs[index].name, actual: try runtime.outputData(index), expected: reference.data,
                absolute: Double(atol), relative: Double(rtol))
            print(comparison)
            failed = failed || !comparison.passed
        }
        if failed { throw ExitCode(Kilnc.Status.mismatch) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time a compiled model on the CPU or a Vulkan device.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(help: "Timed runs.") var runs = 100
    @Option(help: "Untimed warm-up runs.") var warmup = 10
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Also time each kernel (median per kernel, slowest first; on Vulkan each dispatch, by the device's timestamps).")
    var profile = false
    @Option(
        help: ArgumentHelp(
            "Also record every kernel of the timed runs and write them as a Chrome trace (JSON).",
            discussion: "Open the file in https://ui.perfetto.dev or chrome://tracing.", valueName: "file.json"))
    var trace: String?
    @Option(help: "Threads running kernels, the caller included: 1 is inline (default: the config's, else 1).")
    var threads: Int?
    @Option(help: "Items per call along the model's bounded dim (default: its bound).")
    var extent: Int?
    @OptionGroup var device: DeviceOptions

    func validate() throws {
        if let threads, !(1...ModelConfig.maximumThreads).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(ModelConfig.maximumThreads), got \(threads)")
        }
    }

    /// Applies `--extent` to an instance about to be timed.
    func chooseExtent(_ runtime: KilnModel) throws {
        guard let extent else { return }
        guard !runtime.boundedDims.isEmpty else {
            throw ValidationError("--extent needs a model with a bounded dim (config {\"dims\": {\"batch\": {\"max\": n}}})")
        }
        try runtime.setExtent(extent)
    }

    func run() throws {
        let (prepared, config) = try model.prepare(device: device.device)
        let loaded = try LoadedModel(
            prepared: prepared, targets: target.resolve(config), threads: threads.map(KilnThreads.workers),
            device: device.device)
        reportFallback(loaded.runtime.fallbackReason)
        try chooseExtent(loaded.runtime)
        try Benchmark.fillInputs(loaded.runtime)
        var result = Benchmark.measure(loaded.runtime, name: prepared.fileName, runs: runs, warmup: warmup)
        result.create_ms = try Benchmark.creationTime(
            descriptor: loaded.descriptor, threads: threads.map(KilnThreads.workers) ?? .workers(prepared.defaultThreads),
            device: loaded.runtime.activeDevice)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(
                "\(result.model): median \(result.median_ms) ms, p10 \(result.p10_ms) ms, p90 \(result.p90_ms) ms "
                    + "(\(result.runs) runs, \(result.threads) thread\(result.threads == 1 ? "" : "s"), \(result.device) \(result.cpu_variant)"
                    + (result.extent.map { ", extent \($0)" } ?? "") + "); "
                    + "instance creation \(result.create_ms ?? 0) ms")
        }
        // A second instance of the same build, recording: the timed runs above
        // paid nothing for it. On Vulkan it is also what times each dispatch
        // (the device's timestamps): a dispatch cannot run alone there.
        let onVulkan = loaded.runtime.activeDevice == .vulkan
        var recording: KilnModel?
        if trace != nil || (profile && onVulkan) {
            let recorder = try KilnModel(
                descriptor: loaded.descriptor, expectedName: prepared.fileName,
                threads: threads.map(KilnThreads.workers) ?? .workers(prepared.defaultThreads),
                cpuVariant: loaded.runtime.cpuVariant, profiling: true, profiledCalls: runs,
                device: loaded.runtime.activeDevice)
            try chooseExtent(recorder)
            try Benchmark.fillInputs(recorder)
            for _ in 0..<(warmup + runs) { recorder.run() }
            recording = recorder
        }
        if let trace, let recording {
            _ = try OutputWriter.write(recording.chromeTrace(), to: trace)
        }
        if profile {
            let kernels =
                if onVulkan, let recording {
                    recording.kernelProfile().map { (name: $0.name, median_ms: $0.medianMilliseconds) }
                } else {
                    Benchmark.profile(loaded.runtime, runs: runs, warmup: warmup)
                }
            if kernels.isEmpty {
                reportNoTimestamps(result.device)
            }
            let total = kernels.map(\.median_ms).reduce(0, +)
            for kernel in kernels.sorted(by: { $0.median_ms > $1.median_ms }) {
                let share = total > 0 ? Int((kernel.median_ms / total * 100).rounded()) : 0
                print(
                    "  \(String(format: "%9.4f", kernel.median_ms)) ms \(String(format: "%3d", share)) %  \(kernel.name)"
                )
            }
        }
    }
}

/// Says on standard error that a profile of `device` has no per-dispatch times.
func reportNoTimestamps(_ device: String) {
    FileHandle.standardError.write(Data("kilnc: \(device) writes no timestamps: no per-dispatch times\n".utf8))
}

/// Says on standard error why a model asked to run on Vulkan runs on the
/// CPU (where the compiler left the Vulkan build out, the runtime's reason
/// names the node that kept it out).
func reportFallback(_ reason: String?) {
    guard let reason else { return }
    FileHandle.standardError.write(Data("kilnc: running on the CPU: \(reason)\n".utf8))
}

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the Vulkan devices of this machine (best first; * the one used) with their optional features, or say why there are none.",
        discussion: "KILN_VULKAN_DEVICE (an index or part of a name) picks another.")

    func run() throws {
        do {
            let chosen = try KilnVulkan.selectDevice()
            for (index, device) in try KilnVulkan.devices().enumerated() {
                let features = [device.subgroupArithmetic ? "subgroup arithmetic" : nil, device.shaderFloat64 ? "float64" : nil].compactMap { $0 }
                print("\(device == chosen ? "*" : " ") \(index): \(device)" + (features.isEmpty ? "" : " [\(features.joined(separator: ", "))]"))
            }
        } catch {
            print("\(error)")
            throw ExitCode(Kilnc.Status.failed)
        }
    }
}
