// How many inputs and outputs each version of an ONNX op takes, read once
// from the table Scripts/generate-op-schemas.py writes (ONNXSchemas.swift).
// The importer checks every node against it: an extra input to Relu or a
// missing one to Gemm is refused, never read as something it is not.

/// The input and output counts one version of an op allows.
struct OpArity: Sendable, Equatable {
    /// The first opset of this version.
    var since: Int
    var inputs: ClosedRange<Int>
    var outputs: ClosedRange<Int>
}

extension ONNXSchemas {
    /// Every op's versions, oldest first.
    static let arities: [String: [OpArity]] = parse(table)

    /// The version of `opType` a model importing `opset` uses: nil for an op
    /// ONNX does not define; `.tooOld(first)` when the op is newer than the opset.
    static func arity(of opType: String, opset: Int) -> ArityLookup {
        guard let versions = arities[opType], let first = versions.first else { return .unknownOp }
        guard let version = versions.last(where: { $0.since <= opset }) else { return .tooOld(firstOpset: first.since) }
        return .version(version)
    }

    enum ArityLookup: Equatable {
        case unknownOp
        case tooOld(firstOpset: Int)
        case version(OpArity)
    }

    /// Parses `Name:since/minIn-maxIn/minOut-maxOut,…` lines (`*`: unbounded).
    static func parse(_ table: String) -> [String: [OpArity]] {
        func range(_ text: Substring) -> ClosedRange<Int>? {
            let bounds = text.split(separator: "-")
            guard bounds.count == 2, let low = Int(bounds[0]) else { return nil }
            let high = bounds[1] == "*" ? Int.max : Int(bounds[1])
            guard let high, low <= high else { return nil }
            return low...high
        }
        var result: [String: [OpArity]] = [:]
        for line in table.split(separator: "\n") {
            let parts = line.split(separator: ":")
            guard parts.count == 2 else { continue }
            let name = String(parts[0].drop { $0 == " " })
            result[name] = parts[1].split(separator: ",").compactMap { entry in
                let fields = entry.split(separator: "/")
                guard fields.count == 3, let since = Int(fields[0]), let inputs = range(fields[1]),
                    let outputs = range(fields[2])
                else { return nil }
                return OpArity(since: since, inputs: inputs, outputs: outputs)
            }
        }
        return result
    }
}
