// The compiler's one entry point: model file → checked, optimised graph →
// CPU assembly, weights blob, C header and Swift API. The CLI, the plugin
// and the tests all go through here; each stage is a type in Stages.swift.

import Foundation

/// The version written into generated files.
public let kilnVersion = "0.1.0"

/// Runs the compiler pipeline.
public enum Compiler {
    /// Imports and optimises a model: the work every command shares.
    public static func prepare(modelPath: String, config: ModelConfig = ModelConfig()) throws -> PreparedModel {
        try prepare(
            imported: ONNXImporter(modelPath: modelPath, config: config).importModel(), modelPath: modelPath,
            config: config)
    }

    /// Imports and optimises a model from bytes already in memory;
    /// `modelPath` names it in diagnostics.
    public static func prepare(
        data: Data, modelPath: String, config: ModelConfig = ModelConfig()
    ) throws
        -> PreparedModel
    {
        try prepare(
            imported: ONNXImporter(modelPath: modelPath, config: config).importModel(data: data),
            modelPath: modelPath, config: config)
    }

    /// A graph imported with `config`, prepared, with the config's settings
    /// that reach the generated code.
    private static func prepare(imported: Graph, modelPath: String, config: ModelConfig) throws -> PreparedModel {
        var model = try prepare(graph: imported, modelPath: modelPath)
        model.defaultThreads = config.threads ?? 1
        model.className = config.className
        model.access = config.access ?? .public
        model.renames = try checkedRenames(config.rename ?? [:], in: model.graph, modelPath: modelPath)
        model.advice = BuildAdvice.advice(for: model.graph, config: config)
        model.compilesForVulkan = config.backends?.contains(.vulkan) ?? false
        return model
    }

    /// Checks and optimises an imported graph; `modelPath` names the file
    /// the generated code refers to.
    public static func prepare(graph imported: Graph, modelPath: String) throws -> PreparedModel {
        try prepare(checked: check(imported), modelPath: modelPath)
    }

    /// Optimises a graph ``check(_:)`` returned (throwing its problems, if
    /// any), without resolving and typing it again.
    public static func prepare(checked: Graph, modelPath: String) throws -> PreparedModel {
        var graph = checked
        try graph.throwProblems()
        try checkState(graph)
        try graph.lowerToCore()
        graph.foldAffineIntoConvolution()
        graph.fuseMatMulBias()
        graph.fuseElementwise()
        graph.fuseActivations()
        graph.fuseExpansionIntoDepthwise()
        graph.materializeOutputs()
        try graph.analyzeBoundedDims()
        try graph.verify()
        let fileName = URL(fileURLWithPath: modelPath).lastPathComponent
        return PreparedModel(
            name: ModelNaming.modelName(forFile: fileName), graph: graph, fileName: fileName)
    }

    /// A state output must fit its input exactly: the next call reads it there.
    private static func checkState(_ graph: Graph) throws {
        for pair in graph.state {
            let (input, output) = (graph.inputs[pair.input], graph.outputs[pair.output])
            let (inputType, outputType) = (graph.type(of: input), graph.type(of: output))
            guard inputType == outputType else {
                throw CompileError(
                    .invalidConfig, at: SourceLocation(file: ModelConfig.path(besideModel: graph.modelFile)),
                    "state pairs input '\(graph[input].name)' (\(inputType)) with output '\(graph[output].name)' "
                        + "(\(outputType)); a state output must have its input's element type and shape")
            }
        }
    }

