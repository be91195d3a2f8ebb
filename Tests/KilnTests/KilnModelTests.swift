// The runtime's own checks, on hand-built descriptors: ABI version, tensor
// tables, shape errors, kernel order and tiles.

import CKiln
import Glibc
import Testing

@testable import Kiln

/// Records every kernel call so tests can check order and tile ranges.
nonisolated(unsafe) var kernelCalls: [(kernel: Int, begin: UInt32, end: UInt32)] = []

/// A descriptor built in Swift memory, kept alive for the test.
final class FakeModel {
    let shape: UnsafeMutablePointer<Int64>
    let name = strdup("x")!
    let outputName = strdup("y")!
    let modelName = strdup("fake.onnx")!
    let tensors: UnsafeMutablePointer<KilnTensorDescriptor>
    let kernels: UnsafeMutablePointer<KilnKernelDescriptor>
    let descriptor: UnsafeMutablePointer<KilnModelDescriptor>

    init(abiVersion: UInt32 = kiln_runtime_abi_version()) {
        shape = .allocate(capacity: 2)
        shape[0] = 2
        shape[1] = 3
        tensors = .allocate(capacity: 2)
        tensors[0] = KilnTensorDescriptor(name: name, shape: shape, offset: 0, byteCount: 24, dtype: 1, rank: 2)
        tensors[1] = KilnTensorDescriptor(name: outputName, shape: shape, offset: 64, byteCount: 24, dtype: 1, rank: 2)
        kernels = .allocate(capacity: 2)
        // Kernel 0 doubles x into y; kernel 1 adds 1 to y. Each records its calls.
        kernels[0] = KilnKernelDescriptor(
            name: nil,
            function: { arena, begin, end in
                kernelCalls.append((0, begin, end))
                let x = UnsafeMutableRawPointer(arena!).assumingMemoryBound(to: Float.self)
                let y = UnsafeMutableRawPointer(arena! + 64).assumingMemoryBound(to: Float.self)
                for i in Int(begin)..<Int(end) { y[i] = 2 * x[i] }
            }, tileCount: 6, reserved: 0)
        kernels[1] = KilnKernelDescriptor(
            name: nil,
            function: { arena, begin, end in
                kernelCalls.append((1, begin, end))
                let y = UnsafeMutableRawPointer(arena! + 64).assumingMemoryBound(to: Float.self)
                for i in 0..<6 { y[i] += 1 }
            }, tileCount: 1, reserved: 0)
        descriptor = .allocate(capacity: 1)
        descriptor.pointee = KilnModelDescriptor(
            abiVersion: abiVersion, inputCount: 1, outputCount: 1, kernelCount: 2, arenaSize: 128, arenaAlignment: 64,
            weightsSize: 0, weightsDigest: 0, modelName: modelName, inputs: tensors, outputs: tensors + 1,
            kernels: kernels)
    }

    deinit {
        shape.deallocate()
        tensors.deallocate()
        kernels.deallocate()
        descriptor.deallocate()
        free(name)
        free(outputName)
        free(modelName)
    }
}

@Suite(.serialized) struct KilnModelTests {
    @Test func loadsTablesAndRunsKernelsInOrderOverAllTiles() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        #expect(model.modelName == "fake.onnx")
        #expect(model.inputs.map(\.name) == ["x"])
        #expect(model.outputs[0].shape == [2, 3])
        #expect(model.arenaSize == 128)
        kernelCalls = []
        try model.setInput(0, [1, 2, 3, 4, 5, 6])
        model.run()
        #expect(kernelCalls.map(\.kernel) == [0, 1])
        #expect(kernelCalls[0].begin == 0 && kernelCalls[0].end == 6)
        #expect(Array(model.output(0)) == [3, 5, 7, 9, 11, 13])
    }

    @Test func arenaIsAlignedAndZeroed() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        let address = UInt(bitPattern: model.input(0).baseAddress)
        #expect(address % 64 == 0)
        #expect(Array(model.output(0)) == [0, 0, 0, 0, 0, 0])
    }

    @Test func rejectsAnotherABIVersion() {
        let fake = FakeModel(abiVersion: 999)
        #expect(throws: KilnError.abiMismatch(model: "fake.onnx", compiled: 999, runtime: kiln_runtime_abi_version())) {
            _ = try KilnModel(descriptor: fake.descriptor)
        }
    }

    @Test func wrongElementCountNamesTensorShapeAndCount() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        do {
            try model.setInput(0, [1, 2, 3])
            Issue.record("a wrong count must throw")
        } catch {
            #expect(error == .shapeMismatch(tensor: "x", expectedShape: [2, 3], givenCount: 3))
            #expect(error.description == "tensor 'x' expects shape [2, 3] (6 elements), but 3 were given")
        }
    }

    @Test func signatureMismatchIsReported() throws {
        let fake = FakeModel()
        let model = try KilnModel(descriptor: fake.descriptor)
        #expect(throws: Never.self) { try model.verifySignature(inputs: [[2, 3]], outputs: [[2, 3]]) }
        #expect(throws: KilnError.self) { try model.verifySignature(inputs: [[6]], outputs: [[2, 3]]) }
    }
}
