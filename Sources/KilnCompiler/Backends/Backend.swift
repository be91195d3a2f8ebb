// What a code generator for one kind of device provides. The pipeline hands
// each backend a scheduled model whose nodes are all core operations
// (IR/CoreOp.swift); a backend implements every case of that closed set.

/// A code generator for one kind of device.
protocol Backend: Sendable {
    /// The backend's name in diagnostics and test tables, e.g. `cpu`.
    var name: String { get }

    /// Compiles the builds of one scheduled model (one per target CPU, the
    /// same graph) into artifacts the program embeds.
    func compile(_ builds: [ScheduledModel], weightsPath: String) throws -> BackendArtifacts
}

extension Backend {
    /// Compiles a model's single build.
    func compile(_ scheduled: ScheduledModel, weightsPath: String) throws -> BackendArtifacts {
        try compile([scheduled], weightsPath: weightsPath)
    }
}

/// A backend's product for one model.
public struct BackendArtifacts: Sendable {
    /// Assembly for `<name>.kiln.S`.
    public var assembly: String
    /// The weights blob the assembly `.incbin`s.
    public var weights: [UInt8]
    /// Kernel names in execution order (for inspect and profiling).
    public var kernelNames: [String]
    /// Wall time of each phase of the backend, in order (`kilnc compile --timings`).
    public var phases: [(name: String, seconds: Double)] = []
    /// Warnings about the build (a Vulkan build the model cannot have).
    public var advice: [BuildAdvice] = []
    /// The Vulkan build's shaders in dispatch order, or nil when there is none.
    public var shaderNames: [String]?
    /// Why the Vulkan build the config asks for was left out (the node and
    /// what it lacks; `advice` warns of it too), or nil.
    public var vulkanOmission: String?
}
