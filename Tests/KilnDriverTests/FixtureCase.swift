// The numeric test cases under Fixtures/ with tags derived from each model
// (element types, whether it does contractions, dynamic dims, state), so a
// test variant selects the cases it is about by tag, not by folder name.

import Foundation
import KilnCompiler

/// What a fixture exercises.
enum FixtureTag: String, CaseIterable, Sendable {
    /// Every graph input and output is float32.
    case float32
    /// Some graph input or output is an integer, bool or half-precision tensor.
    case typed
    /// Uses a convolution or matrix product (the kernels that block for the cache and the vector width).
    case contraction
    /// Has a symbolic dimension sized by its config.
    case dynamic
    /// Declares state pairs in its config.
    case state
    /// One of ONNX's own node tests (Fixtures/conformance/, from `make conformance-subset`).
    case conformance
    /// A whole exported network (Fixtures/real/, from `make real-models`): too slow to
    /// compile for every target variant, whose kernels the small fixtures cover.
    case realModel
}

/// One model with reference inputs and outputs.
struct FixtureCase: Sendable, CustomStringConvertible {
    /// The folder relative to Fixtures/.
    var folder: String
    var tags: Set<FixtureTag>
    /// |actual − expected| ≤ absolute + relative·|expected| (integers and bools exactly).
    var absolute: Double
    var relative: Double
    /// The config beside the model (`model.kiln.json`), or the default.
    var config = ModelConfig()
    /// The data sets in order: `test_data_set_0`, `_1`, … (a state case feeds them as successive calls).
    var dataSets = ["test_data_set_0"]

    var description: String { folder }
    var modelPath: String { "\(fixturesDirectory.path)/\(folder)/model.onnx" }

    /// Every case under Fixtures/, sorted; tags come from compiling each model.
    static let all: [FixtureCase] = {
        let conformanceTolerances = conformanceManifest()
        return numericFixtures().map { folder in
            var tags = Set<FixtureTag>()
            let path = "\(fixturesDirectory.path)/\(folder)"
            let configPath = "\(path)/model.kiln.json"
            let config =
                FileManager.default.fileExists(atPath: configPath)
                ? (try? ModelConfig.load(path: configPath)) ?? ModelConfig() : ModelConfig()
            if let model = try? Compiler.prepare(modelPath: "\(path)/model.onnx", config: config) {
                let graph = model.graph
                let types = (graph.inputs + graph.outputs).map { graph.type(of: $0).dtype }
                tags.insert(types.allSatisfy { $0 == .float32 } ? .float32 : .typed)
                if graph.nodes.contains(where: { node in
                    switch node.core {
                    case .convolution?, .gemm?, .matMul?: true
                    default: false
                    }
                }) {
                    tags.insert(.contraction)
                }
            }
            if let config = FileManager.default.contents(atPath: "\(path)/model.kiln.json"),
                let object = try? JSONSerialization.jsonObject(with: config) as? [String: Any]
            {
                if object["dims"] != nil { tags.insert(.dynamic) }
                if object["state"] != nil { tags.insert(.state) }
            }
            var tolerance = (absolute: 1e-4, relative: 1e-4)
            if folder.hasPrefix("real/") { tags.insert(.realModel) }
            if folder.hasPrefix("conformance/") {
                tags.insert(.conformance)
                tolerance = conformanceTolerances[String(folder.dropFirst("conformance/".count))] ?? (1e-5, 1e-3)
            }
            var dataSets: [String] = []
            while FileManager.default.fileExists(atPath: "\(path)/test_data_set_\(dataSets.count)") {
                dataSets.append("test_data_set_\(dataSets.count)")
            }
            return FixtureCase(
                folder: folder, tags: tags, absolute: tolerance.absolute, relative: tolerance.relative, config: config,
                dataSets: dataSets)
        }
    }()

    /// The cases carrying every one of `tags`.
    static func tagged(_ tags: FixtureTag...) -> [FixtureCase] {
        all.filter { Set(tags).isSubset(of: $0.tags) }
    }

    /// Per-case tolerances of the ONNX node tests copied into Fixtures/conformance/.
    private static func conformanceManifest() -> [String: (absolute: Double, relative: Double)] {
        let path = fixturesDirectory.appendingPathComponent("conformance/cases.json").path
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = object["cases"] as? [[String: Any]]
        else { return [:] }
        var result: [String: (Double, Double)] = [:]
        for entry in cases {
            if let name = entry["name"] as? String, let atol = entry["atol"] as? Double, let rtol = entry["rtol"] as? Double {
                result[name] = (atol, rtol)
            }
        }
        return result
    }
}
