// Which machine the generated code is for: the host by default, or what the
// user names (triple, CPU, features), turned into an LLVM target machine.

import CKiln
import CLLVM

/// The code-generation target.
public struct TargetSelection: Sendable, Equatable {
    public var triple: String { didSet { vectorWidth = Self.vectorWidth(triple, cpu, features) } }
    public var cpu: String { didSet { vectorWidth = Self.vectorWidth(triple, cpu, features) } }
    public var features: String { didSet { vectorWidth = Self.vectorWidth(triple, cpu, features) } }
    /// L2 cache bytes per core the kernels block for (GEMM column chunks).
    public var cacheBytes: Int

    /// Floats per SIMD register the kernels are blocked for: what the CPU
    /// name implies, adjusted by explicit `+feature`/`-feature` entries.
    /// Stored, since every kernel of a model asks.
    public private(set) var vectorWidth: Int

    static func vectorWidth(_ triple: String, _ cpu: String, _ features: String) -> Int {
        guard isX86(triple) else { return 4 }
        let entries = features.split(separator: ",")
        let enabled = Set(entries.filter { $0.hasPrefix("+") }.map { String($0.dropFirst()) })
        let disabled = Set(entries.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) })
        var width = Self.x86VectorWidth(cpu: cpu)
        if enabled.contains("avx512f") { width = 16 } else if enabled.contains("avx") { width = max(width, 8) }
        if disabled.contains("avx512f") { width = min(width, 8) }
        if disabled.contains("avx") { width = 4 }
        return width
    }

    /// Whether `triple` names an x86 target (64- or 32-bit).
    static func isX86(_ triple: String) -> Bool {
        triple.hasPrefix("x86_64") || triple.hasPrefix("i686") || triple.hasPrefix("i386")
    }

    /// The vector width LLVM 14's x86 CPU names imply (their AVX / AVX-512 support).
    static func x86VectorWidth(cpu: String) -> Int {
        let avx512: Set<String> = [
            "x86-64-v4", "knl", "knm", "skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake",
            "icelake-client", "icelake-server", "rocketlake", "tigerlake", "sapphirerapids",
        ]
        let avx: Set<String> = [
            "x86-64-v3", "sandybridge", "corei7-avx", "ivybridge", "core-avx-i", "haswell", "core-avx2", "broadwell",
            "skylake", "alderlake", "bdver1", "bdver2", "bdver3", "bdver4", "btver2", "znver1", "znver2", "znver3",
        ]
        if avx512.contains(cpu) { return 16 }
        if avx.contains(cpu) { return 8 }
        return 4
    }

    /// The runtime's feature bits (`KILN_CPU_*`) the code may use: what the
    /// CPU name surely implies (its x86-64 level), plus `+feature` entries,
    /// less `-feature` ones. A lower bound for CPU names, exact for the host
    /// (whose feature string lists everything); 0 off x86.
    public var requiredFeatures: UInt64 {
        guard Self.isX86(triple) else { return 0 }
        var bits = Self.x86LevelFeatures(cpu: cpu)
        for entry in features.split(separator: ",") where entry.count > 1 {
            guard let bit = Self.featureBits[String(entry.dropFirst())] else { continue }
            if entry.hasPrefix("+") { bits |= bit } else if entry.hasPrefix("-") { bits &= ~bit }
        }
        return bits
    }

    /// LLVM feature name → runtime bit, from the runtime's own table.
    static let featureBits: [String: UInt64] = {
        var bits: [String: UInt64] = [:]
        for bit in 0..<UInt32(KILN_CPU_FEATURE_COUNT) {
            if let name = kiln_cpu_feature_name(bit) { bits[String(cString: name)] = 1 << UInt64(bit) }
        }
        return bits
    }()

    /// The x86-64 psABI levels as runtime bits.
    static let x86Levels: [UInt64] = {
        let v2 = ["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cx16", "sahf"]
        let v3 = v2 + ["avx", "avx2", "fma", "f16c", "bmi", "bmi2", "lzcnt", "movbe", "xsave"]
        let v4 = v3 + ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]
        return [v2, v3, v4].map { names in names.reduce(0) { $0 | (featureBits[$1] ?? 0) } }
    }()

    /// The features an LLVM 14 x86 CPU name surely has: its psABI level
    /// (AVX-only CPUs: v2 with AVX; Knights Landing: v3 with AVX-512 F and CD).
    static func x86LevelFeatures(cpu: String) -> UInt64 {
        let v4: Set<String> = [
            "x86-64-v4", "skylake-avx512", "skx", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
            "icelake-server", "rocketlake", "tigerlake", "sapphirerapids",
        ]
        let v3: Set<String> = [
            "x86-64-v3", "haswell", "core-avx2", "broadwell", "skylake", "alderlake", "znver1", "znver2", "znver3",
        ]
        let avx: Set<String> = [
            "sandybridge", "corei7-avx", "ivybridge", "core-avx-i", "bdver1", "bdver2", "bdver3", "bdver4", "btver2",
        ]
        let v2: Set<String> = [
            "x86-64-v2", "nehalem", "corei7", "westmere", "silvermont", "slm", "goldmont", "goldmont-plus", "tremont",
        ]
        func bits(_ names: String...) -> UInt64 { names.reduce(0) { $0 | (featureBits[$1] ?? 0) } }
        if v4.contains(cpu) { return x86Levels[2] }
        if v3.contains(cpu) { return x86Levels[1] }
        if cpu == "knl" || cpu == "knm" { return x86Levels[1] | bits("avx512f", "avx512cd") }
        if avx.contains(cpu) { return x86Levels[0] | bits("avx", "xsave") }
        if v2.contains(cpu) { return x86Levels[0] }
        return 0
    }

    public init(triple: String, cpu: String, features: String, cacheBytes: Int = 1 << 20) {
        self.triple = triple
        self.cpu = cpu
        self.features = features
        self.cacheBytes = cacheBytes
        vectorWidth = Self.vectorWidth(triple, cpu, features)
    }

    /// The machine kilnc runs on, with its exact feature string: LLVM 14 names
    /// newer CPUs after an older family (`znver3` on Zen 4), so the CPU name
    /// alone would lose AVX-512.
    public static var host: TargetSelection {
        LLVMTarget.initialize()
        return TargetSelection(
            triple: LLVMTarget.takeString(LLVMGetDefaultTargetTriple()),
            cpu: LLVMTarget.takeString(LLVMGetHostCPUName()),
            features: LLVMTarget.takeString(LLVMGetHostCPUFeatures()))
    }

    /// The host, with any of the settings overridden.
    public static func resolve(
        triple: String?, cpu: String?, features: String?, cacheBytes: Int? = nil
    )
        -> TargetSelection
    {
        let host = TargetSelection.host
        let crossCompiling = triple != nil && triple != host.triple
        return TargetSelection(
            triple: triple ?? host.triple,
            cpu: cpu ?? (crossCompiling ? "generic" : host.cpu),
            features: features ?? (cpu != nil || crossCompiling ? "" : host.features),
            cacheBytes: cacheBytes ?? host.cacheBytes)
    }

    /// One target per CPU of `cpus` (the config's or the command line's
    /// list), or the host when there is none; the builds one binary carries.
    public static func resolve(
        triple: String?, cpus: [String]?, features: String?, cacheBytes: Int? = nil
    ) -> [TargetSelection] {
        guard let cpus, !cpus.isEmpty else {
            return [resolve(triple: triple, cpu: nil, features: features, cacheBytes: cacheBytes)]
        }
        return cpus.map { resolve(triple: triple, cpu: $0, features: features, cacheBytes: cacheBytes) }
    }
}

