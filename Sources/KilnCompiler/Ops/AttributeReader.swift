// Typed access to a node's attributes for the op definitions: a missing
// attribute takes its default, a present one of the wrong type is an error
// naming the node (never a silent fall-back to the default), and one the op
// never read is reported, since ignoring it could change the model's meaning.

/// Reads one node's attributes; given to ``Operator/init(_:)``.
///
/// A class so it can record which attributes the op read; it lives only
/// while one node is resolved, on one thread.
public final class AttributeReader {
    public let attributes: [String: Attribute]
    /// The version of the op's domain the model imports.
    public let opset: Int
    public let location: SourceLocation
    /// Attributes the op has read or declared irrelevant.
    private(set) var consumed: Set<String> = []

    public init(attributes: [String: Attribute], opset: Int, location: SourceLocation) {
        self.attributes = attributes
        self.opset = opset
        self.location = location
    }

    /// The attribute `name` as imported, marking it read.
    public func raw(_ name: String) -> Attribute? {
        consumed.insert(name)
        return attributes[name]
    }

    /// Declares attributes that do not affect inference (Dropout's `seed`,
    /// BatchNormalization's `momentum`), so they are not reported as unknown.
    public func ignore(_ names: String...) { consumed.formUnion(names) }

    /// The attributes present that the op neither read nor ignored.
    public var unconsumed: [String] { attributes.keys.filter { !consumed.contains($0) }.sorted() }

    private func wrongType(_ name: String, _ expected: String) -> CompileError {
        CompileError(.invalidAttribute, at: location, "attribute '\(name)' must be \(expected)")
    }

    public func has(_ name: String) -> Bool { attributes[name] != nil }

    /// An integer attribute, or `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int) throws -> Int {
        switch raw(name) {
        case nil: return defaultValue
        case .int(let value)?: return value
        default: throw wrongType(name, "an integer")
        }
    }

    /// A boolean flag stored as an integer 0 or 1.
    public func flag(_ name: String, default defaultValue: Bool = false) throws -> Bool {
        let value = try int(name, default: defaultValue ? 1 : 0)
        guard value == 0 || value == 1 else { throw wrongType(name, "0 or 1, got \(value)") }
        return value == 1
    }

    /// A float attribute (an integer is accepted), or `defaultValue` when absent.
    public func float(_ name: String, default defaultValue: Float) throws -> Float {
        switch raw(name) {
        case nil: return defaultValue
        case .float(let value)?: return value
        case .int(let value)?: return Float(value)
        default: throw wrongType(name, "a float")
        }
    }

    /// An integer-list attribute, or nil when absent.
    public func ints(_ name: String) throws -> [Int]? {
        switch raw(name) {
        case nil: return nil
        case .ints(let values)?: return values
        default: throw wrongType(name, "a list of integers")
        }
    }

    /// A string attribute, or `defaultValue` when absent.
    public func string(_ name: String, default defaultValue: String) throws -> String {
        switch raw(name) {
        case nil: return defaultValue
        case .string(let value)?: return value
        default: throw wrongType(name, "a string")
        }
    }

    /// A tensor attribute, or nil when absent.
    public func tensor(_ name: String) throws -> TensorData? {
        switch raw(name) {
        case nil: return nil
        case .tensor(let value)?: return value
        default: throw wrongType(name, "a tensor")
        }
    }

    /// An error about this node's attributes.
    public func error(_ message: String) -> CompileError {
        CompileError(.invalidAttribute, at: location, message)
    }
}
