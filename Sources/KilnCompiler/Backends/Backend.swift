// What a code generator for one kind of device provides. The pipeline hands
// each backend a scheduled model whose nodes are all core operations
// (IR/CoreOp.swift); a backend implements every case of that closed set.

/// A code generator for one kind of device.
protocol Backend: Sendable {
    /// The backend's name in diagnostics and test tables, e.g. `cpu`.
    var name: String { get }

    /// Compiles a scheduled model into artifacts the program embeds.
    func compile(_ scheduled: ScheduledModel, weightsPath: String) throws -> BackendArtifacts
}

/// A backend's product for one model.
public struct BackendArtifacts: Sendable {
    /// Assembly for `<name>.kiln.S`.
    public var assembly: String
    /// The weights blob the assembly `.incbin`s.
    public var weights: [UInt8]
    /// Kernel names in execution order (for inspect and profiling).
    public var kernelNames: [String]
}
