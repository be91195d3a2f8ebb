// Kernels are compiled in several LLVM modules at once and their assembly
// joined into one file: the result must not depend on the threads, and the
// modules' local labels must not clash.

import CLLVM
import Foundation
import Testing

@testable import KilnCompiler

@Suite struct CodeUnitTests {
    @Test func localLabelsGetTheModulesSuffix() {
        let text = ".LBB0_1:\n\tjmp .LBB0_1\n\tvmovaps .LCPI0_0(%rip), %zmm0\n\t.size kiln_m_k0_0, .Lfunc_end0-kiln_m_k0_0\nfoo.Lbar\n"
        #expect(
            ModuleEmitter.renamingLocalLabels(text, suffix: "_u3")
                == ".LBB0_1_u3:\n\tjmp .LBB0_1_u3\n\tvmovaps .LCPI0_0_u3(%rip), %zmm0\n\t.size kiln_m_k0_0, .Lfunc_end0_u3-kiln_m_k0_0\nfoo.Lbar\n")
    }

    /// Same model, same assembly: a rebuild that changes nothing must not
    /// rewrite the file (the plugin's outputs are only written when changed).
    @Test func theAssemblyIsTheSameEveryTime() throws {
        let model = try Compiler.prepare(modelPath: fixtureRoot.appendingPathComponent("resnet_small/model.onnx").path)
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).weights").path
        defer { try? FileManager.default.removeItem(atPath: weights) }
        let first = try Compiler.compile(model, target: .host, weightsPath: weights)
        let second = try Compiler.compile(model, target: .host, weightsPath: weights)
        #expect(first.assembly == second.assembly)
        // Every kernel lives in a module of its own here, and each module's labels are its own.
        let definitions = first.assembly.split(separator: "\n").filter { $0.hasPrefix(".L") && $0.hasSuffix(":") }
        #expect(Set(definitions).count == definitions.count, "a local label is defined twice")
        #expect(first.phases.map(\.name).contains { $0.hasPrefix("LLVM O3") })
    }

    /// LLVM 14 declares the weights as one array counted in 32 bits: a blob
    /// of 4 GiB or more is a clear error naming the model (it trapped in the
    /// conversion before), and the largest size that fits still resolves.
    @Test func weightsPastFourGiBAreAClearError() throws {
        let location = SourceLocation(file: "big.onnx")
        let unit = try CodeUnit(name: "big", target: .host, location: location)
        #expect(throws: CompileError.self) {
            try unit.resolveWeights("kiln_big_weights", byteCount: CodeUnit.maximumWeightBytes + 1, location: location)
        }
        do {
            try unit.resolveWeights("kiln_big_weights", byteCount: 1 << 32, location: location)
        } catch {
            #expect(error.errorLine.hasPrefix("error: big.onnx: the weights come to 4294967296 bytes"), "\(error)")
            #expect(error.note?.contains("\"backends\"") == true)
        }
        try unit.resolveWeights("kiln_big_weights", byteCount: CodeUnit.maximumWeightBytes, location: location)
        #expect(LLVMGetNamedGlobal(unit.module, "kiln_big_weights") != nil)
    }
}
