// State kept inside the model between calls: a graph input that each call
// feeds from a graph output of the call before (an RNN's hidden state, a
// running statistic, a fixed-size cache). Both stay in the graph, so the
// passes and the memory planner see an ordinary input and output; only the
// generated API and the descriptor's input and output tables leave them out.

/// One state pair, by position in the graph's inputs and outputs (passes
/// may replace an output's value, never reorder the lists).
public struct StatePair: Sendable, Equatable {
    /// Position of the state input in `Graph.inputs`.
    public var input: Int
    /// Position of the output that becomes the next call's state, in `Graph.outputs`.
    public var output: Int
    /// What `resetState()` restores: the input's initializer when the model
    /// gives it one, else nil for zeros.
    public var initial: TensorData?

    public init(input: Int, output: Int, initial: TensorData? = nil) {
        self.input = input
        self.output = output
        self.initial = initial
    }
}

extension Graph {
    /// The inputs a caller writes: every graph input that is not state.
    public var apiInputs: [ValueID] {
        let hidden = Set(state.map(\.input))
        return inputs.indices.filter { !hidden.contains($0) }.map { inputs[$0] }
    }

    /// The outputs a caller reads: every graph output that is not state.
    public var apiOutputs: [ValueID] {
        let hidden = Set(state.map(\.output))
        return outputs.indices.filter { !hidden.contains($0) }.map { outputs[$0] }
    }
}
