// Errors the compiler reports: each names the model file and, where one is
// involved, the node and its op, so a user can find the problem without a debugger.

/// Where in a model a problem was found.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The model file as given to the compiler.
    public var file: String
    /// The ONNX node's name (or a synthesized `#index` when it has none).
    public var node: String?
    /// The node's op type, e.g. `Conv`.
    public var opType: String?
    /// The opset the model imports for the default domain.
    public var opset: Int?

    public init(file: String, node: String? = nil, opType: String? = nil, opset: Int? = nil) {
        self.file = file
        self.node = node
        self.opType = opType
        self.opset = opset
    }

    public var description: String {
        var text = file
        if let node { text += ": node '\(node)'" }
        if let opType {
            text += " (\(opType)"
            if let opset { text += ", opset \(opset)" }
            text += ")"
        }
        return text
    }
}

/// A problem that stops compilation. `description` is the user-facing message.
public struct CompileError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is, for tests and tooling.
    public enum Kind: String, Sendable {
        case unreadableFile
        case malformedModel
        case unsupportedOp
        case unsupportedFeature
        case dynamicShape
        case invalidInitializer
        case shapeMismatch
        case invalidAttribute
        case invalidConfig
        case backend
    }

    public var kind: Kind
    public var location: SourceLocation
    public var message: String
    /// Context that helps fix the problem, shown on a `note:` line after it
    /// (once per distinct note when several problems are reported together).
    public var note: String?

    public init(_ kind: Kind, at location: SourceLocation, _ message: String, note: String? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.note = note
    }

    /// The `error: file: node 'x' (Op): message` line alone.
    public var errorLine: String { "error: \(location): \(message)" }

    public var description: String { errorLine + (note.map { "\nnote: \($0)" } ?? "") }
}

/// Several problems found in one pass (e.g. every unsupported op at once).
public struct CompileErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [CompileError]

    public init(_ errors: [CompileError]) { self.errors = errors }

    /// Every error line, then each distinct note once.
    public var description: String {
        var notes: [String] = []
        for case let note? in errors.map(\.note) where !notes.contains(note) { notes.append(note) }
        return (errors.map(\.errorLine) + notes.map { "note: \($0)" }).joined(separator: "\n")
    }
}
