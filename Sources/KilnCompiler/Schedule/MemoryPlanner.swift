// Lays out every run-time tensor in one arena: values whose lifetimes do not
// overlap share bytes, views (reshapes) share their source's bytes. State
// inputs come first, one contiguous region the runtime resets and snapshots;
// a state output whose input is read for the last time before the output is
// written takes the input's bytes, so nothing is copied between calls.

/// Arena offsets for every non-constant value.
public struct MemoryPlan: Sendable {
    /// Byte offset of each run-time value in the arena.
    public var offsets: [ValueID: Int]
    /// Byte offset of the scratch buffer of node `index`, for nodes that need one.
    public var scratchOffsets: [Int: Int] = [:]
    /// Bytes of the scratch buffer of node `index`, for nodes that need one.
    public var scratchSizes: [Int: Int] = [:]
    /// Total arena bytes (a multiple of `alignment`).
    public var arenaSize: Int
    /// Alignment of the arena and of every buffer in it.
    public var alignment: Int
    /// Private scratch bytes each worker needs (the most any kernel uses):
    /// outside the arena, one region per worker, reused by every kernel.
    public var workerScratchBytes: Int = 0
    /// The state inputs' bytes: `[0, stateBytes)` of the arena, kept between calls.
    public var stateBytes: Int = 0
}

/// Liveness-based greedy arena allocation.
public enum MemoryPlanner {
    /// Plans `graph`, whose nodes run in order. Graph inputs and outputs are
    /// live for the whole call, so the caller can write inputs before and read
    /// outputs after a call without copies, and a call never clobbers its inputs.
    /// `scratchBytes(node)` is the scratch a node's kernels need while it runs.
    public static func plan(
        _ graph: Graph, alignment: Int = 64, scratchBytes: (Node) -> Int = { _ in 0 },
        workerScratchBytes: (Node) -> Int = { _ in 0 }
    ) -> MemoryPlan {
        // Views alias their source: resolve every value to the buffer that owns its bytes.
        var root: [ValueID: ValueID] = [:]
        func owner(_ id: ValueID) -> ValueID { root[id].map(owner) ?? id }
        for node in graph.nodes where node.core == .view {
            if let source = node.input(0), graph[source].constant == nil { root[node.outputs[0]] = source }
        }
        let stateInputs = graph.state.map { graph.inputs[$0.input] }
        for (output, input) in carriedInPlace(graph, owner: owner) { root[output] = input }

        struct Buffer {
            var size: Int
            var start: Int
            var end: Int
        }
        var buffers: [ValueID: Buffer] = [:]
        func touch(_ id: ValueID, at time: Int) {
            guard graph[id].constant == nil else { return }
            let key = owner(id)
            let size = graph.type(of: key).byteCount
            if var buffer = buffers[key] {
                buffer.start = min(buffer.start, time)
                buffer.end = max(buffer.end, time)
                buffers[key] = buffer
            } else {
                buffers[key] = Buffer(size: size, start: time, end: time)
            }
        }
        for input in graph.inputs {
            touch(input, at: -1)
            touch(input, at: graph.nodes.count)
        }
        for (time, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs { touch(input, at: time) }
            for output in node.outputs { touch(output, at: time) }
        }
        for output in graph.outputs { touch(output, at: graph.nodes.count) }
        // Scratch buffers live for their node only; they get keys past every value.
        var scratchKeys: [ValueID: Int] = [:]
        for (time, node) in graph.nodes.enumerated() {
            let size = scratchBytes(node)
            guard size > 0 else { continue }
            let key = ValueID(graph.values.count + time)
            scratchKeys[key] = time
            buffers[key] = Buffer(size: size, start: time, end: time)
        }

        // State first, in pair order, so it is one region at the start; then
        // largest first; each at the lowest aligned offset free for its whole lifetime.
        let order =
            stateInputs
            + buffers.keys.filter { !stateInputs.contains($0) }.sorted { lhs, rhs in
                let (a, b) = (buffers[lhs]!, buffers[rhs]!)
                return a.size != b.size ? a.size > b.size : lhs < rhs
            }
        var placed: [(offset: Int, buffer: Buffer)] = []
        var offsets: [ValueID: Int] = [:]
        var arenaSize = 0
        for key in order {
            let buffer = buffers[key]!
            let conflicts =
                placed
                .filter { $0.buffer.start <= buffer.end && buffer.start <= $0.buffer.end }
                .sorted { $0.offset < $1.offset }
            var offset = 0
            for other in conflicts {
                if offset + buffer.size <= other.offset { break }
                offset = max(offset, align(other.offset + other.buffer.size, alignment))
            }
            placed.append((offset, buffer))
            offsets[key] = offset
            arenaSize = max(arenaSize, align(offset + max(buffer.size, 1), alignment))
        }
        for id in graph.values.indices.map(ValueID.init) where graph[id].constant == nil {
            if let offset = offsets[owner(id)], offsets[id] == nil { offsets[id] = offset }
        }
        var scratchOffsets: [Int: Int] = [:]
        var scratchSizes: [Int: Int] = [:]
        for (key, node) in scratchKeys {
            scratchOffsets[node] = offsets.removeValue(forKey: key)
            scratchSizes[node] = buffers[key]?.size
        }
        let stateEnd = stateInputs.map { offsets[$0, default: 0] + graph.type(of: $0).byteCount }.max() ?? 0
        return MemoryPlan(
            offsets: offsets, scratchOffsets: scratchOffsets, scratchSizes: scratchSizes, arenaSize: max(arenaSize, alignment), alignment: alignment,
            workerScratchBytes: graph.nodes.map(workerScratchBytes).max() ?? 0, stateBytes: stateEnd)
    }

    /// The state outputs (their owning buffers) that can live in their
    /// input's bytes, with those inputs: the buffer is first written after
    /// the input's last read, and nothing else the caller sees shares it.
    private static func carriedInPlace(
        _ graph: Graph, owner: (ValueID) -> ValueID
    ) -> [(output: ValueID, input: ValueID)] {
        var firstWrite: [ValueID: Int] = [:]
        var lastRead: [ValueID: Int] = [:]
        for (time, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs { lastRead[owner(input)] = time }
            for output in node.outputs where firstWrite[owner(output)] == nil { firstWrite[owner(output)] = time }
        }
        // The caller reads every output after the call.
        for output in graph.outputs { lastRead[owner(output)] = graph.nodes.count }
        var carried: [(ValueID, ValueID)] = []
        for pair in graph.state {
            let input = graph.inputs[pair.input]
            let buffer = owner(graph.outputs[pair.output])
            let sharedWithOtherOutputs = graph.outputs.indices.contains { position in
                position != pair.output && owner(graph.outputs[position]) == buffer
            }
            guard buffer != input, graph[buffer].constant == nil, !graph.inputs.contains(buffer),
                !sharedWithOtherOutputs, let written = firstWrite[buffer], lastRead[input, default: -1] < written
            else { continue }
            carried.append((buffer, input))
        }
        return carried
    }

    static func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}
