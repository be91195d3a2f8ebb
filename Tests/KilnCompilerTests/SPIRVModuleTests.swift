// The SPIR-V builder's output is what Vulkan drivers will load: every
// module built here must pass spirv-val for Vulkan 1.1 (spirv-tools, which
// `make deps` installs), and a broken one must not.

import CKiln
import Foundation
import Testing

@testable import KilnCompiler

@Suite struct SPIRVModuleTests {
    /// y[i] = max(x[i], 0) + slope · min(x[i], 0) for i < count, over a
    /// grid-stride loop whose stride is a specialization constant.
    static func leakyReLU() -> SPIRVModule {
        var m = SPIRVModule()
        let (void, uint, float) = (m.voidType(), m.uintType(), m.floatType())
        let uint3 = m.vectorType(uint, 3)
        let input = m.storageBuffer(of: float, stride: 4, set: 0, binding: 0, readOnly: true)
        let output = m.storageBuffer(of: float, stride: 4, set: 0, binding: 1)
        let push = m.blockType([uint], offsets: [0])
        let constants = m.variable(m.pointerType(.pushConstant, push), .pushConstant)
        let invocation = m.variable(m.pointerType(.input, uint3), .input)
        m.decorate(invocation, .builtIn, [SPIRVBuiltIn.globalInvocationID.rawValue])
        let stride = m.specConstant(65536, specID: 0)
        let slope = m.constant(Float(0.125))
        let (zero, zeroFloat) = (m.constant(UInt32(0)), m.constant(Float(0)))
        let storageFloat = m.pointerType(.storageBuffer, float)

        let main = m.beginFunction(void, type: m.functionType(returning: void))
        m.name(main, "main")
        m.label()
        let counter = m.functionVariable(of: uint)
        let count = m.value(.load, uint, [m.value(.accessChain, m.pointerType(.pushConstant, uint), [constants, zero])])
        let first = m.value(.compositeExtract, uint, [m.value(.load, uint3, [invocation])], literals: [0])
        m.loop(from: first, to: count, step: stride, counter: counter) { m, index in
            let x = m.value(.load, float, [m.value(.accessChain, storageFloat, [input, zero, index])])
            let positive = m.glsl(.fMax, float, [x, zeroFloat])
            let negative = m.value(.fMul, float, [slope, m.glsl(.fMin, float, [x, zeroFloat])])
            let y = m.value(.fAdd, float, [positive, negative])
            m.statement(.store, [m.value(.accessChain, storageFloat, [output, zero, index]), y])
        }
        m.statement(.return, [])
        m.endFunction()
        m.computeEntryPoint(main, name: "main", interface: [invocation], localSize: (64, 1, 1))
        return m
    }

    /// Runs spirv-val on `module`'s bytes: (passed, what it printed).
    func validate(_ bytes: [UInt8]) throws -> (Bool, String) {
        try #require(SPIRVValidator.path != nil, "spirv-val is missing: run `make deps` (Debian's spirv-tools)")
        return try SPIRVValidator.validate(bytes)
    }

    @Test func aComputeShaderPassesTheValidator() throws {
        let module = Self.leakyReLU()
        #expect(module.words[0] == 0x0723_0203 && module.words[1] == SPIRVModule.version)
        #expect(module.bytes.count == module.words.count * 4)
        if let keep = ProcessInfo.processInfo.environment["KILN_KEEP_SPIRV"] { try Data(module.bytes).write(to: URL(fileURLWithPath: keep)) }
        let (passed, output) = try validate(module.bytes)
        #expect(passed, "spirv-val: \(output)")
    }

    @Test func aBrokenModuleFailsTheValidator() throws {
        var words = Self.leakyReLU().words
        // Drop OpFunctionEnd (opcode 56, one word): the function never ends.
        let end = try #require(words.lastIndex(of: 1 << 16 | 56))
        words.remove(at: end)
        let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let (passed, _) = try validate(bytes)
        #expect(!passed)
    }

    /// The shader, run by a Vulkan driver (lavapipe on these machines):
    /// the values it writes are exactly the CPU's.
    @Test func theShaderRunsOnTheDevice() throws {
        let x = (0..<1000).map { Float($0 % 97) / 12 - 4 }
        let (status, reason, y, name) = Self.runLeakyReLU(x)
        try #require(status == 0, "Vulkan: \(reason)")
        #expect(y == x.map { max($0, 0) + 0.125 * min($0, 0) })
        #expect(!name.isEmpty)
    }

    /// More push constants than the device takes is an error naming the
    /// limit, before anything reaches the driver.
    @Test func pushConstantsPastTheDeviceLimitAreAClearError() {
        let (status, reason, _, _) = Self.runLeakyReLU([1, 2, 3], pushBytes: 1 << 16)
        #expect(status != 0)
        #expect(reason.contains("bytes of push constants") && reason.contains("got 65536 bytes"), "\(reason)")
    }

    /// kiln_vulkan_run_once of leakyReLU over `x`, with `pushBytes` of push
    /// constants (the first word the element count): status, error, output, device.
    static func runLeakyReLU(_ x: [Float], pushBytes: Int = 4) -> (Int32, String, [Float], String) {
        var x = x
        let count = x.count
        var y = [Float](repeating: .nan, count: count)
        var pushed = [UInt32](repeating: 0, count: max(1, pushBytes / 4))
        pushed[0] = UInt32(count)
        let code = leakyReLU().words
        var error = [CChar](repeating: 0, count: 512)
        var device = [CChar](repeating: 0, count: 256)
        let status = x.withUnsafeMutableBytes { input in
            y.withUnsafeMutableBytes { output in
                code.withUnsafeBufferPointer { words in
                    var buffers: [UnsafeMutableRawPointer?] = [input.baseAddress, output.baseAddress]
                    let sizes = [UInt64(input.count), UInt64(output.count)]
                    return kiln_vulkan_run_once(
                        words.baseAddress, words.count * 4, &buffers, sizes, 2, &pushed, UInt32(pushBytes),
                        UInt32((count + 63) / 64), &device, &error, error.count)
                }
            }
        }
        func text(_ chars: [CChar]) -> String { String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return (status, text(error), y, text(device))
    }

    @Test func typesAndConstantsAreMadeOnce() {
        var m = SPIRVModule()
        #expect(m.floatType() == m.floatType())
        #expect(m.constant(Float(1)) == m.constant(Float(1)))
        #expect(m.constant(UInt32(1)) != m.constant(Int32(1)))
        #expect(SPIRVModule.literal("main") == [0x6E69_616D, 0])
    }
}
