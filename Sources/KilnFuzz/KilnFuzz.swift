// The fuzz target: bytes in, through everything the compiler does to an
// untrusted file before LLVM (decode, import, validation, shape inference,
// folding, lowering, memory planning). A thrown CompileError is the right
// answer to garbage; a crash, trap or hang is a bug.
//
// Built with -sanitize=fuzzer,address and -D KILN_FUZZER (make fuzz), it is a
// libFuzzer binary. Built plainly it replays files given on the command line,
// to reproduce a crash the fuzzer saved without its instrumentation.

import Foundation
import KilnCompiler

/// Runs one input through the compiler front end and planner.
func compileFrontEnd(_ data: Data) {
    guard let model = try? Compiler.prepare(data: data, modelPath: "fuzz-input.onnx") else { return }
    _ = Compiler.schedule(model, target: .host)
}

#if KILN_FUZZER
    typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: FuzzCallback
    ) -> CInt

    /// SwiftPM links an executable target's entry point as `<target>_main`;
    /// it hands the command line to libFuzzer's driver.
    @_cdecl("KilnFuzz_main")
    func fuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { bytes, length in
            guard let bytes else { return 0 }
            compileFrontEnd(Data(bytes: bytes, count: length))
            return 0
        }
    }
#else
    @main
    struct Replay {
        static func main() {
            let paths = CommandLine.arguments.dropFirst()
            guard !paths.isEmpty else {
                print("usage: KilnFuzz <file>…  (replays inputs; `make fuzz` builds the libFuzzer binary)")
                return
            }
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("\(path): cannot read")
                    continue
                }
                compileFrontEnd(data)
                print("\(path): ok")
            }
        }
    }
#endif
