// Every model of Fixtures/Malformed (made by Scripts/make_malformed.py) goes
// through kilnc as a separate process, as a build would run it: an "error"
// case must end with a compile error (status 1–3, not a signal) whose text
// holds every expected string; a "compiles" case must compile. Each run is
// bounded: 4 GiB of address space (not under a sanitizer, whose shadow
// memory needs far more) and a minute of wall time, far above the release
// compiler's worst case (0.7 s, 330 MB; `make malformed-times` measures them).

import CAllocationCounter
import Foundation
import KilnDriver
import Testing

struct MalformedCase: Decodable, CustomTestStringConvertible, Sendable {
    var name: String
    var `class`: String
    var description: String
    var expect: String
    var error_contains: [String]

    var testDescription: String { name }

    static let folder = fixturesDirectory.appendingPathComponent("Malformed").path

    static let all: [MalformedCase] = {
        struct Manifest: Decodable { var cases: [MalformedCase] }
        guard let data = FileManager.default.contents(atPath: "\(folder)/cases.json"),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data)
        else { return [] }
        return manifest.cases
    }()
}

@Suite struct MalformedCorpusTests {
    @Test func theCorpusCoversEveryClass() {
        let classes = Set(MalformedCase.all.map(\.class))
        #expect(MalformedCase.all.count >= 60)
        #expect(classes == ["names", "traps", "budget", "meaning", "external", "bytes"])
    }

    @Test(arguments: MalformedCase.all)
    func endsInAClearErrorOrCompiles(_ corpusCase: MalformedCase) throws {
        let model = "\(MalformedCase.folder)/\(corpusCase.name).onnx"
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-malformed-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let sanitized = kiln_allocation_counting_available() == 0
        let (status, _, err) = try kilnc(
            ["compile", model, "--output-dir", output], seconds: 60, memoryLimitKB: sanitized ? nil : 4 << 20)
        if corpusCase.expect == "compiles" {
            #expect(status == 0, "\(corpusCase.name): \(corpusCase.description): \(err)")
            return
        }
        #expect(
            (1...3).contains(status),
            "\(corpusCase.name): status \(status) (over 128: killed by signal status − 128: a crash, a trap or a limit): \(err)")
        // The file named first is the model, or the config beside it for a config problem.
        #expect(err.hasPrefix("error: \(MalformedCase.folder)/\(corpusCase.name)."), "\(corpusCase.name): \(err)")
        for expected in corpusCase.error_contains {
            #expect(err.contains(expected), "\(corpusCase.name): missing '\(expected)' in: \(err)")
        }
    }
}
