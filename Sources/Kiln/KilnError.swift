// Errors the runtime reports when loading or feeding a compiled model.

/// A problem loading or calling a compiled model.
public enum KilnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model was compiled for another runtime ABI; rebuild it with this Kiln.
    case abiMismatch(model: String, compiled: UInt32, runtime: UInt32)
    /// The descriptor does not match what the generated API expects.
    case signatureMismatch(model: String, detail: String)
    /// The model holds code this runtime cannot run (e.g. a newer executable format).
    case unsupportedExecutable(model: String, detail: String)
    /// No CPU build of the model runs on this machine, or the requested one does not.
    case unsupportedCPU(model: String, detail: String)
    /// A tensor was given the wrong number of elements.
    case shapeMismatch(tensor: String, expectedShape: [Int], givenCount: Int)
    /// A count for a tensor a bounded dim sizes that is no whole number of items.
    case itemCountMismatch(tensor: String, dim: String, elementsPerItem: Int, bound: Int, givenCount: Int)
    /// An extent outside 1 ... the bound of a bounded dim.
    case extentOutOfBounds(model: String, dim: String, bound: Int, given: Int)
    /// A state snapshot does not fit this model.
    case stateMismatch(model: String, detail: String)
    /// Vulkan cannot be used on this machine, and why.
    case vulkanUnavailable(reason: String)
    /// A pipelined call cannot be submitted or collected (see ``KilnModel/submit()``).
    case pipelining(model: String, detail: String)

    public var description: String {
        switch self {
        case .abiMismatch(let model, let compiled, let runtime):
            "\(model) was compiled for Kiln runtime ABI \(compiled), but this runtime speaks ABI \(runtime); "
                + "rebuild the model with the same Kiln version"
        case .signatureMismatch(let model, let detail):
            "\(model): the compiled model does not match its generated Swift API (\(detail)); "
                + "clean the build folder and rebuild"
        case .unsupportedExecutable(let model, let detail):
            "\(model) holds code this Kiln runtime cannot run (\(detail)); rebuild it with the same Kiln version"
        case .unsupportedCPU(let model, let detail):
            "\(model) cannot run on this CPU: \(detail)"
        case .shapeMismatch(let tensor, let shape, let count):
            "tensor '\(tensor)' expects shape \(shape) (\(shape.reduce(1, *)) elements), but \(count) were given"
        case .itemCountMismatch(let tensor, let dim, let perItem, let bound, let count):
            "tensor '\(tensor)' takes 1 to \(bound) items along '\(dim)' of \(perItem) elements each, "
                + "but \(count) elements were given"
        case .extentOutOfBounds(let model, let dim, let bound, let given):
            "\(model): dim '\(dim)' was given extent \(given), but it was compiled for 1 to \(bound) "
                + "(raise \"max\" in the model's config to allow more)"
        case .stateMismatch(let model, let detail):
            "\(model): cannot restore this state: \(detail)"
        case .vulkanUnavailable(let reason):
            "Vulkan is not available: \(reason)"
        case .pipelining(let model, let detail):
            "\(model): cannot pipeline this call: \(detail)"
        }
    }
}
