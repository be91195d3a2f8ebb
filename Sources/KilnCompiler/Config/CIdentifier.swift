// How model file names become C symbol names and Swift class names. The
// plugin applies the same rules to predict output names; keep them in step.

/// Naming rules shared by the compiler's outputs.
public enum CIdentifier {
    /// A C identifier: every character outside [A-Za-z0-9_] becomes `_`,
    /// and a leading digit gets a `_` prefix.
    public static func sanitize(_ text: String) -> String {
        var result = String(
            text.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
                    ? Character(scalar) : "_"
            })
        if result.isEmpty { result = "_" }
        if let first = result.unicodeScalars.first, ("0"..."9").contains(first) { result = "_" + result }
        return result
    }

    /// The model's identifier from its file name: `my-net.onnx` → `my_net`.
    public static func modelName(forFile path: String) -> String {
        var stem = String(path.split(separator: "/").last ?? Substring(path))
        if stem.hasSuffix(".onnx") { stem.removeLast(5) }
        return sanitize(stem)
    }

    /// The generated Swift class name from the model file's stem:
    /// `my-net_v2` → `MyNetV2Model`, `2layer` → `_2layerModel`.
    public static func className(forModel stem: String) -> String {
        let parts = stem.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) })
        let result = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Model"
        return result.first?.isNumber == true ? "_" + result : result
    }
}
