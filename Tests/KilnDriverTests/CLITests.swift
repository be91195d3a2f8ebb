// End-to-end tests of the kilnc command line, run as a separate process the
// way the plugin and users run it.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

/// The kilnc binary built next to this test bundle.
func kilncPath() throws -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var directory = bundle
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("kilnc").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw DriverError("kilnc not found near \(bundle.path); build it with `swift build --build-tests`")
}

/// Runs kilnc; returns (status, stdout, stderr). A run past `seconds` is
/// killed (status 137, its signal's), so a hang fails instead of stalling
/// the suite; `memoryLimitKB` caps its address space (`ulimit -v`), so
/// unbounded allocation ends in an error or a signal, not a swapping machine.
func kilnc(
    _ arguments: [String], seconds: Double = 600, memoryLimitKB: Int? = nil, environment: [String: String] = [:]
) throws -> (Int32, String, String) {
    let process = Process()
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let memoryLimitKB {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(memoryLimitKB) && exec \"$0\" \"$@\"", try kilncPath()] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: try kilncPath())
        process.arguments = arguments
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let watchdog = DispatchWorkItem { [process] in if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
    defer { watchdog.cancel() }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return (status, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite struct CLITests {
    let lenet = fixturesDirectory.appendingPathComponent("lenet").path

    @Test func inspectShowsOpsShapesAndArena() throws {
        let (status, out, _) = try kilnc(["inspect", "\(lenet)/model.onnx"])
        #expect(status == 0)
        #expect(out.contains("input  image: float32[1,1,28,28]"))
        #expect(out.contains("output logits: float32[1,10]"))
        #expect(out.contains("arena: "))
        // Each node shows the core operation it lowered to and its fused activation.
        #expect(out.contains("(Conv → convolution 5×5/1 group 1 + relu)"))
    }

    @Test func runWritesOutputsMatchingTheReference() throws {
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("kilnc-run-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: outputs) }
        let (status, _, err) = try kilnc([
            "run", "\(lenet)/model.onnx", "--inputs", "\(lenet)/test_data_set_0", "--outputs", outputs,
        ])
        #expect(status == 0, "\(err)")
        let actual = try TensorFile.read(path: "\(outputs)/output_0.pb")
        let expected = try TensorFile.read(path: "\(lenet)/test_data_set_0/output_0.pb")
        #expect(actual.name == "logits")
        #expect(actual.shape == expected.shape)
        #expect(Comparison(name: "logits", actual: actual.data, expected: expected.data).passed)
    }

    @Test func verifyPassesAndFailsOnTolerance() throws {
        let (status, out, _) = try kilnc(["verify", "\(lenet)/model.onnx"])
        #expect(status == 0)
        #expect(out.contains("logits: ok"))
        // With an impossible tolerance the same run must fail: the comparison is real.
        let (strict, strictOut, _) = try kilnc(["verify", "\(lenet)/model.onnx", "--atol", "0", "--rtol", "0"])
        let exact = strictOut.contains("0/10 outside tolerance")
        #expect(strict != 0 || exact)
    }

    @Test func benchPrintsJSON() throws {
        let (status, out, err) = try kilnc(["bench", "\(lenet)/model.onnx", "--runs", "5", "--warmup", "1", "--json"])
        #expect(status == 0, "\(err)")
        let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let json = try #require(object)
        #expect(
            Set(json.keys) == [
                "model", "device", "threads", "cpu_variant", "runs", "median_ms", "p10_ms", "p90_ms", "create_ms",
            ])
        #expect(json["runs"] as? Int == 5)
        #expect((json["median_ms"] as? Double ?? -1) > 0)
        #expect((json["create_ms"] as? Double ?? -1) > 0)
    }

    /// `init` places the model, the target's header and a config; in a new
    /// folder it also writes the manifest and an App, in an existing package
    /// it prints the manifest lines instead. A second run changes nothing,
    /// and a file with other contents is never overwritten. (Both forms are
    /// built for real by Scripts/check-init.sh and check-real-models-plugin.sh.)
    @Test func initScaffoldsAModelTarget() throws {
        let package = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: package) }
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        let model = package.appendingPathComponent("my-net.onnx")
        try FileManager.default.copyItem(atPath: "\(lenet)/model.onnx", toPath: model.path)
        let arguments = ["init", model.path, "--package-path", package.path, "--kiln", "../kiln"]
        let (status, out, err) = try kilnc(arguments)
        #expect(status == 0, "\(err)")
        let target = package.appendingPathComponent("Sources/MyNet")
        #expect(FileManager.default.contents(atPath: target.appendingPathComponent("my-net.onnx").path) == FileManager.default.contents(atPath: model.path))
        let header = try String(contentsOf: target.appendingPathComponent("include/MyNet.h"), encoding: .utf8)
        #expect(header.contains(#"#include "my_net.kiln.h""#))
        let config = try ModelConfig.load(path: target.appendingPathComponent("my-net.kiln.json").path)
        #expect(config.access == .internal)
        let manifest = try String(contentsOf: package.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.hasPrefix("// swift-tools-version: 6.3;(experimentalCGen)\n"))
        #expect(manifest.contains(#".package(name: "Kiln", path: "../kiln")"#))
        #expect(manifest.contains(#".target(name: "MyNet", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")])"#))
        #expect(manifest.contains(#"dependencies: ["MyNet", .product(name: "Kiln", package: "Kiln")]"#))
        let main = try String(contentsOf: package.appendingPathComponent("Sources/App/main.swift"), encoding: .utf8)
        #expect(main.contains("let model = try MyNetModel()"))
        #expect(out.contains("swift run App"))
        let again = try kilnc(arguments)
        #expect(again.0 == 0, "an identical scaffold is left alone: \(again.2)")
        try Data("// mine\n".utf8).write(to: target.appendingPathComponent("include/MyNet.h"))
        let (conflict, _, message) = try kilnc(arguments)
        #expect(conflict != 0 && message.contains("include/MyNet.h exists with other contents"))
        let (badName, _, nameError) = try kilnc(["init", model.path, "--target", "my-net", "--package-path", package.path])
        #expect(badName != 0 && nameError.contains("--target must be an ASCII Swift identifier"))

        // A config beside the source model travels with it, and its className
        // names the class main.swift calls.
        let other = package.appendingPathComponent("Other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(lenet)/model.onnx", toPath: other.appendingPathComponent("net.onnx").path)
        let ownConfig = Data(#"{"className": "Net5"}"#.utf8)
        try ownConfig.write(to: other.appendingPathComponent("net.kiln.json"))
        let (copied, _, copyError) = try kilnc(["init", other.appendingPathComponent("net.onnx").path, "--package-path", other.path])
        #expect(copied == 0, "\(copyError)")
        #expect(FileManager.default.contents(atPath: other.appendingPathComponent("Sources/Net/net.kiln.json").path) == ownConfig)
        let otherMain = try String(contentsOf: other.appendingPathComponent("Sources/App/main.swift"), encoding: .utf8)
        #expect(otherMain.contains("let model = try Net5()"))

        // An existing package: its manifest is left alone, the lines are printed.
        let existing = package.appendingPathComponent("Existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        let ownManifest = Data("// swift-tools-version: 6.0\n".utf8)
        try ownManifest.write(to: existing.appendingPathComponent("Package.swift"))
        let (printed, lines, printError) = try kilnc(
            ["init", model.path, "--package-path", existing.path, "--target", "Net", "--app", "Tool"])
        #expect(printed == 0, "\(printError)")
        #expect(FileManager.default.contents(atPath: existing.appendingPathComponent("Package.swift").path) == ownManifest)
        #expect(lines.contains("// swift-tools-version: 6.3;(experimentalCGen)"))
        #expect(lines.contains(#".target(name: "Net", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")])"#))
        #expect(lines.contains(#"name: "Tool""#) && lines.contains("let model = try MyNetModel()"))
        #expect(!FileManager.default.fileExists(atPath: existing.appendingPathComponent("Sources/Tool").path))
    }

    /// `--trace` writes every kernel of the timed runs as a Chrome trace: one
    /// slice per call, the kernels inside it in dispatch order, nothing outside.
    @Test func benchWritesAChromeTrace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-trace-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: path) }
        let (status, _, err) = try kilnc(
            ["bench", "\(lenet)/model.onnx", "--runs", "6", "--warmup", "3", "--threads", "2", "--trace", path.path])
        #expect(status == 0, "\(err)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any]
        let events = try #require(object?["traceEvents"] as? [[String: Any]])
        let calls = events.filter { $0["cat"] as? String == "call" }
        let kernels = events.filter { $0["cat"] as? String == "kernel" }
        // The ring holds the last `runs` calls: the timed ones, not the warm-up.
        #expect(calls.compactMap { $0["name"] as? String } == (3..<9).map { "run #\($0)" })
        #expect(kernels.count % 6 == 0 && kernels.count >= 6 * 5, "LeNet has at least five kernels")
        let perCall = kernels.count / 6
        for (index, call) in calls.enumerated() {
            let start = try #require(call["ts"] as? Double)
            let end = start + (try #require(call["dur"] as? Double))
            var previousEnd = start
            for kernel in kernels[(index * perCall)..<((index + 1) * perCall)] {
                let kernelStart = try #require(kernel["ts"] as? Double)
                let duration = try #require(kernel["dur"] as? Double)
                #expect(abs(kernelStart - previousEnd) < 0.002 && duration >= 0)
                previousEnd = kernelStart + duration
                let args = try #require(kernel["args"] as? [String: Any])
                #expect(args["call"] as? Int == 3 + index && (args["tiles"] as? Int ?? 0) >= 1)
                #expect((args["workers"] as? Int ?? 0) >= 1 && (args["workers"] as? Int ?? 0) <= 2)
            }
            #expect(abs(previousEnd - end) < 0.002)
        }
        #expect(Set(kernels.prefix(perCall).compactMap { $0["name"] as? String }).contains { $0.hasPrefix("conv1 (Conv") })
    }

    /// `--cpu` with a list builds one binary per level; the run loads the
    /// best the machine has, or the one `KILN_CPU_VARIANT` names.
    @Test func benchRunsTheBestCPUBuildOrTheOneNamed() throws {
        let arguments = [
            "bench", "\(lenet)/model.onnx", "--cpu", "x86-64,x86-64-v3", "--runs", "3", "--warmup", "1", "--json",
        ]
        func variant(_ environment: [String: String]) throws -> String? {
            let (status, out, err) = try kilnc(arguments, environment: environment)
            #expect(status == 0, "\(err)")
            let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
            return object?["cpu_variant"] as? String
        }
        // Every machine these tests run on has AVX2 (x86-64-v3).
        #expect(try variant([:]) == "x86-64-v3")
        #expect(try variant(["KILN_CPU_VARIANT": "x86-64"]) == "x86-64")
        let (status, _, err) = try kilnc(arguments, environment: ["KILN_CPU_VARIANT": "x86-64-v4"])
        #expect(status != 0 && err.contains("it holds no build for 'x86-64-v4'; its builds are x86-64, x86-64-v3"), "\(err)")
    }

    @Test func compileWritesTheThreeOutputsAndSkipsUnchangedFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kilnc-compile-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["compile", "\(lenet)/model.onnx", "--output-dir", directory]
        #expect(try kilnc(arguments).0 == 0)
        let files = ["model.kiln.S", "model.kiln.weights", "include/model.kiln.h"].map { "\(directory)/\($0)" }
        for file in files { #expect(FileManager.default.fileExists(atPath: file), "\(file)") }
        let assembly = try String(contentsOfFile: files[0], encoding: .utf8)
        #expect(assembly.contains(".incbin"))
        #expect(assembly.contains("kiln_model_model"))
        let before = try files.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try kilnc(arguments).0 == 0)
        let after = try files.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        #expect(before == after, "unchanged outputs must not be rewritten")
    }

    @Test func crossCompilesForAArch64() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kilnc-arm-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let triple = "aarch64-unknown-linux-gnu"
        let (status, _, err) = try kilnc([
            "compile", "\(lenet)/model.onnx", "--output-dir", directory, "--triple", triple,
        ])
        #expect(status == 0, "\(err)")
        let assembly = "\(directory)/model.kiln.S"
        #expect(try String(contentsOfFile: assembly, encoding: .utf8).contains("for \(triple)"))
        // The toolchain's clang must assemble it for that target (not the host's).
        try Toolchain.run(try Toolchain.clang(), ["--target=\(triple)", "-c", assembly, "-o", "\(directory)/model.o"])
        let object = try #require(FileManager.default.contents(atPath: "\(directory)/model.o"))
        #expect(object.count > 20 && object[18] == 0xB7)  // ELF e_machine EM_AARCH64
    }

    @Test func compileErrorsNameFileNodeAndOp() throws {
        let model = fixturesDirectory.appendingPathComponent("invalid/unsupported_op.onnx").path
        let (status, _, err) = try kilnc(["compile", model, "--output-dir", NSTemporaryDirectory()])
        #expect(status == 2)
        #expect(err.hasPrefix("error: \(model): node 'my_det' (Det, opset 13): op 'Det' is not supported"))
    }

    @Test func generatedSwiftAPIHasTypedMembers() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("LenetModel.swift").path
        let (status, _, err) = try kilnc(["swift-api", "\(lenet)/model.onnx", "--module", "Lenet", "--output", output])
        #expect(status == 0, "\(err)")
        let source = try String(contentsOfFile: output, encoding: .utf8)
        #expect(source.hasPrefix("// DO NOT EDIT."))
        #expect(source.contains("public final class LenetModel"))
        #expect(source.contains("public var image: UnsafeMutableBufferPointer<Float>"))
        #expect(source.contains("public var logits: UnsafeBufferPointer<Float>"))
        #expect(source.contains("public func predict(image: some Collection<Float>) throws(KilnError) -> Outputs"))
        #expect(source.contains("kiln_model_model()"))
    }

    /// A model with several problems reports all of them in one run (input
    /// dtype, unsupported op, bad attribute, bad attribute value), skips what
    /// only depends on them, and `inspect` marks every node.
    @Test func everyProblemIsReportedAtOnceAndInspectMarksNodes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-problems-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func node(_ op: String, _ name: String, _ inputs: [String], _ output: String) -> Onnx_NodeProto {
            var node = Onnx_NodeProto()
            (node.opType, node.name, node.input, node.output) = (op, name, inputs, [output])
            return node
        }
        var celu = node("Celu", "celu", ["x"], "c")
        var alpha = Onnx_AttributeProto()
        (alpha.name, alpha.type, alpha.s) = ("alpha", .string, Data("one".utf8))
        celu.attribute = [alpha]
        var softmax = node("Softmax", "softmax", ["x"], "s")
        var axis = Onnx_AttributeProto()
        (axis.name, axis.type, axis.i) = ("axis", .int, 5)
        softmax.attribute = [axis]
        var text = onnxValueInfo("text", .float32, [2])
        text.type.tensorType.elemType = 8  // string
        let path = "\(folder)/model.onnx"
        try writeONNXModel(
            to: path,
            nodes: [
                node("Det", "det", ["x"], "d"), node("Relu", "after_det", ["d"], "r"), celu, softmax,
                node("Abs", "abs", ["x"], "a"),
            ],
            inputs: [onnxValueInfo("x", .float32, [3, 3]), text],
            outputs: ["r", "c", "s", "a"].map { onnxValueInfo($0, .float32, [3, 3]) })

        let (status, _, err) = try kilnc(["compile", path, "--output-dir", folder])
        #expect(status == 3)
        let lines = err.split(separator: "\n").map(String.init)
        #expect(
            lines.filter { $0.hasPrefix("error: ") } == [
                "error: \(path): input 'text' has element type string, which Kiln does not support",
                "error: \(path): node 'det' (Det, opset 13): op 'Det' is not supported",
                "error: \(path): node 'celu' (Celu, opset 13): attribute 'alpha' must be a float",
                "error: \(path): node 'softmax' (Softmax, opset 13): axis 5 is out of range for shape [3, 3]",
            ], "\(err)")
        // The list of supported ops is said once, after the errors.
        #expect(lines.filter { $0.hasPrefix("note: Kiln supports these ops: Abs, ") }.count == 1)
        #expect(lines.last?.hasPrefix("note: ") == true)

        let (inspectStatus, out, inspectErr) = try kilnc(["inspect", path])
        #expect(inspectStatus == 3)
        #expect(inspectErr == err)
        #expect(out.contains("model: model.onnx  (opset 13): 1 of 5 nodes supported, 3 with problems, 1 not checked"))
        #expect(out.contains("  ✗ input 'text' has element type string, which Kiln does not support"))
        #expect(out.contains("  ✗ det (Det): op 'Det' is not supported"))
        #expect(out.contains("  · after_det (Relu): not checked; it reads a value a node with a problem produces"))
        #expect(out.contains("  ✗ celu (Celu): attribute 'alpha' must be a float"))
        #expect(out.contains("  ✓ abs (Abs)"), "\(out)")
    }

    /// Bad paths and option values end in a plain sentence, never a trap,
    /// an LLVM abort or a raw Foundation error.
    @Test func badPathsAndOptionsGetPlainErrors() throws {
        let model = "\(lenet)/model.onnx"
        let data = "\(lenet)/test_data_set_0"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let file = "\(scratch)/a-file"
        try Data().write(to: URL(fileURLWithPath: file))
        let cases: [([String], String)] = [
            (["compile", model, "--cpu", "notacpu", "--output-dir", scratch], "'notacpu' is not a CPU LLVM 14 can target for x86_64"),
            (["compile", model, "--cpu", "pentium4", "--output-dir", scratch], "'pentium4' is not a CPU LLVM 14 can target"),
            (["compile", model, "--l2-cache-kb", "99999999", "--output-dir", scratch], "--l2-cache-kb must be between 1 and 65536"),
            (["compile", model, "--cpu", "x86-64-v3,x86-64-v3", "--output-dir", scratch], "--cpu takes distinct LLVM CPU names"),
            (["compile", model, "--cpu", "x86-64,", "--output-dir", scratch], "--cpu takes distinct LLVM CPU names"),
            (["compile", model, "--cpu", "x86-64,notacpu", "--output-dir", scratch], "'notacpu' is not a CPU LLVM 14 can target"),
            (
                ["compile", model, "--triple", "aarch64-unknown-linux-gnu", "--cpu", "generic,cortex-a76", "--output-dir", scratch],
                "several CPU builds in one binary are chosen by x86 CPU features; for aarch64 name one CPU"
            ),
            (["compile", lenet, "--output-dir", scratch], "this is a folder, not an ONNX model file"),
            (["compile", "\(scratch)/missing.onnx", "--output-dir", scratch], "the model file does not exist"),
            (["run", model, "--inputs", "\(scratch)/missing", "--outputs", scratch], "the folder \(scratch)/missing does not exist"),
            (["run", model, "--inputs", data, "--outputs", file], "--outputs \(file) is a file, not a folder"),
            (["run", model, "--triple", "aarch64-linux-gnu", "--inputs", data, "--outputs", scratch], "cannot run on this machine"),
        ]
        for (arguments, message) in cases {
            let (status, _, err) = try kilnc(arguments)
            #expect(status != 0 && status < 128, "\(arguments): status \(status)")
            #expect(err.contains(message), "\(arguments): \(err)")
        }
        // A missing --outputs folder is created.
        let (status, _, err) = try kilnc(["run", model, "--inputs", data, "--outputs", "\(scratch)/new/outputs"])
        #expect(status == 0, "\(err)")
        #expect(FileManager.default.fileExists(atPath: "\(scratch)/new/outputs/output_0.pb"))
    }
}
