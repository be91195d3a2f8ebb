// Corrupted models must produce errors, never crashes: every fixture model is
// truncated at many points and has bytes flipped, deterministically, and
// each variant must either compile or throw a CompileError.

import Foundation
import Testing

@testable import KilnCompiler

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RobustnessTests {
    /// Compiles `data` (through LLVM when `emit`); passes when it compiles
    /// or fails with a CompileError(s). Returns whether it compiled.
    @discardableResult
    func survives(_ data: Data, _ label: String, emit: Bool = false) -> Bool {
        do {
            let model = try Compiler.prepare(data: data, modelPath: label)
            if emit {
                let weights = FileManager.default.temporaryDirectory
                    .appendingPathComponent("kiln-robustness-\(UUID().uuidString).weights").path
                defer { try? FileManager.default.removeItem(atPath: weights) }
                _ = try Compiler.compile(model, target: .host, weightsPath: weights)
            }
            return true
        } catch is CompileError {
        } catch is CompileErrors {
        } catch {
            Issue.record("\(label): unexpected error \(type(of: error)): \(error)")
        }
        return false
    }

    @Test(arguments: [
        "mlp", "lenet", "shape_subgraph", "ops/conv_same_upper", "ops/gemm_transA_alpha", "ops/concat_axis1",
    ])
    func corruptedModelsFailCleanly(_ fixture: String) throws {
        let path = fixtureRoot.appendingPathComponent("\(fixture)/model.onnx").path
        let original = try #require(FileManager.default.contents(atPath: path))
        let bytes = [UInt8](original)
        // Truncations at 64 points spread over the file.
        for step in 1..<64 {
            let cut = bytes.count * step / 64
            survives(Data(bytes[..<cut]), "\(fixture) cut at \(cut)")
        }
        // 300 variants with 1-4 random bytes overwritten.
        var random = SplitMix64(state: fixture.utf8.reduce(1) { $0 &* 31 &+ UInt64($1) })
        var emitted = 0
        for variant in 0..<300 {
            var mutated = bytes
            for _ in 0...(random.next() % 4) {
                let position = Int(random.next() % UInt64(mutated.count))
                mutated[position] = UInt8(truncatingIfNeeded: random.next())
            }
            // Variants that still import (e.g. a flipped weight) go through LLVM too, a few per model.
            if survives(Data(mutated), "\(fixture) variant \(variant)", emit: emitted < 8) { emitted += 1 }
        }
    }
}
