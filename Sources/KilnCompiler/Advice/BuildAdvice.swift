// Advice printed at build time: things the model file allows but that cost
// the user speed or convenience, each with the config key that fixes it.
// Advice never stops a build; `kilnc compile` prints it as warnings.

/// One piece of build-time advice about a model.
public struct BuildAdvice: Sendable, Equatable, CustomStringConvertible {
    /// The model file.
    public var file: String
    public var message: String

    public var description: String { "\(file): warning: \(message)" }
}

extension BuildAdvice {
    /// Everything worth telling the user about `graph` as `config` compiles it.
    static func advice(for graph: Graph, config: ModelConfig) -> [BuildAdvice] {
        var advice: [BuildAdvice] = []
        let configName = ModelConfig.fileName(besideModel: graph.modelFile)
        let pairs = StateAdvice.likelyPairs(in: graph)
        if config.state == nil, !pairs.isEmpty {
            let names = pairs.map { (graph[$0.input].name, graph[$0.output].name) }
            let json = names.map { "{\"input\": \"\($0.0)\", \"output\": \"\($0.1)\"}" }.joined(separator: ", ")
            advice.append(
                BuildAdvice(
                    file: graph.modelFile,
                    message: "the model returns state its callers must feed back by hand ("
                        + names.map { "\($0.1) → \($0.0)" }.joined(separator: ", ")
                        + "); keep it inside the model, hidden from the API and carried without a copy, with "
                        + "\(configName): {\"state\": [\(json)]}"))
        }
        return advice
    }
}

/// Finds inputs a model probably means to be fed from its own outputs.
enum StateAdvice {
    /// Words exporters put around a state's name to tell the input from the output.
    static let markers: Set<String> = [
        "in", "out", "input", "output", "past", "present", "prev", "previous", "next", "new", "old", "cur",
        "current", "last", "init", "initial", "final", "state",
    ]

    /// Inputs paired with the one output of the same type whose name is the
    /// same but for the markers (`h_in`/`h_out`, `past.0.key`/`present.0.key`).
    static func likelyPairs(in graph: Graph) -> [(input: ValueID, output: ValueID)] {
        let outputs = graph.apiOutputs
        return graph.apiInputs.compactMap { input in
            let key = stem(graph[input].name)
            let matches = outputs.filter {
                stem(graph[$0].name) == key && graph[$0].name != graph[input].name
                    && graph.type(of: $0) == graph.type(of: input)
            }
            return matches.count == 1 ? (input, matches[0]) : nil
        }
    }

    /// The name's words, lowercased, without the markers (Hugging Face's
    /// `past_key_values` counts as one marker).
    static func stem(_ name: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previous: Character?
        for character in name.replacingOccurrences(of: "past_key_values", with: "past") {
            let splitsCamelCase = character.isUppercase && (previous?.isLowercase ?? false)
            if !(character.isLetter || character.isNumber) || splitsCamelCase {
                if !current.isEmpty { words.append(current) }
                current = ""
            }
            if character.isLetter || character.isNumber { current.append(Character(character.lowercased())) }
            previous = character
        }
        if !current.isEmpty { words.append(current) }
        return words.filter { !markers.contains($0) }
    }
}
