// Golden reference files for what users compile against: the generated Swift
// class and C header of fixture models, under Tests/Reference/. A change to
// the emitters shows up as a readable diff here; `make reference` re-records.

import Foundation
import Testing

@testable import KilnCompiler

let referenceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Reference")

@Suite struct GoldenTests {
    /// Set by `make reference` to rewrite the files instead of comparing.
    static let recording = ProcessInfo.processInfo.environment["KILN_RECORD_REFERENCE"] == "1"

    static let models = [
        "mlp", "lenet", "shape_subgraph", "resnet_small", "typed/where_bool", "typed/cast_float_to_float16",
        "typed/argmax_axis1", "state/lstm_step", "bounded/cnn", "bounded/pair",
    ]

    @Test(arguments: models)
    func generatedSwiftAndHeaderMatchReference(_ fixture: String) throws {
        let configPath = fixtureRoot.appendingPathComponent("\(fixture)/model.kiln.json").path
        let config = FileManager.default.fileExists(atPath: configPath) ? try ModelConfig.load(path: configPath) : ModelConfig()
        let model = try Compiler.prepare(
            modelPath: fixtureRoot.appendingPathComponent("\(fixture)/model.onnx").path, config: config)
        let className = ModelNaming.className(forModel: fixture)
        try check(
            SwiftAPIEmitter.source(for: model, module: "Models", className: className),
            against: "\(fixture)/\(className).swift")
        try check(HeaderEmitter.header(for: model), against: "\(fixture)/\(model.name).kiln.h")
    }

    func check(_ actual: String, against name: String) throws {
        let url = referenceDirectory.appendingPathComponent(name)
        if Self.recording {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing reference file \(url.path); run `make reference` to record it")
            return
        }
        if let difference = Self.firstDifference(expected: expected, actual: actual) {
            Issue.record(
                "\(name) differs from its reference (run `make reference` if the change is intended):\n\(difference)")
        }
    }

    /// The first differing line with two lines of context, `-` expected, `+` actual.
    static func firstDifference(expected: String, actual: String) -> String? {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
        guard let line = (0..<max(old.count, new.count)).first(where: { $0 >= old.count || $0 >= new.count || old[$0] != new[$0] })
        else { return nil }
        var out: [String] = []
        for context in max(0, line - 2)..<line { out.append("  \(context + 1)  \(old[context])") }
        if line < old.count { out.append("- \(line + 1)  \(old[line])") }
        if line < new.count { out.append("+ \(line + 1)  \(new[line])") }
        return out.joined(separator: "\n")
    }

    @Test func differenceNamesTheFirstChangedLine() {
        #expect(Self.firstDifference(expected: "a\nb\nc", actual: "a\nb\nc") == nil)
        #expect(Self.firstDifference(expected: "a\nb\nc", actual: "a\nB\nc") == "  1  a\n- 2  b\n+ 2  B")
    }
}
