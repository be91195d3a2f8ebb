// Loads a compiled model from its descriptor and runs it: one arena allocated
// at load, kernels called inline on the caller's thread, nothing allocated
// or looked up by name per call.

import CKiln

/// A compiled model ready to run. Generated model classes wrap one of these;
/// it can also be used directly with any descriptor `kilnc` produced.
///
/// Inputs and outputs live in the arena at fixed offsets: write inputs
/// through ``input(_:)``, call ``run()``, read results through ``output(_:)``.
/// Not thread-safe: use one instance per thread.
public final class KilnModel {
    /// The source model file name recorded at compile time.
    public let modelName: String
    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    /// Bytes of preallocated scratch, input and output memory.
    public let arenaSize: Int
    /// Bytes of embedded weights.
    public let weightsSize: Int

    private let arena: UnsafeMutableRawPointer
    private let kernels: UnsafePointer<KilnKernelDescriptor>?
    private let kernelTableCount: Int

    /// Loads the model described by `descriptor` (a `KilnModelDescriptor`).
    ///
    /// - Parameter descriptor: the pointer returned by a generated `kiln_<model>_model()`.
    /// - Throws: ``KilnError/abiMismatch(model:compiled:runtime:)`` when the
    ///   model was compiled for another runtime version.
    public init(descriptor: UnsafeRawPointer) throws(KilnError) {
        let model = descriptor.assumingMemoryBound(to: KilnModelDescriptor.self).pointee
        let name = model.modelName.map { String(cString: $0) } ?? "model"
        let runtimeVersion = kiln_runtime_abi_version()
        guard model.abiVersion == runtimeVersion else {
            throw .abiMismatch(model: name, compiled: model.abiVersion, runtime: runtimeVersion)
        }
        func tensors(_ table: UnsafePointer<KilnTensorDescriptor>?, _ count: UInt32) -> [TensorInfo] {
            guard let table else { return [] }
            return (0..<Int(count)).map { index in
                let tensor = table[index]
                let dims = tensor.shape
                let shape = (0..<Int(tensor.rank)).map { axis in dims.map { Int($0[axis]) } ?? 0 }
                return TensorInfo(
                    name: tensor.name.map { String(cString: $0) } ?? "#\(index)", shape: shape,
                    elementCount: shape.reduce(1, *), offset: Int(tensor.offset))
            }
        }
        modelName = name
        inputs = tensors(model.inputs, model.inputCount)
        outputs = tensors(model.outputs, model.outputCount)
        arenaSize = Int(model.arenaSize)
        weightsSize = Int(model.weightsSize)
        kernels = model.kernels
        kernelTableCount = Int(model.kernelCount)
        arena = UnsafeMutableRawPointer.allocate(
            byteCount: max(arenaSize, 1), alignment: max(Int(model.arenaAlignment), 64))
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(arenaSize, 1))
    }

    deinit { arena.deallocate() }

    /// Checks that the compiled model has the inputs and outputs the caller
    /// was generated for; generated classes call this once at load.
    public func verifySignature(inputs expectedInputs: [[Int]], outputs expectedOutputs: [[Int]]) throws(KilnError) {
        let actualInputs = inputs.map(\.shape)
        let actualOutputs = outputs.map(\.shape)
        guard actualInputs == expectedInputs, actualOutputs == expectedOutputs else {
            throw .signatureMismatch(
                model: modelName,
                detail: "expected inputs \(expectedInputs) and outputs \(expectedOutputs), "
                    + "found inputs \(actualInputs) and outputs \(actualOutputs)")
        }
    }

    /// The arena memory of input `index`, to fill before ``run()``.
    public func input(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        let tensor = inputs[index]
        return UnsafeMutableBufferPointer(
            start: (arena + tensor.offset).assumingMemoryBound(to: Float.self), count: tensor.elementCount)
    }

    /// The arena memory of output `index`, valid after ``run()`` until the next call.
    public func output(_ index: Int) -> UnsafeBufferPointer<Float> {
        let tensor = outputs[index]
        return UnsafeBufferPointer(
            start: UnsafePointer((arena + tensor.offset).assumingMemoryBound(to: Float.self)),
            count: tensor.elementCount)
    }

    /// Copies `values` into input `index`, checking the element count.
    public func setInput<C: Collection>(_ index: Int, _ values: C) throws(KilnError) where C.Element == Float {
        let buffer = input(index)
        guard values.count == buffer.count else {
            throw .shapeMismatch(
                tensor: inputs[index].name, expectedShape: inputs[index].shape, givenCount: values.count)
        }
        _ = buffer.update(fromContentsOf: values)
    }

    /// Number of kernels in the compiled model (for profiling tools).
    public var kernelCount: Int { kernelTableCount }

    /// The name of kernel `index`: "<node> (<op>)".
    public func kernelName(_ index: Int) -> String {
        guard let kernels, let name = kernels[index].name else { return "#\(index)" }
        return String(cString: name)
    }

    /// Runs kernel `index` alone (all its tiles): ``run()`` is these in order.
    /// For profiling; inputs of the kernel must have been computed already.
    public func runKernel(_ index: Int) {
        guard let kernels else { return }
        let kernel = kernels[index]
        kernel.function?(arena.assumingMemoryBound(to: UInt8.self), 0, kernel.tileCount)
    }

    /// Runs every kernel in order on the calling thread.
    public func run() {
        guard let kernels else { return }
        let bytes = arena.assumingMemoryBound(to: UInt8.self)
        for index in 0..<kernelTableCount {
            let kernel = kernels[index]
            kernel.function?(bytes, 0, kernel.tileCount)
        }
    }
}
