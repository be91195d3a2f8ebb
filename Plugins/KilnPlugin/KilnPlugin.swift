// KilnPlugin: the SwiftPM build-tool plugin that compiles ONNX models ahead of
// time by running `kilnc` inside the build. It only discovers files and
// declares commands; `kilnc` does all the work.
//
// Applied to a C target (the model target), for each `*.onnx` in the target's
// folder (recursively) it runs
//     kilnc compile <model.onnx> --output-dir <work> [--config <stem>.kiln.json]
// declaring `<work>/<name>.kiln.S` and `<work>/include/<name>.kiln.h` as
// outputs. SwiftPM assembles and links the `.S` (the package owning the C
// target must declare `// swift-tools-version: 6.3;(experimentalCGen)`) and
// puts `<work>/include` on the header search path of the target and of its
// dependents. The weights blob `<work>/<name>.kiln.weights`, pulled in by the
// `.S` with `.incbin`, is deliberately NOT declared: a declared output with
// an unknown extension becomes a resource (a copy lands in a `.resources`
// folder). The assembler's dependency file does not list `.incbin` files, so
// `kilnc` changes the `.S` (a hash of the blob in a comment) whenever the
// blob changes, and rewrites no file whose content is unchanged.
//
// Applied to a Swift target, for each model in the C targets it depends on
// directly (or through a product), it runs
//     kilnc swift-api <model.onnx> --module <CTarget> --output <work>/<Class>.swift
// and SwiftPM compiles the generated typed API into the Swift target.
//
// The user's C target needs one header of its own in `include/` that
// includes each generated header, e.g. `include/Digits.h` holding
// `#include "digits.kiln.h"`: without a header SwiftPM sees no sources, drops
// the target and never runs the plugin for it, and a generated header alone is
// not part of the target's Clang module. No module map is needed. C sources in
// the model target must not include the generated header: SwiftPM may compile
// them before the plugin's command has run.

import Foundation
import PackagePlugin

@main
struct KilnPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let kilnc = try context.tool(named: "kilnc").url
        var problems: [String] = []
        var commands: [Command] = []

        if let cTarget = target as? ClangSourceModuleTarget {
            let models = ModelSet(scanning: cTarget, problems: &problems)
            problems += models.duplicateProblems()
            problems += missingHeaderProblems(cTarget, models.models)
            let outputDir = context.pluginWorkDirectoryURL
            for model in models.models {
                var arguments = ["compile", model.url.path, "--output-dir", outputDir.path]
                arguments += model.configArguments
                commands.append(
                    .buildCommand(
                        displayName: "Compiling model \(model.url.lastPathComponent) (Kiln)",
                        executable: kilnc,
                        arguments: arguments,
                        inputFiles: model.inputFiles,
                        outputFiles: [
                            outputDir.appending(path: "\(model.cName).kiln.S"),
                            outputDir.appending(path: "include/\(model.cName).kiln.h"),
                        ]
                    ))
            }
            if models.models.isEmpty && problems.isEmpty {
                Diagnostics.warning(
                    """
                    KilnPlugin is applied to C target '\(target.name)' but \(target.directoryURL.path) \
                    holds no .onnx model.
                    """)
            }
        } else {
            // A Swift target: models must not live here.
            let own = ModelSet(scanning: target, problems: &problems)
            for model in own.models {
                problems.append(
                    """
                    \(model.url.path): a model cannot live in Swift target '\(target.name)'. \
                    Move it into a C target: create Sources/<Name>/ holding the model and \
                    include/<Name>.h with the line `#include "\(model.cName).kiln.h"`, declare \
                    `.target(name: "<Name>", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")])` \
                    in a package whose manifest starts with \
                    `// swift-tools-version: 6.3;(experimentalCGen)`, and add "<Name>" to the \
                    dependencies of '\(target.name)'.
                    """)
            }
            var all: [Model] = []
            for cTarget in directCTargetDependencies(of: target) {
                var ignored: [String] = []  // reported by the C target's own plugin run
                let models = ModelSet(scanning: cTarget, problems: &ignored).models
                all += models
                for model in models {
                    let output = context.pluginWorkDirectoryURL.appending(path: "\(model.className).swift")
                    var arguments = [
                        "swift-api", model.url.path, "--module", cTarget.moduleName,
                        "--output", output.path,
                    ]
                    arguments += model.configArguments
                    commands.append(
                        .buildCommand(
                            displayName: "Generating \(model.className).swift (Kiln)",
                            executable: kilnc,
                            arguments: arguments,
                            inputFiles: model.inputFiles,
                            outputFiles: [output]
                        ))
                }
            }
            problems += ModelSet(all).duplicateProblems(in: target)
            for hint in droppedTargetHints(context.package) {
                Diagnostics.warning(hint)
            }
            if all.isEmpty && own.models.isEmpty && problems.isEmpty {
                Diagnostics.warning(
                    """
                    KilnPlugin is applied to Swift target '\(target.name)' but none of the C targets \
                    it depends on holds an .onnx model.
                    """)
            }
        }

        if !problems.isEmpty {
            throw KilnPluginError(target: target.name, problems: problems)
        }
        return commands
    }
}

