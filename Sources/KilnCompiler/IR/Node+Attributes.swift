// Typed attribute access with errors that name the node.

extension Node {
    /// An integer attribute, or `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int) -> Int {
        if case .int(let value)? = attributes[name] { return value }
        return defaultValue
    }

    /// A float attribute, or `defaultValue` when absent.
    public func float(_ name: String, default defaultValue: Float) -> Float {
        switch attributes[name] {
        case .float(let value)?: value
        case .int(let value)?: Float(value)
        default: defaultValue
        }
    }

    /// An integer-list attribute, or nil when absent.
    public func ints(_ name: String) -> [Int]? {
        switch attributes[name] {
        case .ints(let values)?: values
        case .int(let value)?: [value]
        default: nil
        }
    }

    /// A string attribute, or `defaultValue` when absent.
    public func string(_ name: String, default defaultValue: String) -> String {
        if case .string(let value)? = attributes[name] { return value }
        return defaultValue
    }
}
