// State a model keeps between calls (the config's `state` pairs): the state
// inputs live in one region at the start of the arena; after the last
// dispatch of a call each pair's output is copied there, unless the compiler
// computed it there in place. Reset, snapshot and restore work on that
// region as a whole, so they cost one memset or memcpy.

/// One state pair of a compiled model.
public struct KilnStatePair: Sendable, Equatable {
    /// The state input's name in the source model.
    public let input: String
    /// The output that becomes the next call's state.
    public let output: String
    /// Bytes of state.
    public let byteCount: Int
}

/// A copy of a model's state (every pair), taken by
/// ``KilnModel/stateSnapshot()`` and put back by ``KilnModel/restoreState(_:)``.
/// Its bytes are the state region as the compiled model lays it out (the
/// state inputs in pair order, each 64-byte aligned), so it can be stored and
/// restored by a later run of the same compiled model.
public struct KilnStateSnapshot: Sendable, Equatable {
    /// The model file the snapshot was taken from.
    public let modelName: String
    /// The state region's bytes.
    public let bytes: [UInt8]

    public init(modelName: String, bytes: [UInt8]) {
        self.modelName = modelName
        self.bytes = bytes
    }
}

extension KilnModel {
    /// Sets every state back to where a fresh instance starts: the state
    /// input's initializer where the model has one, else zeros.
    public func resetState() {
        guard stateRegion.count > 0 else { return }
        leaveStateToTheHost()
        (arena + stateRegion.offset).initializeMemory(as: UInt8.self, repeating: 0, count: stateRegion.count)
        for start in stateStarts {
            guard let initial = start.initial else { continue }
            (arena + start.offset).copyMemory(from: initial, byteCount: start.byteCount)
        }
    }

    /// A copy of the current state (allocates; take it between calls).
    public func stateSnapshot() -> KilnStateSnapshot {
        finishPipelinedCalls()
        let region = UnsafeRawBufferPointer(start: arena + stateRegion.offset, count: stateRegion.count)
        return KilnStateSnapshot(modelName: modelName, bytes: Array(region))
    }

    /// Puts back a state ``stateSnapshot()`` took from an instance of the same model.
    ///
    /// - Throws: ``KilnError/stateMismatch(model:detail:)`` when the snapshot
    ///   comes from another model or its size differs.
    public func restoreState(_ snapshot: KilnStateSnapshot) throws(KilnError) {
        guard snapshot.modelName == modelName, snapshot.bytes.count == stateRegion.count else {
            throw .stateMismatch(
                model: modelName,
                detail: "the snapshot holds \(snapshot.bytes.count) bytes of state from \(snapshot.modelName), "
                    + "this model has \(stateRegion.count) bytes")
        }
        leaveStateToTheHost()
        snapshot.bytes.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            (arena + stateRegion.offset).copyMemory(from: base, byteCount: bytes.count)
        }
    }

    /// Before the host writes the state: the pipelined calls that carry it
    /// on the device finish, and the next one takes the host's state along.
    func leaveStateToTheHost() {
        finishPipelinedCalls()
        pipeline.deviceHasState = false
    }
}
