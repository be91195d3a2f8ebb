// Runs a kit of compiled models (Scripts/device-kit.sh) on the machine's
// Vulkan device and on its CPU: each case's outputs against the reference
// outputs committed beside its model, within the case's tolerance, and the
// timed cases' medians and per-dispatch device times. No Foundation, so the
// static binary stays small enough to carry.
//
//   kiln-device-check KIT [--runs N] [--warmup N] [--only NAME]
//
// KIT/manifest.tsv has one case per line: name, shared object, model name,
// rtol, atol, timed (0 or 1), inputs and reference outputs (raw
// little-endian files in KIT, comma-separated).

import Kiln

#if canImport(Glibc)
    import Glibc
#endif

struct Case {
    var name: String
    var library: String
    var modelName: String
    var relative: Double
    var absolute: Double
    var timed: Bool
    var inputs: [String]
    var outputs: [String]
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func readFile(_ path: String) throws(Failure) -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw Failure("cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

func readManifest(_ kit: String) throws(Failure) -> [Case] {
    let text = String(decoding: try readFile("\(kit)/manifest.tsv"), as: UTF8.self)
    return try text.split(separator: "\n").map { line throws(Failure) in
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 8, let relative = Double(fields[3]), let absolute = Double(fields[4]) else {
            throw Failure("a manifest line is not 8 fields: \(line)")
        }
        func files(_ field: String) -> [String] { field.split(separator: ",").map { "\(kit)/\($0)" } }
        return Case(
            name: fields[0], library: "\(kit)/\(fields[1])", modelName: fields[2], relative: relative,
            absolute: absolute, timed: fields[5] == "1", inputs: files(fields[6]), outputs: files(fields[7]))
    }
}

/// The element values of a floating-point output, or nil for types compared bit for bit.
func floats(_ bytes: UnsafeRawBufferPointer, _ dtype: KilnDType?) -> [Double]? {
    switch dtype {
    case .float32: (0..<bytes.count / 4).map { Double(bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
    case .float64: (0..<bytes.count / 8).map { bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
    case .float16:
        (0..<bytes.count / 2).map { Double(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
    case .bfloat16:
        (0..<bytes.count / 2).map {
            Double(Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16))
        }
    default: nil
    }
}

/// An 8- or 4-bit float's code with every NaN code as 0xFF and −0 as 0,
/// so that codes compare as the values do (the types have one value per
/// code otherwise); nil for other types.
func canonicalCode(_ code: UInt8, _ dtype: KilnDType?) -> UInt8? {
    switch dtype {
    case .float8e4m3fn: code & 0x7F == 0x7F ? 0xFF : code == 0x80 ? 0 : code
    case .float8e5m2: code & 0x7C == 0x7C && code & 0x03 != 0 ? 0xFF : code == 0x80 ? 0 : code
    case .float8e4m3fnuz, .float8e5m2fnuz: code == 0x80 ? 0xFF : code
    case .float8e8m0: code
    case .float4e2m1: code & 0x0F == 0x08 ? 0 : code & 0x0F
    default: nil
    }
}

/// Elements outside |a − e| ≤ atol + rtol·|e| (NaN matching NaN, an
/// infinity only itself; for float16 and bfloat16 also within one unit in
/// the last place of e, as the tests allow), minifloat codes that differ
/// in value, or differing bytes for other types.
func mismatches(_ actual: UnsafeRawBufferPointer, _ expected: [UInt8], _ dtype: KilnDType?, _ test: Case) -> Int {
    guard actual.count == expected.count else { return -1 }
    if canonicalCode(0, dtype) != nil {
        return zip(actual, expected).filter { canonicalCode($0, dtype) != canonicalCode($1, dtype) }.count
    }
    let half: (mantissa: Int, smallestExponent: Int)? =
        switch dtype {
        case .float16: (10, -14)
        case .bfloat16: (7, -126)
        default: nil
        }
    return expected.withUnsafeBytes { reference in
        guard let a = floats(actual, dtype), let e = floats(reference, dtype) else {
            return zip(actual, reference).filter { $0 != $1 }.count
        }
        return zip(a, e).filter { a, e in
            if a.isNaN && e.isNaN || a == e { return false }
            var allowed = test.absolute + test.relative * abs(e)
            if let half {
                let exponent = e == 0 ? half.smallestExponent : max(Int(e.exponent), half.smallestExponent)
                allowed = max(allowed, Double(sign: .plus, exponent: exponent - half.mantissa, significand: 1))
            }
            return !(e.isFinite && abs(a - e) <= allowed)
        }.count
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func milliseconds(_ body: () -> Void) -> Double {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    body()
    clock_gettime(CLOCK_MONOTONIC, &end)
    return Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) * 1e-6
}

func load(_ test: Case, device: KilnDevice, threads: KilnThreads = .inline, profiling: Bool = false) throws -> KilnModel {
    guard let handle = dlopen(test.library, RTLD_NOW | RTLD_LOCAL) else {
        throw Failure("dlopen \(test.library): \(String(cString: dlerror()))")
    }
    guard let getter = dlsym(handle, "kiln_\(test.modelName)_model") else {
        throw Failure("\(test.library) has no kiln_\(test.modelName)_model")
    }
    typealias Getter = @convention(c) () -> UnsafeRawPointer
    let descriptor = unsafeBitCast(getter, to: Getter.self)()
    return try KilnModel(
        descriptor: descriptor, expectedName: test.modelName, threads: threads, profiling: profiling, device: device)
}

/// Writes the case's inputs into `model`.
func setInputs(_ model: KilnModel, _ test: Case, _ inputs: [[UInt8]]) throws(Failure) {
    guard inputs.count == model.inputs.count else {
        throw Failure("\(inputs.count) input files for \(model.inputs.count) inputs")
    }
    for (index, bytes) in inputs.enumerated() {
        let destination = model.inputBytes(index)
        guard destination.count == bytes.count else {
            throw Failure("input \(index) has \(bytes.count) bytes, the model takes \(destination.count)")
        }
        bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
    }
}

/// "ok", or what differs, on `device`.
func check(_ test: Case, device: KilnDevice, inputs: [[UInt8]], references: [[UInt8]]) throws -> String {
    let model = try load(test, device: device)
    if device == .vulkan, model.activeDevice != .vulkan {
        return "FELL BACK (\(model.fallbackReason ?? "?"))"
    }
    try setInputs(model, test, inputs)
    model.run()
    if device == .vulkan, model.activeDevice != .vulkan {
        return "FELL BACK during the call (\(model.fallbackReason ?? "?"))"
    }
    guard references.count == model.outputs.count else {
        return "MISMATCH (\(references.count) reference outputs for \(model.outputs.count) outputs)"
    }
    var problems: [String] = []
    for (index, reference) in references.enumerated() {
        let count = mismatches(model.outputBytes(index), reference, model.outputs[index].dtype, test)
        if count != 0 { problems.append("output \(index): \(count < 0 ? "size differs" : "\(count) elements differ")") }
    }
    return problems.isEmpty ? "ok" : "MISMATCH (\(problems.joined(separator: "; ")))"
}

func time(_ test: Case, inputs: [[UInt8]], runs: Int, warmup: Int) throws {
    let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    for (label, device, threads) in [
        ("vulkan", KilnDevice.vulkan, KilnThreads.inline), ("cpu 1 thread", .cpu, .inline),
        ("cpu \(cores) threads", .cpu, .workers(cores)),
    ] {
        let model = try load(test, device: device, threads: threads)
        try setInputs(model, test, inputs)
        for _ in 0..<warmup { model.run() }
        let times = (0..<runs).map { _ in milliseconds { model.run() } }
        print("  \(label): median \(median(times)) ms, min \(times.min() ?? 0) ms (\(runs) runs)")
    }
    let profiled = try load(test, device: .vulkan, profiling: true)
    try setInputs(profiled, test, inputs)
    for _ in 0..<(warmup + runs) { profiled.run() }
    let kernels = profiled.kernelProfile()
    let total = kernels.reduce(0) { $0 + $1.medianMilliseconds }
    print("  vulkan dispatches (median ms, share, workgroups), \(kernels.count) in all, \(total) ms:")
    for kernel in kernels.sorted(by: { $0.medianMilliseconds > $1.medianMilliseconds }).prefix(25) {
        let share = total > 0 ? Int((kernel.medianMilliseconds / total * 100).rounded()) : 0
        print("    \(kernel.medianMilliseconds) ms \(share)% \(kernel.tiles) wg  \(kernel.name)")
    }
}

/// The value after `name` in `arguments`, removing both.
func option(_ name: String, _ arguments: inout [String]) -> String? {
    guard let at = arguments.firstIndex(of: name), at + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(at...(at + 1)) }
    return arguments[at + 1]
}
var arguments = Array(CommandLine.arguments.dropFirst())
let runs = option("--runs", &arguments).flatMap(Int.init) ?? 20
let warmup = option("--warmup", &arguments).flatMap(Int.init) ?? 3
let only = option("--only", &arguments)
guard let kit = arguments.first else {
    print("usage: kiln-device-check KIT [--runs N] [--warmup N] [--only NAME]")
    exit(2)
}
do {
    let devices = try KilnVulkan.devices()
    print("Vulkan devices: \(devices.map(\.description).joined(separator: "; "))")
} catch {
    print("no Vulkan device: \(error)")
}
var failed = 0
var passed = 0
for test in try readManifest(kit) where only == nil || test.name == only {
    do {
        let inputs = try test.inputs.map { path throws(Failure) in try readFile(path) }
        let references = try test.outputs.map { path throws(Failure) in try readFile(path) }
        let onVulkan = try check(test, device: .vulkan, inputs: inputs, references: references)
        let onCPU = try check(test, device: .cpu, inputs: inputs, references: references)
        let good = onVulkan == "ok" && onCPU == "ok"
        if good { passed += 1 } else { failed += 1 }
        print("\(good ? "ok  " : "FAIL") \(test.name): vulkan \(onVulkan), cpu \(onCPU)")
        if test.timed { try time(test, inputs: inputs, runs: runs, warmup: warmup) }
    } catch {
        failed += 1
        print("FAIL \(test.name): \(error)")
    }
}
print("\(passed) passed, \(failed) failed")
if passed + failed == 0 { print("no case in \(kit)/manifest.tsv\(only.map { " is named \($0)" } ?? "")") }
exit(failed == 0 && passed > 0 ? 0 : 1)
