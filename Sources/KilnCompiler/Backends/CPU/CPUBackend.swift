// The CPU backend: one LLVM function per kernel, optimised for the target
// CPU and printed as assembly (see ModuleEmitter.swift).

/// Native CPU code through LLVM.
struct CPUBackend: Backend {
    let name = "cpu"

    func compile(_ builds: [ScheduledModel], weightsPath: String) throws -> BackendArtifacts {
        try ModuleEmitter(builds: builds, weightsPath: weightsPath).emit()
    }
}
