// Text taken from a model file (value names, the file name) on its way into
// generated Swift, C and assembly: model files are untrusted, and a name
// holding a newline or a comment terminator must not inject source lines.

enum GeneratedText {
    /// `text` safe inside a `//`, `///` or `/* */` comment: control and line
    /// separator characters are spelled `\u{…}`, and `*/` cannot close a comment.
    static func comment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.replacingAll("*/", with: "* /")
    }

    /// A Swift string literal for `text` (quotes, backslashes and every
    /// character outside printable ASCII escaped).
    static func swiftStringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value >= 0x7f:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
