// How a model file's name becomes its C symbol names and its Swift class
// name. This one file is compiled into both the compiler and the build
// plugin (Plugins/KilnPlugin/ModelNaming.swift is a symlink to it), so the
// plugin's declared outputs always match what kilnc writes.

/// Naming rules shared by the compiler and the build plugin.
public enum ModelNaming {
    /// The file name's stem: `dir/my-net.onnx` → `my-net`.
    public static func stem(ofFile path: String) -> String {
        var stem = String(path.split(separator: "/").last ?? Substring(path))
        if stem.hasSuffix(".onnx") { stem.removeLast(5) }
        return stem
    }

    /// A C identifier: every scalar outside [A-Za-z0-9_] becomes `_`, a
    /// leading digit gets a `_` prefix, an empty name becomes `_`.
    public static func cIdentifier(_ text: String) -> String {
        var result = String(
            String.UnicodeScalarView(text.unicodeScalars.map { isASCIIAlphanumeric($0) || $0 == "_" ? $0 : "_" }))
        if result.isEmpty { result = "_" }
        if let first = result.unicodeScalars.first, ("0"..."9").contains(first) { result = "_" + result }
        return result
    }

    /// The model's C identifier from its file name: `my-net.onnx` → `my_net`.
    public static func modelName(forFile path: String) -> String { cIdentifier(stem(ofFile: path)) }

    /// The generated Swift class: UpperCamelCase of the stem's parts (split
    /// on every scalar outside [A-Za-z0-9]) plus `Model`: `my-net_v2` →
    /// `MyNetV2Model`; a leading digit gets a `_` prefix: `2layer` → `_2layerModel`.
    public static func className(forModel stem: String) -> String {
        let parts = stem.unicodeScalars.split { !isASCIIAlphanumeric($0) }.map { String(String.UnicodeScalarView($0)) }
        let name = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Model"
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { return "_" + name }
        return name
    }

    static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
