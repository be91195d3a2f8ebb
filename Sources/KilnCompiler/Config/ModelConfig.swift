// The optional `<model>.kiln.json` that sits beside a model: facts the ONNX file
// does not carry (sizes for symbolic dims, the CPU to tune for).

import Foundation

/// Per-model compiler settings, read from `<model>.kiln.json`.
///
/// ```json
/// { "dims": { "batch": 1 }, "cpu": "x86-64-v3", "features": "+avx2,+fma" }
/// ```
public struct ModelConfig: Sendable, Equatable, Decodable {
    /// Sizes for symbolic input dimensions, by their ONNX `dim_param` name.
    public var dims: [String: Int]
    /// LLVM target triple; the host's when absent.
    public var triple: String?
    /// LLVM CPU name; the host's when absent.
    public var cpu: String?
    /// LLVM feature string such as `+avx2,+fma`; the host's when absent.
    public var features: String?
    /// L2 cache per core of the target, in KiB (blocking of matrix products); 1024 when absent.
    public var l2CacheKB: Int?

    public init(
        dims: [String: Int] = [:], triple: String? = nil, cpu: String? = nil, features: String? = nil,
        l2CacheKB: Int? = nil
    ) {
        self.dims = dims
        self.triple = triple
        self.cpu = cpu
        self.features = features
        self.l2CacheKB = l2CacheKB
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case dims, triple, cpu, features, l2CacheKB
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dims = try container.decodeIfPresent([String: Int].self, forKey: .dims) ?? [:]
        triple = try container.decodeIfPresent(String.self, forKey: .triple)
        cpu = try container.decodeIfPresent(String.self, forKey: .cpu)
        features = try container.decodeIfPresent(String.self, forKey: .features)
        l2CacheKB = try container.decodeIfPresent(Int.self, forKey: .l2CacheKB)
    }

    /// Reads and validates a config file; unknown keys and bad values are errors
    /// that name the file, since a silently ignored typo would change nothing.
    public static func load(path: String) throws -> ModelConfig {
        let location = SourceLocation(file: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CompileError(.invalidConfig, at: location, "cannot read the config file")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CompileError(.invalidConfig, at: location, "not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw CompileError(.invalidConfig, at: location, "the top level must be a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = dictionary.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw CompileError(
                .invalidConfig, at: location,
                "unknown key(s) \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
                    + "known keys are \(known.sorted().joined(separator: ", "))")
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: data)
        } catch let DecodingError.typeMismatch(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CompileError(.invalidConfig, at: location, "'\(key)' must be of type \(type)")
        } catch {
            throw CompileError(.invalidConfig, at: location, "\(error)")
        }
        if let cache = config.l2CacheKB, !(1...65536).contains(cache) {
            throw CompileError(.invalidConfig, at: location, "l2CacheKB must be between 1 and 65536, got \(cache)")
        }
        for (name, size) in config.dims where size < 1 {
            throw CompileError(.invalidConfig, at: location, "dims.\(name) must be a positive size, got \(size)")
        }
        return config
    }
}
