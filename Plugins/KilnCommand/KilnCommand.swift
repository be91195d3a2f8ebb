// `swift package kiln <inspect|bench|report>`: kilnc's tools on the models
// of the package at hand, without finding kilnc or the model paths by hand.
// Thin, like the build plugin: it finds the models and runs kilnc. Adding a
// model writes into the package, which SwiftPM only allows a plugin that
// declares it (and then asks for it on every call), so that is its own
// plugin: `swift package --allow-writing-to-package-directory kiln-init`.
//
//   swift package kiln inspect [MODEL…]            every model, or those named
//   swift package kiln bench [MODEL…] [-- OPTION…] options after -- go to kilnc bench
//   swift package kiln report [MODEL…] [--output-dir DIR]
//   swift package kiln bundle [MODEL…] [--output-dir DIR]
//
// A MODEL is a model file's name without .onnx (`lenet-5`), its file name, or
// its path. report writes <model>.report.html into --output-dir (default: the
// plugin's work folder, printed), so it needs no write permission; bundle
// writes a package per model there (`kilnc bundle`), depending on the Kiln
// this package uses.

import Foundation
import PackagePlugin

@main
struct KilnCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        guard let verb = arguments.first else { throw CommandError(Self.usage) }
        var rest = Array(arguments.dropFirst())
        let kilnc = try context.tool(named: "kilnc").url
        switch verb {
        case "init":
            throw CommandError(
                "adding a model writes into the package: run swift package --allow-writing-to-package-directory "
                    + "kiln-init \(rest.joined(separator: " "))")
        case "inspect", "bench", "report", "bundle":
            var passed: [String] = []
            if let separator = rest.firstIndex(of: "--") {
                passed = Array(rest[rest.index(after: separator)...])
                rest = Array(rest[..<separator])
            }
            var outputDirectory = context.pluginWorkDirectoryURL
            if let option = rest.firstIndex(of: "--output-dir") {
                guard verb == "report" || verb == "bundle", rest.indices.contains(option + 1) else {
                    throw CommandError("--output-dir DIR is an option of report and bundle")
                }
                // Relative to where `swift package` was run, as the model paths are.
                outputDirectory = URL(fileURLWithPath: rest[option + 1])
                rest.removeSubrange(option...(option + 1))
            }
            let models = try selectModels(rest, in: context.package)
            // Pages are named after the model, and after its target too when
            // two targets hold models of the same name.
            let stems = models.map { $0.url.deletingPathExtension().lastPathComponent }
            for (model, stem) in zip(models, stems) {
                print("== \(model.url.path) ==")
                var arguments = [verb, model.url.path] + passed
                if verb == "report" {
                    try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
                    let name = stems.filter { $0 == stem }.count > 1 ? "\(model.target).\(stem)" : stem
                    arguments += ["--output", outputDirectory.appendingPathComponent(name + ".report.html").path]
                }
                if verb == "bundle" {
                    arguments += ["--output-dir", outputDirectory.path] + (try kilnSource(context))
                }
                try run(kilnc, arguments)
            }
        default:
            throw CommandError("unknown command '\(verb)'.\n\(Self.usage)")
        }
    }

    /// `--kiln` (and `--kiln-version`) for `kilnc bundle`: where this
    /// package gets Kiln from, so the bundle's runtime is the same.
    func kilnSource(_ context: PluginContext) throws -> [String] {
        func kiln(in package: Package) -> Package? {
            if package.products.contains(where: { $0.name == "kilnc" }) { return package }
            return package.dependencies.lazy.compactMap { kiln(in: $0.package) }.first
        }
        guard let found = kiln(in: context.package) else { throw CommandError("cannot find the Kiln package") }
        switch found.origin {
        case .root: return ["--kiln", found.directoryURL.path]
        case .local(let path): return ["--kiln", path]
        case .repository(let url, let version, _):
            // A tagged version is required from; a branch or revision leaves the manifest on main.
            let tagged = version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." }
            return ["--kiln", url] + (tagged ? ["--kiln-version", version] : [])
        case .registry(let identity, _):
            throw CommandError("Kiln comes from the registry (\(identity)); bundle needs it from a git URL or a path")
        @unknown default:
            throw CommandError("cannot tell where the Kiln package comes from")
        }
    }

    static let usage = """
        usage: swift package kiln inspect [MODEL…]
               swift package kiln bench [MODEL…] [-- KILNC-BENCH-OPTION…]
               swift package kiln report [MODEL…] [--output-dir DIR]
               swift package kiln bundle [MODEL…] [--output-dir DIR]
               swift package --allow-writing-to-package-directory kiln-init FILE.onnx [--target NAME]
        """

    /// The package's .onnx files (in every source target), or those `names`
    /// pick (a name, a file name, or a path from where `swift package` runs).
    func selectModels(_ names: [String], in package: Package) throws -> [(url: URL, target: String)] {
        var found: [(url: URL, target: String)] = []
        for target in package.targets.compactMap({ $0 as? SourceModuleTarget }) {
            let files = FileManager.default.enumerator(
                at: target.directoryURL, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
            while let url = files?.nextObject() as? URL {
                if url.pathExtension.lowercased() == "onnx" { found.append((url.standardizedFileURL, target.name)) }
            }
        }
        found.sort { $0.url.path < $1.url.path }
        guard !found.isEmpty else { throw CommandError("package '\(package.displayName)' has no .onnx model in its targets") }
        guard !names.isEmpty else { return found }
        return try names.map { name in
            let path = URL(fileURLWithPath: name).standardizedFileURL.path
            let matches = found.filter { model in
                model.url.lastPathComponent == name || model.url.deletingPathExtension().lastPathComponent == name
                    || model.url.path == path
            }
            guard matches.count == 1 else {
                throw CommandError(
                    (matches.isEmpty ? "no model '\(name)'" : "'\(name)' names \(matches.count) models; give its path")
                        + "; the package's models are: \(found.map(\.url.lastPathComponent).joined(separator: ", "))")
            }
            return matches[0]
        }
    }

}

/// Runs `tool` with `arguments`, its output going to the plugin's own.
func run(_ tool: URL, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        throw CommandError("kilnc \(arguments.first ?? "") failed (status \(process.terminationStatus))")
    }
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
