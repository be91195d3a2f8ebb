// The optional `<model>.kiln.json` that sits beside a model: facts the ONNX file
// does not carry (sizes for symbolic dims, the CPU to tune for).

import CKiln
import Foundation

/// Per-model compiler settings, read from `<model>.kiln.json`.
///
/// ```json
/// { "dims": { "batch": 1 }, "cpu": "x86-64-v3", "features": "+avx2,+fma",
///   "constants": { "axes": [1] }, "threads": 2 }
/// ```
///
/// `"cpu"` may also list several CPUs (`["x86-64-v2", "x86-64-v3", "x86-64-v4"]`):
/// the binary then holds a build for each, and the runtime loads the best
/// the machine supports.
public struct ModelConfig: Sendable, Equatable, Decodable {
    /// Sizes for symbolic input dimensions, by their ONNX `dim_param` name:
    /// fixed, or bounded (chosen per call up to the bound).
    public var dims: [String: DimSize]
    /// LLVM target triple; the host's when absent.
    public var triple: String?
    /// LLVM CPU names, one build each; the host's CPU when absent.
    public var cpus: [String]?
    /// LLVM feature string such as `+avx2,+fma`; the host's when absent.
    public var features: String?
    /// L2 cache per core of the target, in KiB (blocking of matrix products); 1024 when absent.
    public var l2CacheKB: Int?
    /// Graph inputs fixed at compile time, by name: they become constants the
    /// compiler folds (a model that takes its axes, target shape or pads as
    /// inputs compiles), and the generated API no longer takes them.
    public var constants: [String: InputConstant]
    /// The generated initialiser's default: 1 runs inline, n > 1 starts a
    /// pool of n threads (the caller included). Callers can still choose.
    public var threads: Int?
    /// Where the program can run: `cpu` always; `vulkan` adds SPIR-V
    /// shaders the runtime runs on a Vulkan device (`["cpu", "vulkan"]`).
    /// CPU only when absent.
    public var backends: [BackendKind]?
    /// The generated Swift class's name; by default the model file's name in
    /// UpperCamelCase plus `Model` (`my-net.onnx` → `MyNetModel`).
    public var className: String?
    /// The generated class's access level (default `public`).
    public var access: AccessLevel?
    /// The graph outputs to keep, by name (in the model's order); the others
    /// are not computed, nor is anything only they need. All when absent.
    public var outputs: [String]?
    /// Swift names for inputs and outputs of the generated API, by ONNX name
    /// (`{"input.1": "image"}`); the others are derived from their ONNX names.
    public var rename: [String: String]?
    /// Inputs the model keeps between calls, each fed from an output of the
    /// call before (`{"input": "h_in", "output": "h_out"}`): hidden from the
    /// generated API, reset with `resetState()`.
    public var state: [State]?

    /// A state pair by ONNX names.
    public struct State: Sendable, Equatable, Decodable {
        public var input: String
        public var output: String

        public init(input: String, output: String) {
            self.input = input
            self.output = output
        }
    }

    /// A kind of device the config may list under `backends`.
    public enum BackendKind: String, Sendable, Equatable, CaseIterable, Decodable {
        case cpu, vulkan
    }

    /// Who may use the generated class and its members.
    public enum AccessLevel: String, Sendable, Equatable, CaseIterable {
        case `public`, `package`, `internal`
    }

    /// The most threads a config may ask for (the runtime's limit).
    public static let maximumThreads = Int(KILN_MAX_THREADS)

    public init(
        dims: [String: DimSize] = [:], triple: String? = nil, cpus: [String]? = nil, features: String? = nil,
        l2CacheKB: Int? = nil, constants: [String: InputConstant] = [:], threads: Int? = nil,
        className: String? = nil, access: AccessLevel? = nil, outputs: [String]? = nil, rename: [String: String]? = nil,
        state: [State]? = nil, backends: [BackendKind]? = nil
    ) {
        self.backends = backends
        self.dims = dims
        self.triple = triple
        self.cpus = cpus
        self.features = features
        self.l2CacheKB = l2CacheKB
        self.constants = constants
        self.threads = threads
        self.className = className
        self.access = access
        self.outputs = outputs
        self.rename = rename
        self.state = state
    }

