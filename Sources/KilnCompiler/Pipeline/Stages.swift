// The typed stages a model passes through: imported (a graph as the file
// says it) → prepared (resolved, typed, folded, lowered to core operations,
// fused) → scheduled (a memory plan for a target) → compiled artifacts.

/// A model imported, checked and optimised, ready for a backend.
public struct PreparedModel: Sendable {
    /// The model's C identifier (symbols are `kiln_<name>_…`).
    public var name: String
    public var graph: Graph
    /// The model file's base name, e.g. `digits.onnx`.
    public var fileName: String
    /// Threads the generated initialiser defaults to (the config's `threads`).
    public var defaultThreads = 1
    /// The generated class's name from the config, if it gives one.
    public var className: String?
    /// The generated class's access level (the config's `access`).
    public var access: ModelConfig.AccessLevel = .public
    /// Swift names for inputs and outputs, by ONNX name (the config's `rename`).
    public var renames: [String: String] = [:]
    /// Build-time advice (warnings) about the model as the config compiles it.
    public var advice: [BuildAdvice] = []
    /// Whether the config's `backends` list Vulkan: the program then holds
    /// a SPIR-V build too, when every node has a lowering.
    public var compilesForVulkan = false
    /// Op types the Vulkan backend treats as having no SPIR-V lowering. Every
    /// core operation has one, so nothing sets this but the tests of a model
    /// left without a Vulkan build (its warning, its CPU fallback).
    var opsWithoutShaders: Set<String> = []
}

/// Files produced for one model.
public struct CompiledOutputs: Sendable {
    public var model: PreparedModel
    public var assembly: String
    public var header: String
    public var weights: [UInt8]
    public var kernelNames: [String]
    /// Wall time of each phase of the compile, in order.
    public var phases: [(name: String, seconds: Double)] = []
    /// Warnings the backends raised (printed like the prepared model's advice).
    public var advice: [BuildAdvice] = []
    /// The Vulkan build's shaders in dispatch order, or nil when it has none.
    public var shaderNames: [String]?
    /// Why the Vulkan build the config asks for was left out (the node and
    /// what it lacks; `advice` warns of it too), or nil.
    public var vulkanOmission: String?
}

/// A prepared model with its memory laid out for one target.
public struct ScheduledModel: Sendable {
    public var model: PreparedModel
    public var target: TargetSelection
    public var plan: MemoryPlan
}
