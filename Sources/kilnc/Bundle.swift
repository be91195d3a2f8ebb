// `kilnc bundle`: a compiled model as a package any app can depend on, with
// no experimental SwiftPM feature and no Kiln compiler at the app's build:
// a static library per triple in an artifact bundle (a binary target), the
// typed Swift class beside it, and a dependency on Kiln's runtime library.

import ArgumentParser
import Foundation
import KilnCompiler
import KilnDriver

struct Bundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a compiled model as a Swift package: an artifact bundle and its typed class.",
        discussion: """
            The package (tools-version 5.9) holds <Name>Code.artifactbundle, a binary target with
            the model's static library, header and module map, and target <Name> with the generated
            class. It depends on Kiln for the runtime only: an app that depends on it builds no
            compiler, runs no plugin and needs no experimentalCGen.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: TargetOptions
    @Option(help: "Where to write the package folder.")
    var outputDir: String
    @Option(help: "The package's and its library's name (default: the model's, e.g. Lenet5).")
    var name: String?
    @Option(help: "The Kiln package the bundle's runtime comes from: a git URL or a local path.")
    var kiln: String
    @Option(name: .customLong("kiln-version"), help: "With a git URL: the Kiln version to require (from:), else the branch main.")
    var requiredVersion: String?

    func run() throws {
        var (prepared, config) = try model.prepare()
        let targets = target.resolve(config)
        let derived = ModelNaming.className(forModel: prepared.name)
        let packageName = name ?? String(derived.dropLast("Model".count))
        if let problem = ModelConfig.identifierProblem(packageName) {
            throw ValidationError("--name \(packageName) \(problem)")
        }
        // Symbols after the package, not the file: two bundles of a model.onnx link into one app.
        prepared.name = "bundle_" + ModelNaming.cIdentifier(packageName)
        let module = packageName + "Code"
        let className = prepared.className ?? packageName + "Model"
        let root = URL(fileURLWithPath: outputDir).appendingPathComponent(packageName).standardizedFileURL
        let bundle = root.appendingPathComponent("\(module).artifactbundle")
        let triple = PackageBundle.swiftPMTriple(targets[0].triple)
        let variant = bundle.appendingPathComponent(triple)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // The library: the assembly (weights included by .incbin) as one object.
        let weights = work.appendingPathComponent("\(prepared.name).kiln.weights").path
        let compiled = try Compiler.compile(prepared, targets: targets, weightsPath: weights)
        let assembly = work.appendingPathComponent("\(prepared.name).kiln.S").path
        let object = work.appendingPathComponent("\(prepared.name).o").path
        try OutputWriter.write(compiled.assembly, to: assembly)
        try Toolchain.run(Toolchain.clang(), ["-c", "-fPIC", "--target=\(targets[0].triple)", "-o", object, assembly])
        let library = variant.appendingPathComponent("lib\(prepared.name).a").path
        try? FileManager.default.removeItem(atPath: library)
        try FileManager.default.createDirectory(at: variant, withIntermediateDirectories: true)
        try Toolchain.run(Toolchain.archiver(), ["rcs", library, object])

        let include = variant.appendingPathComponent("include")
        try OutputWriter.write(compiled.header, to: include.appendingPathComponent("\(prepared.name).kiln.h").path)
        try OutputWriter.write(
            PackageBundle.moduleMap(module: module, header: "\(prepared.name).kiln.h"),
            to: include.appendingPathComponent("module.modulemap").path)
        try OutputWriter.write(
            PackageBundle.info(module: module, library: "lib\(prepared.name).a", triple: triple),
            to: bundle.appendingPathComponent("info.json").path)

        try OutputWriter.write(
            SwiftAPIEmitter.source(for: prepared, module: module, className: className),
            to: root.appendingPathComponent("Sources/\(packageName)/\(className).swift").path)
        try OutputWriter.write(
            PackageBundle.manifest(
                package: packageName, module: module, kiln: kiln, version: requiredVersion, model: prepared.fileName),
            to: root.appendingPathComponent("Package.swift").path)
        print("wrote \(root.path): .product(name: \"\(packageName)\", package: \"\(packageName)\") gives \(className)")
    }
}