/// One-time LLVM initialisation and small C-string helpers.
enum LLVMTarget {
    private static let initialized: Bool = {
        LLVMInitializeX86TargetInfo()
        LLVMInitializeX86Target()
        LLVMInitializeX86TargetMC()
        LLVMInitializeX86AsmPrinter()
        LLVMInitializeX86AsmParser()
        LLVMInitializeAArch64TargetInfo()
        LLVMInitializeAArch64Target()
        LLVMInitializeAArch64TargetMC()
        LLVMInitializeAArch64AsmPrinter()
        LLVMInitializeAArch64AsmParser()
        return true
    }()

    static func initialize() { _ = initialized }

    /// Copies and frees a string LLVM allocated.
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { LLVMDisposeMessage(pointer) }
        return String(cString: pointer)
    }

    /// LLVM only warns about a CPU it does not know, then may abort (a
    /// 32-bit CPU for a 64-bit triple): check the name first.
    static func checkCPU(_ selection: TargetSelection, location: SourceLocation) throws {
        let arch = selection.triple.split(separator: "-").first.map(String.init) ?? ""
        let known: Set<String>? =
            arch == "x86_64" ? KnownCPUs.x86_64 : (arch == "aarch64" || arch == "arm64") ? KnownCPUs.aarch64 : nil
        if let known, !known.contains(selection.cpu) {
            throw CompileError(
                .invalidConfig, at: location,
                "'\(selection.cpu)' is not a CPU LLVM 14 can target for \(arch); the ones it can: "
                    + known.sorted().joined(separator: ", "))
        }
    }

    /// Creates a target machine for position-independent code (so the same
    /// assembly links into executables and shared objects).
    static func makeMachine(_ selection: TargetSelection, location: SourceLocation) throws -> LLVMTargetMachineRef {
        initialize()
        var target: LLVMTargetRef?
        var error: UnsafeMutablePointer<CChar>?
        guard LLVMGetTargetFromTriple(selection.triple, &target, &error) == 0, let target else {
            throw CompileError(
                .backend, at: location, "unknown target triple '\(selection.triple)': \(takeString(error))")
        }
        try checkCPU(selection, location: location)
        guard
            let machine = LLVMCreateTargetMachine(
                target, selection.triple, selection.cpu, selection.features, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
                LLVMCodeModelDefault)
        else {
            throw CompileError(.backend, at: location, "LLVM cannot create a target machine for \(selection)")
        }
        return machine
    }
}
