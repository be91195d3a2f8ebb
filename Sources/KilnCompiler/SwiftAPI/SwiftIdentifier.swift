// Turns ONNX value names into Swift identifiers for the generated API.

/// Naming rules for generated Swift members.
enum SwiftIdentifier {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
        "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else",
        "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "Any",
        "catch", "false", "is", "nil", "super", "self", "Self", "throw", "throws", "true", "try", "_",
        // Contextual keywords: fine in some positions, not in all the generated code uses.
        "await", "async", "some", "any", "consume", "copy", "discard", "each", "borrowing", "consuming", "sending",
        "package", "nonisolated", "isolated", "get", "set", "willSet", "didSet", "mutating", "nonmutating", "lazy",
        "dynamic", "final", "convenience", "required", "override", "optional", "indirect", "weak", "unowned",
        "macro", "then", "Type", "Protocol", "actor", "precedencegroup", "prefix", "postfix", "infix",
    ]

    /// `input.1` → `input1`, `pixel_values` → `pixelValues`, `3d` → `t3d`.
    static func lowerCamel(_ name: String) -> String {
        let words = name.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }).map(String.init)
        var result = ""
        for (index, word) in words.enumerated() {
            if index == 0 {
                result += word.prefix(1).lowercased() + word.dropFirst()
            } else {
                result += word.prefix(1).uppercased() + word.dropFirst()
            }
        }
        if result.isEmpty { result = "tensor" }
        if let first = result.first, first.isNumber { result = "t" + result }
        return result
    }

    /// Unique lowerCamel names for `names`, avoiding keywords and `reserved`;
    /// a name in `given` (the config's renames, already checked) is used as is,
    /// and the derived names avoid those.
    static func unique(_ names: [String], given: [String: String] = [:], reserved: Set<String>) -> [String] {
        var taken = reserved.union(given.values)
        return names.map { name in
            if let chosen = given[name] { return chosen }
            var candidate = lowerCamel(name)
            if keywords.contains(candidate) || reserved.contains(candidate) { candidate += "Tensor" }
            var suffix = 2
            let base = candidate
            while taken.contains(candidate) {
                candidate = "\(base)\(suffix)"
                suffix += 1
            }
            taken.insert(candidate)
            return candidate
        }
    }
}
