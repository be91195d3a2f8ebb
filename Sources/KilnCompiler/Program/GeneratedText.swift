// Text taken from a model file (value names, the file name) on its way into
// generated Swift, C and assembly: model files are untrusted, and a name
// holding a newline or a comment terminator must not inject source lines.

enum GeneratedText {
    /// `text` safe inside a `//`, `///` or `/* */` comment: control, line
    /// separator and bidirectional control characters are spelled `\u{…}`,
    /// and `*/` cannot close a comment.
    static func comment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f || isInvisibleControl(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.replacingAll("*/", with: "* /")
    }

    /// Line separators and the bidirectional controls that can make a comment
    /// display differently from what the compiler reads ("Trojan Source").
    static func isInvisibleControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2028, 0x2029, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
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
