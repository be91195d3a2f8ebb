// Runs spirv-val (Debian's spirv-tools, which `make deps` installs) on a
// module: the tests hold every shader the backend emits to it. Kiln never
// needs it at a user's build time.

import Foundation

/// The SPIR-V validator, when installed.
public enum SPIRVValidator {
    /// Where spirv-val is, or nil.
    public static var path: String? {
        ["/usr/bin/spirv-val", "/usr/local/bin/spirv-val"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Validates `bytes` for Vulkan 1.1: whether it passed, and what spirv-val printed.
    public static func validate(_ bytes: [UInt8]) throws -> (passed: Bool, output: String) {
        guard let validator = path else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "spirv-val is missing: run `make deps` (Debian's spirv-tools)"])
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).spv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: validator)
        process.arguments = ["--target-env", "vulkan1.1", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus == 0, output)
    }
}
