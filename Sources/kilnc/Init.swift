// `kilnc init`: the files a model needs to be built by the Kiln plugin in a
// SwiftPM package (its C target, the target's one-line header, a config).
// In a folder with no package yet it writes the package too (manifest and an
// App that runs the model); an existing manifest only gets the lines to add
// printed: a manifest is code, and rewriting someone's code is not a
// scaffolder's job.

import ArgumentParser
import Foundation
import KilnCompiler
import KilnDriver

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scaffold a model's C target in a SwiftPM package and print the Package.swift lines to add.",
        discussion: """
            Creates Sources/<Target>/ holding the model (copied there unless it already is), \
            include/<Target>.h with the line that exposes the compiled model, and <model>.kiln.json \
            (left alone when it exists). Without a Package.swift in the package directory, also writes \
            it and Sources/<App>/main.swift, which runs the model once. Existing files with other \
            contents are never overwritten.
            """)

    @Argument(help: "The ONNX model file.")
    var model: String
    @Option(help: "The C target to create (default: the model's name in UpperCamelCase, my-net.onnx → MyNet).")
    var target: String?
    @Option(help: "The Swift target that calls the model (written for a new package, else named in the printed lines).")
    var app = "App"
    @Option(help: "The package's root directory.")
    var packagePath = "."
    @Option(help: "Where the printed dependency finds Kiln: a path or a git URL (default: the checkout this kilnc was built in).")
    var kiln: String?

    /// The Kiln checkout holding this executable (`<checkout>/.build/<config>/kilnc`), if it is in one.
    static func kilnCheckout() -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            // Kiln's own manifest, not an app's that depends on it: the compiler's sources are there.
            let has = { (path: String) in FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path) }
            if has("Package.swift") && has("Plugins/KilnPlugin") && has("Sources/KilnCompiler") {
                return directory.path
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    func validate() throws {
        for (option, name) in [("--target", target), ("--app", app)] {
            guard let name, let problem = ModelConfig.identifierProblem(name) else { continue }
            throw ValidationError(
                "\(option) must be an ASCII Swift identifier (it names a target and a module): '\(name)' \(problem)")
        }
        guard model.hasSuffix(".onnx") else { throw ValidationError("the model must be an .onnx file, got '\(model)'") }
    }

    func run() throws {
        let source = URL(fileURLWithPath: model).standardizedFileURL
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw DriverError("\(model): no such file")
        }
        let stem = ModelNaming.stem(ofFile: source.path)
        let cName = ModelNaming.cIdentifier(stem)
        let targetName = target ?? String(ModelNaming.className(forModel: stem).dropLast("Model".count))
        guard !targetName.isEmpty else {
            throw ValidationError("no target name can be made from '\(source.lastPathComponent)': pass --target")
        }
        let root = URL(fileURLWithPath: packagePath).standardizedFileURL
        let directory = root.appendingPathComponent("Sources/\(targetName)")
        let include = directory.appendingPathComponent("include")
        try FileManager.default.createDirectory(at: include, withIntermediateDirectories: true)

        let destination = directory.appendingPathComponent(source.lastPathComponent)
        if destination.path != source.path {
            try place(contentsOf: source, at: destination)
        }
        let header = "// The compiled model, for Swift targets that depend on \(targetName).\n#include \"\(cName).kiln.h\"\n"
        try place(Data(header.utf8), at: include.appendingPathComponent("\(targetName).h"))
        let configURL = URL(fileURLWithPath: ModelConfig.path(besideModel: destination.path))
        let sourceConfig = URL(fileURLWithPath: ModelConfig.path(besideModel: source.path))
        if !FileManager.default.fileExists(atPath: configURL.path) {
            if sourceConfig.path != configURL.path, FileManager.default.fileExists(atPath: sourceConfig.path) {
                // The model's own settings (dims, constants, …) travel with it.
                try place(contentsOf: sourceConfig, at: configURL)
            } else {
                try place(Data("{\n  \"access\": \"internal\"\n}\n".utf8), at: configURL)
            }
        }
        // The class is the config's even while the model does not compile yet:
        // main.swift is written once and must not name another.
        let config = try ModelConfig.load(path: configURL.path)
        let className = config.className ?? ModelNaming.className(forModel: stem)

        // Compile now so problems show before the first `swift build`.
        let problem: Error?
        do {
            _ = try Compiler.prepare(modelPath: destination.path, config: config)
            problem = nil
        } catch {
            problem = error
        }
        let relative = { (url: URL) in String(url.path.dropFirst(root.path.count + 1)) }
        let kiln = self.kiln ?? Self.kilnCheckout() ?? "<kiln repository URL>"
        // A path dependency's identity is its folder's name: `name:` makes it "Kiln" whatever the folder is called.
        let dependency =
            kiln.contains("://") ? ".package(url: \"\(kiln)\", branch: \"main\")" : ".package(name: \"Kiln\", path: \"\(kiln)\")"
        let targets = """
            .target(name: "\(targetName)", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
            .executableTarget(
                name: "\(app)",
                dependencies: ["\(targetName)", .product(name: "Kiln", package: "Kiln")],
                plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
            """
        let manifest = root.appendingPathComponent("Package.swift")
        var created = [relative(destination), "\(relative(include))/\(targetName).h", relative(configURL)]
        if FileManager.default.fileExists(atPath: manifest.path) {
            print(
                """
                Created \(created.joined(separator: ", ")).

                Package.swift must start with this exact line (the model target holds generated assembly):
                    // swift-tools-version: 6.3;(experimentalCGen)
                and have
                    dependencies: [
                        \(dependency),
                    ],
                    targets: [
                \(targets.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
                    ]

                Then, in \(app):
                    let model = try \(className)()
                    // write model's input properties in place (or call predict(...)), then:
                    model.run()
                """)
        } else {
            // A new package: write the manifest and an App that runs the model once.
            try place(Data(Self.manifest(name: app, dependency: dependency, targets: targets).utf8), at: manifest)
            let main = root.appendingPathComponent("Sources/\(app)/main.swift")
            try FileManager.default.createDirectory(at: main.deletingLastPathComponent(), withIntermediateDirectories: true)
            try place(Data(Self.main(className: className).utf8), at: main)
            created += [relative(manifest), relative(main)]
            print(
                """
                Created \(created.joined(separator: ", ")).

                Run it: cd \(root.path) && swift run \(app)
                """)
        }
        if let problem {
            FileHandle.standardError.write(
                Data(
                    "warning: \(relative(destination)) does not compile yet; fix this (often in \(relative(configURL))) before building:\n"
                        .utf8))
            throw problem
        }
    }

    static func manifest(name: String, dependency: String, targets: String) -> String {
        """
        // swift-tools-version: 6.3;(experimentalCGen)
        // Written by `kilnc init`. The first line's opt-in lets the model target hold
        // the assembly the Kiln plugin generates from its .onnx file at build time.
        import PackageDescription

        let package = Package(
            name: "\(name)",
            dependencies: [
                \(dependency),
            ],
            targets: [
        \(targets.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
            ]
        )

        """
    }

    static func main(className: String) -> String {
        """
        // Written by `kilnc init`: loads the model, runs it once, shows its outputs.
        import Kiln

        let model = try \(className)()
        // Inputs start at zero: write them in place first (the model's input
        // properties), or call `model.predict(...)` with collections.
        model.run()
        for output in model.runtime.outputs {
            print("\\(output.name): \\(output.dtype.map { "\\($0)" } ?? "?") \\(output.shape)")
        }

        """
    }

    /// Writes `data` at `url`, or leaves an identical file alone; never replaces a different one.
    private func place(_ data: Data, at url: URL) throws {
        if let existing = FileManager.default.contents(atPath: url.path) {
            guard existing == data else {
                throw DriverError("\(url.path) exists with other contents; move it away or pass another --target")
            }
            return
        }
        try data.write(to: url)
    }

    private func place(contentsOf source: URL, at url: URL) throws {
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw DriverError("cannot read \(source.path)")
        }
        try place(data, at: url)
    }
}