/// One model file, the optional config next to it, and the names derived from it.
struct Model {
    var url: URL
    var config: URL?
    var owner: String  // the target holding the model
    /// The generated Swift class: the config's `className`, else from the
    /// file name, `my-net_v2` → `MyNetV2Model`. Read once: the build plan
    /// names it several times. (A config kilnc rejects is reported by kilnc;
    /// here it just leaves the default.)
    let className: String

    init(url: URL, config: URL?, owner: String) {
        self.url = url
        self.config = config
        self.owner = owner
        if let config, let data = try? Data(contentsOf: config),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let name = object["className"] as? String, !name.isEmpty
        {
            className = name
        } else {
            className = ModelNaming.className(forModel: url.deletingPathExtension().lastPathComponent)
        }
    }

    var stem: String { url.deletingPathExtension().lastPathComponent }
    /// The stem as a C identifier: `my-net_v2` → `my_net_v2`, `2x` → `_2x`.
    var cName: String { ModelNaming.cIdentifier(stem) }
    var inputFiles: [URL] { [url] + (config.map { [$0] } ?? []) }
    var configArguments: [String] { config.map { ["--config", $0.path] } ?? [] }
}

/// The models and configs found (recursively) in one target's folder.
struct ModelSet {
    var models: [Model]

    init(_ models: [Model]) { self.models = models }

    init(scanning target: SourceModuleTarget, problems: inout [String]) {
        var onnx: [URL] = []
        var configs: [URL] = []
        let files = FileManager.default.enumerator(
            at: target.directoryURL, includingPropertiesForKeys: [.isRegularFileKey],
            options: [.skipsHiddenFiles])
        while let url = files?.nextObject() as? URL {
            let name = url.lastPathComponent.lowercased()
            if name.hasSuffix(".kiln.json") {
                configs.append(url)
            } else if url.pathExtension.lowercased() == "onnx" {
                onnx.append(url)
            }
        }
        onnx.sort { $0.path < $1.path }
        var used = Set<String>()
        models = onnx.map { url in
            let config = url.deletingPathExtension().appendingPathExtension("kiln.json")
            guard configs.contains(where: { $0.path == config.path }) else {
                return Model(url: url, config: nil, owner: target.name)
            }
            used.insert(config.path)
            return Model(url: url, config: config, owner: target.name)
        }
        for config in configs.sorted(by: { $0.path < $1.path }) where !used.contains(config.path) {
            let stem = String(config.lastPathComponent.dropLast(".kiln.json".count))
            problems.append(
                """
                \(config.path): config in target '\(target.name)' has no matching model: expected \
                \(stem).onnx in the same folder. Rename the config to <model stem>.kiln.json or \
                delete it.
                """)
        }
    }