    /// The config's renames, once each names an input or output the generated API has.
    private static func checkedRenames(_ renames: [String: String], in graph: Graph, modelPath: String) throws -> [String: String] {
        let names = (graph.apiInputs + graph.apiOutputs).map { graph[$0].name }
        let unknown = renames.keys.filter { !names.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw CompileError(
                .invalidConfig, at: SourceLocation(file: ModelConfig.path(besideModel: modelPath)),
                "rename names \(unknown.map { "'\($0)'" }.joined(separator: ", ")), which is no input or output of the "
                    + "generated API; those are \(names.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return renames
    }

    /// Resolves and types an imported graph as far as its problems allow,
    /// recording every problem in `problems` instead of stopping at the
    /// first; `kilnc inspect` shows which nodes passed.
    public static func check(_ imported: Graph) -> Graph {
        var graph = imported
        graph.recordOperatorProblems()
        graph.recordShapeProblems()
        return graph
    }

    /// Lays out a prepared model's memory for `target` (kernels' scratch
    /// needs depend on the target's vector width).
    public static func schedule(_ model: PreparedModel, target: TargetSelection) -> ScheduledModel {
        let plan = MemoryPlanner.plan(
            model.graph, scratchBytes: { KernelLowering.scratchBytes($0, in: model.graph, target: target) },
            workerScratchBytes: { KernelLowering.workerScratchBytes($0, in: model.graph, target: target) })
        return ScheduledModel(model: model, target: target, plan: plan)
    }

    /// Compiles a prepared model for `target`, writing the weights blob to
    /// `weightsPath` (only if changed), which the assembly `.incbin`s.
    public static func compile(
        _ model: PreparedModel, target: TargetSelection, weightsPath: String
    ) throws
        -> CompiledOutputs
    {
        try compile([schedule(model, target: target)], weightsPath: weightsPath)
    }

    /// Compiles one build of a prepared model per target into one program:
    /// the runtime loads the build that needs the most features the machine
    /// has. The targets must share a triple and name distinct CPUs.
    public static func compile(
        _ model: PreparedModel, targets: [TargetSelection], weightsPath: String
    ) throws
        -> CompiledOutputs
    {
        var clock = PhaseClock()
        let builds = targets.map { schedule(model, target: $0) }
        clock.lap("memory plan")
        var outputs = try compile(builds, weightsPath: weightsPath)
        outputs.phases.insert(contentsOf: clock.phases, at: 0)
        return outputs
    }

    /// Compiles the scheduled builds of one model, writing the weights blob to `weightsPath`.
    public static func compile(_ builds: [ScheduledModel], weightsPath: String) throws -> CompiledOutputs {
        guard let first = builds.first else { preconditionFailure("a program needs at least one build") }
        let model = first.model
        try checkBuilds(builds.map(\.target), location: model.graph.fileLocation)
        let artifacts = try CPUBackend().compile(builds, weightsPath: weightsPath)
        var clock = PhaseClock()
        do {
            try OutputWriter.write(Data(artifacts.weights), to: weightsPath)
        } catch {
            throw CompileError(
                .backend, at: model.graph.fileLocation, "cannot write the weights to \(weightsPath): \(error)")
        }
        let cpus = builds.map(\.target.cpu).joined(separator: ", ")
        let banner =
            "DO NOT EDIT. Generated by kilnc \(kilnVersion) from \(GeneratedText.comment(model.fileName)) for \(first.target.triple) (\(cpus))."
        let assembly = "/* \(banner) */\n" + artifacts.assembly
        clock.lap("weights file")
        return CompiledOutputs(
            model: model, assembly: assembly, header: HeaderEmitter.header(for: model), weights: artifacts.weights,
            kernelNames: artifacts.kernelNames, phases: artifacts.phases + clock.phases, advice: artifacts.advice,
            shaderNames: artifacts.shaderNames, vulkanOmission: artifacts.vulkanOmission)
    }

    /// Several builds in one object share its triple, and the runtime tells
    /// them apart by CPU name and by feature bits, which exist on x86 only.
    private static func checkBuilds(_ targets: [TargetSelection], location: SourceLocation) throws {
        guard targets.count > 1 else { return }
        if let other = targets.first(where: { $0.triple != targets[0].triple }) {
            throw CompileError(
                .invalidConfig, at: location,
                "all CPU builds of a model share one triple, but \(targets[0].triple) and \(other.triple) were given")
        }
        if let repeated = targets.first(where: { target in targets.filter { $0.cpu == target.cpu }.count > 1 }) {
            throw CompileError(.invalidConfig, at: location, "the CPU '\(repeated.cpu)' is listed more than once")
        }
        let arch = targets[0].triple.split(separator: "-").first ?? ""
        guard arch == "x86_64" else {
            throw CompileError(
                .invalidConfig, at: location,
                "several CPU builds in one binary are chosen by x86 CPU features; for \(arch) name one CPU")
        }
    }
}
