// How a model runs its kernels: on the calling thread alone, or on a pool of
// workers created at load. The IREE runtime's advice made a parameter: a
// latency-critical caller on a busy machine runs inline; one that owns
// several cores lets the model use them.

/// Where a model's kernels run.
public enum KilnThreads: Sendable, Equatable {
    /// On the calling thread only; no worker is created. (Loading a
    /// model onto a Vulkan device compiles its pipelines on a thread per
    /// core, all joined before the initialiser returns.)
    case inline
    /// On the calling thread plus `n − 1` workers started at load. Each
    /// kernel's tiles are split statically (results are bit-identical to
    /// `.inline`), and kernels too small to gain run on the caller alone.
    /// Values below 2 mean `.inline`.
    case workers(Int)

    /// The number of threads that run kernels, the caller included.
    public var count: Int {
        switch self {
        case .inline: 1
        case .workers(let n): Swift.max(n, 1)
        }
    }
}