    /// Every key a config may hold: `Docs/kiln-config.schema.json` lists the same.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case dims, triple, cpu, features, l2CacheKB, constants, threads, className, access, outputs, rename, state
        case backends
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dims = try container.decodeIfPresent([String: DimSize].self, forKey: .dims) ?? [:]
        triple = try container.decodeIfPresent(String.self, forKey: .triple)
        if let one = try? container.decodeIfPresent(String.self, forKey: .cpu) {
            cpus = [one]
        } else {
            cpus = try container.decodeIfPresent([String].self, forKey: .cpu)
        }
        features = try container.decodeIfPresent(String.self, forKey: .features)
        l2CacheKB = try container.decodeIfPresent(Int.self, forKey: .l2CacheKB)
        constants = try container.decodeIfPresent([String: InputConstant].self, forKey: .constants) ?? [:]
        threads = try container.decodeIfPresent(Int.self, forKey: .threads)
        className = try container.decodeIfPresent(String.self, forKey: .className)
        outputs = try container.decodeIfPresent([String].self, forKey: .outputs)
        rename = try container.decodeIfPresent([String: String].self, forKey: .rename)
        state = try container.decodeIfPresent([State].self, forKey: .state)
        if let names = try container.decodeIfPresent([String].self, forKey: .backends) {
            backends = try names.map { name in
                guard let kind = BackendKind(rawValue: name) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .backends, in: container,
                        debugDescription: "backends may list \(BackendKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(name)\"")
                }
                return kind
            }
        }
        if let level = try container.decodeIfPresent(String.self, forKey: .access) {
            guard let known = AccessLevel(rawValue: level) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .access, in: container,
                    debugDescription: "access must be one of \(AccessLevel.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(level)\"")
            }
            access = known
        }
    }

    /// Why `name` cannot name the generated class, or nil when it can: it
    /// must be a plain Swift identifier that is not a keyword and does not
    /// hide a type the generated code uses.
    static func classNameProblem(_ name: String) -> String? {
        if let problem = identifierProblem(name) { return problem }
        if reservedClassNames.contains(name) || name.hasPrefix("Kiln") {
            return "would hide a type the generated code uses (names starting with Kiln are the runtime's)"
        }
        return nil
    }

    /// Why `name` is no plain Swift identifier (ASCII, not a keyword), or nil.
    public static func identifierProblem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
        }
        guard let first = scalars.first, isLetter(first),
            scalars.allSatisfy({ isLetter($0) || ("0"..."9").contains($0) })
        else { return "is not a Swift identifier (letters, digits and _, not starting with a digit)" }
        return SwiftIdentifier.keywords.contains(name) ? "is a Swift keyword" : nil
    }

    /// Why `name` cannot name an input or output property, or nil when it can.
    static func memberNameProblem(_ name: String) -> String? {
        if let problem = identifierProblem(name) { return problem }
        if SwiftAPIEmitter.reservedMembers.contains(name) {
            return "is a member every generated class has (\(SwiftAPIEmitter.reservedMembers.sorted().joined(separator: ", ")))"
        }
        if reservedClassNames.contains(name) || name.hasPrefix("Kiln") {
            // A parameter or property named `Array` hides the type the generated code converts with.
            return "would hide a type the generated code uses (names starting with Kiln are the runtime's)"
        }
        return nil
    }

    /// Types the generated class refers to by name.
    static let reservedClassNames: Set<String> = [
        "Array", "Bool", "Collection", "Double", "Float", "Float16", "Int", "Int8", "Int16", "Int32", "Int64",
        "UInt8", "UInt16", "UInt32", "UInt64", "Sendable", "String", "UnsafeBufferPointer",
        "UnsafeMutableBufferPointer", "Inputs", "Outputs", "Swift",
    ]

    /// The path of the config beside the model at `modelPath`:
    /// `net.onnx` → `net.kiln.json` (a model without the extension keeps its name).
    public static func path(besideModel modelPath: String) -> String {
        (modelPath.hasSuffix(".onnx") ? String(modelPath.dropLast(5)) : modelPath) + ".kiln.json"
    }

    /// Just the file name of that config, for messages.
    public static func fileName(besideModel modelPath: String) -> String {
        path(besideModel: String(modelPath.split(separator: "/").last ?? Substring(modelPath)))
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
        if let pairs = dictionary["state"] as? [Any] {
            for (index, pair) in pairs.enumerated() {
                guard let pair = pair as? [String: Any], Set(pair.keys) == ["input", "output"] else {
                    throw CompileError(
                        .invalidConfig, at: location,
                        "state[\(index)] must be an object with exactly the keys \"input\" and \"output\", "
                            + "e.g. {\"input\": \"h_in\", \"output\": \"h_out\"}")
                }
            }
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: data)
        } catch let DecodingError.typeMismatch(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CompileError(.invalidConfig, at: location, "'\(key)' must be of type \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CompileError(
                .invalidConfig, at: location, key.isEmpty ? context.debugDescription : "'\(key)': \(context.debugDescription)")
        } catch {
            throw CompileError(.invalidConfig, at: location, "\(error)")
        }
        if let cache = config.l2CacheKB, !(1...65536).contains(cache) {
            throw CompileError(.invalidConfig, at: location, "l2CacheKB must be between 1 and 65536, got \(cache)")
        }
        if let threads = config.threads, !(1...maximumThreads).contains(threads) {
            throw CompileError(
                .invalidConfig, at: location,
                "threads must be between 1 (inline) and \(maximumThreads), got \(threads)")
        }
        for (name, constant) in config.constants {
            if case .numbers(let values) = constant, let bad = values.first(where: { !$0.isFinite && !$0.isNaN }) {
                throw CompileError(.invalidConfig, at: location, "constants.\(name) holds \(bad); give finite numbers")
            }
        }
        if let cpus = config.cpus {
            if cpus.isEmpty || cpus.contains(where: \.isEmpty) {
                throw CompileError(.invalidConfig, at: location, "cpu must name LLVM CPUs, e.g. \"x86-64-v3\" or a list")
            }
            if let repeated = cpus.first(where: { name in cpus.filter { $0 == name }.count > 1 }) {
                throw CompileError(.invalidConfig, at: location, "cpu lists '\(repeated)' more than once")
            }
        }
        if let backends = config.backends, !backends.contains(.cpu) {
            throw CompileError(
                .invalidConfig, at: location,
                "backends must list \"cpu\" (every model runs there when Vulkan is absent), e.g. [\"cpu\", \"vulkan\"]")
        }
        if let outputs = config.outputs {
            if outputs.isEmpty { throw CompileError(.invalidConfig, at: location, "outputs must name at least one graph output") }
            if let repeated = outputs.first(where: { name in outputs.filter { $0 == name }.count > 1 }) {
                throw CompileError(.invalidConfig, at: location, "outputs lists '\(repeated)' more than once")
            }
        }
        for (onnxName, swiftName) in (config.rename ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let problem = memberNameProblem(swiftName) {
                throw CompileError(.invalidConfig, at: location, "rename.\(onnxName): \"\(swiftName)\" \(problem)")
            }
            if let other = config.rename?.first(where: { $0.key != onnxName && $0.value == swiftName }), other.key < onnxName {
                throw CompileError(
                    .invalidConfig, at: location, "rename gives '\(other.key)' and '\(onnxName)' the same name \"\(swiftName)\"")
            }
        }
        let stateNames = (config.state ?? []).flatMap { [$0.input, $0.output] }
        if let repeated = stateNames.first(where: { name in stateNames.filter { $0 == name }.count > 1 }) {
            throw CompileError(.invalidConfig, at: location, "state names '\(repeated)' more than once")
        }
        if let named = stateNames.first(where: { config.rename?[$0] != nil }) {
            throw CompileError(
                .invalidConfig, at: location, "rename names '\(named)', which is state and so not part of the generated API")
        }
        if let name = config.className, let problem = classNameProblem(name) {
            throw CompileError(.invalidConfig, at: location, "className \"\(name)\" \(problem)")
        }
        for (name, size) in config.dims.sorted(by: { $0.key < $1.key }) {
            switch size {
            case .fixed(let size) where size < 1:
                throw CompileError(.invalidConfig, at: location, "dims.\(name) must be a positive size, got \(size)")
            case .bounded(let bound) where bound < 1 || bound > DimSize.largestBound:
                throw CompileError(
                    .invalidConfig, at: location,
                    "dims.\(name).max must be a bound from 1 to \(DimSize.largestBound), got \(bound)")
            default: break
            }
        }
        return config
    }
}

