// `swift package --allow-writing-to-package-directory kiln-init FILE.onnx
// [--target NAME]`: `kilnc init` into the package at hand: the model, its C
// target's header and a config under Sources/<Target>/, then the lines to
// add to Package.swift. Its own plugin because it writes into the package
// (see KilnCommand.swift).

import Foundation
import PackagePlugin

@main
struct KilnInit: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        guard let model = arguments.first, model.hasSuffix(".onnx") || model.hasSuffix(".ONNX") else {
            throw InitError("usage: swift package --allow-writing-to-package-directory kiln-init FILE.onnx [--target NAME]")
        }
        guard !arguments.contains("--package-path") else {
            throw InitError("kiln-init adds the model to this package; leave out --package-path")
        }
        let kilnc = try context.tool(named: "kilnc").url
        let process = Process()
        process.executableURL = kilnc
        process.arguments = ["init"] + arguments + ["--package-path", context.package.directoryURL.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw InitError("kilnc init failed (status \(process.terminationStatus))")
        }
    }
}

struct InitError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