    /// Two models whose generated C symbols/headers or Swift classes would collide.
    func duplicateProblems(in swiftTarget: Target? = nil) -> [String] {
        var problems: [String] = []
        let keys: [(String, (Model) -> String)] =
            swiftTarget == nil
            ? [("C name", { $0.cName })]
            : [("C name", { $0.cName }), ("Swift class", { $0.className })]
        for (kind, key) in keys {
            for (name, clash) in Dictionary(grouping: models, by: key) where clash.count > 1 {
                let files = clash.map { "\($0.url.path) (target '\($0.owner)')" }.sorted()
                let scope = swiftTarget.map { " for Swift target '\($0.name)'" } ?? ""
                problems.append(
                    """
                    models generate the same \(kind) '\(name)'\(scope): \
                    \(files.joined(separator: ", ")). Rename one of the .onnx files \
                    (and its .kiln.json).
                    """)
            }
        }
        return problems
    }
}

/// Every model's generated header must be included by a header of the target's
/// public `include/` folder; otherwise Swift cannot see the model.
func missingHeaderProblems(_ target: ClangSourceModuleTarget, _ models: [Model]) -> [String] {
    guard !models.isEmpty else { return [] }
    let includeDir =
        target.publicHeadersDirectoryURL
        ?? target.directoryURL.appending(path: "include")
    let umbrella = includeDir.appending(path: "\(target.moduleName).h")
    var headerText = ""
    let files = FileManager.default.enumerator(at: includeDir, includingPropertiesForKeys: nil)
    while let url = files?.nextObject() as? URL {
        guard url.pathExtension == "h" else { continue }
        headerText += (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }
    return models.filter { !headerText.contains("\($0.cName).kiln.h") }.map { model in
        """
        \(model.url.path): C target '\(target.name)' does not include the generated header \
        \(model.cName).kiln.h. Add the line `#include "\(model.cName).kiln.h"` to \
        \(umbrella.path) (create the file if it does not exist).
        """
    }
}

/// The C targets a Swift target depends on directly, by name or through a product.
func directCTargetDependencies(of target: SourceModuleTarget) -> [ClangSourceModuleTarget] {
    var result: [ClangSourceModuleTarget] = []
    var seen = Set<String>()
    for dependency in target.dependencies {
        let targets: [Target]
        switch dependency {
        case .target(let t): targets = [t]
        case .product(let p): targets = p.targets
        @unknown default: targets = []
        }
        for case let c as ClangSourceModuleTarget in targets where seen.insert(c.id).inserted {
            result.append(c)
        }
    }
    return result
}

/// SwiftPM drops a C target that has no header or source of its own (it only
/// warns "Source files for target … should be located under …"), so the
/// plugin never runs for it. Point at such folders under `Sources/` holding models.
func droppedTargetHints(_ package: Package) -> [String] {
    let sources = package.directoryURL.appending(path: "Sources")
    let known = Set(package.targets.map { $0.name })
    let dirs =
        (try? FileManager.default.contentsOfDirectory(
            at: sources, includingPropertiesForKeys: nil)) ?? []
    var hints: [String] = []
    let sourceExtensions: Set<String> = ["c", "h", "s", "cc", "cpp", "cxx", "hpp", "m", "mm", "swift"]
    for dir in dirs.sorted(by: { $0.path < $1.path }) where !known.contains(dir.lastPathComponent) {
        let all = FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []
        // A folder with any source or header is not a dropped target (or not ours).
        guard !all.contains(where: { sourceExtensions.contains(($0 as NSString).pathExtension.lowercased()) })
        else { continue }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for file in files.sorted() where file.lowercased().hasSuffix(".onnx") {
            let stem = String(file.dropLast(".onnx".count))
            hints.append(
                """
                \(dir.path)/\(file): SwiftPM built no target from \(dir.lastPathComponent)/ \
                because it has no header or source file, so this model is not compiled. \
                If it is a Kiln model target, create \(dir.path)/include/\(dir.lastPathComponent).h \
                containing `#include "\(ModelNaming.cIdentifier(stem)).kiln.h"`.
                """)
        }
    }
    return hints
}

/// All problems found in one target, reported together.
struct KilnPluginError: Error, CustomStringConvertible {
    var target: String
    var problems: [String]
    var description: String {
        "KilnPlugin found \(problems.count) problem(s) in target '\(target)':\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