/// The value a config or the command line fixes a graph input to.
public enum InputConstant: Sendable, Equatable, Decodable {
    /// Row-major elements from JSON (a number or a flat array of numbers),
    /// converted to the input's declared type and shape.
    case numbers([Double])
    /// A whole tensor (type and shape included), e.g. read from a `.pb` file.
    case tensor(TensorData)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .numbers([number])
        } else {
            self = .numbers(try container.decode([Double].self))
        }
    }

    /// The value as a tensor of `type`, or why it cannot be one.
    func tensor(as type: TensorType) throws(InputConstantError) -> TensorData {
        switch self {
        case .tensor(let data):
            guard data.dtype == type.dtype, data.shape == type.shape else {
                throw InputConstantError("is \(data.type), but the input is declared \(type)")
            }
            return data
        case .numbers(let values):
            guard values.count == type.elementCount else {
                throw InputConstantError(
                    "has \(values.count) value(s), but the input is declared \(type) (\(type.elementCount) elements)")
            }
            if !type.dtype.isFloatingPoint {
                // JSON numbers are doubles: integers past 2⁵³ or fractions would change silently.
                if let bad = values.first(where: { $0.rounded() != $0 || abs($0) > 9_007_199_254_740_992 }) {
                    throw InputConstantError("holds \(bad), which is not an exact \(type.dtype) value")
                }
                if type.dtype == .bool, let bad = values.first(where: { $0 != 0 && $0 != 1 }) {
                    throw InputConstantError("holds \(bad); a bool input takes 0 or 1")
                }
            }
            return TensorData(dtype: type.dtype, shape: type.shape, converting: values)
        }
    }
}

/// Why an `InputConstant` does not fit its input.
struct InputConstantError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
