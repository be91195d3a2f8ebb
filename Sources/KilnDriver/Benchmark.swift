// Times repeated calls of a loaded model: medians and percentiles, since these
// machines are noisy.

import Kiln
import KilnCompiler

#if canImport(Glibc)
    import Glibc
#endif

/// Latency statistics of one model.
public struct BenchmarkResult: Sendable, Codable {
    public var model: String
    public var device: String
    public var threads: Int
    /// The CPU build that ran (``KilnModel/cpuVariant``).
    public var cpu_variant: String
    public var runs: Int
    public var median_ms: Double
    public var p10_ms: Double
    public var p90_ms: Double
    /// Median time to create a model instance (arena, tables, worker pool)
    /// from the loaded descriptor, when measured.
    public var create_ms: Double?
    /// The extent of the model's bounded dim the calls ran at (nil: none is bounded).
    public var extent: Int?
}

public enum Benchmark {
    /// Fills every input with deterministic values in its own element type
    /// (small ones, so integer inputs stay valid as indices).
    public static func fillInputs(_ runtime: KilnModel) throws {
        for (index, info) in runtime.inputs.enumerated() {
            // At the current extent of a bounded dim (which setting the input keeps).
            let shape = runtime.inputShape(index)
            let values = (0..<shape.reduce(1, *)).map { Double(($0 * 7919) % 1000) / 1000 - 0.5 }
            let dtype = DType(rawValue: Int(info.dtype?.rawValue ?? 1)) ?? .float32
            try runtime.setInput(index, from: TensorData(dtype: dtype, shape: shape, converting: values))
        }
    }

    /// Runs `warmup` untimed calls, then times `runs` calls one by one.
    public static func measure(_ model: KilnModel, name: String, runs: Int, warmup: Int) -> BenchmarkResult {
        for _ in 0..<warmup { model.run() }
        var samples: [Double] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = now()
            model.run()
            samples.append((now() - start) * 1e3)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double {
            guard !samples.isEmpty else { return 0 }
            return samples[min(samples.count - 1, Int((Double(samples.count - 1) * p).rounded()))]
        }
        return BenchmarkResult(
            model: name, device: model.vulkanDevice.map { "vulkan (\($0.name))" } ?? "cpu", threads: model.threadCount, cpu_variant: model.cpuVariant, runs: runs, median_ms: percentile(0.5),
            p10_ms: percentile(0.1),
            p90_ms: percentile(0.9), extent: model.boundedDims.isEmpty ? nil : model.extent())
    }

    /// Median time of `count` instance creations from a loaded descriptor,
    /// each instance released before the next is made (as an app that
    /// creates one model per screen would).
    public static func creationTime(
        descriptor: UnsafeRawPointer, threads: KilnThreads, device: KilnDevice = .cpu, count: Int = 20
    ) throws -> Double {
        var samples: [Double] = []
        // A Vulkan executor compiles every pipeline: a few instances tell enough.
        for _ in 0..<(device == .cpu ? count : Swift.min(count, 3)) {
            let start = now()
            let model = try KilnModel(descriptor: descriptor, threads: threads, device: device)
            samples.append((now() - start) * 1e3)
            withExtendedLifetime(model) {}
        }
        return samples.sorted()[samples.count / 2]
    }

    /// Median time per kernel over `runs` calls, in kernel order.
    public static func profile(_ model: KilnModel, runs: Int, warmup: Int) -> [(name: String, median_ms: Double)] {
        for _ in 0..<warmup { model.run() }
        var samples = [[Double]](repeating: [], count: model.kernelCount)
        for _ in 0..<runs {
            for kernel in 0..<model.kernelCount {
                let start = now()
                model.runKernel(kernel)
                samples[kernel].append((now() - start) * 1e3)
            }
        }
        return samples.enumerated().map { kernel, times in
            (model.kernelName(kernel), times.sorted()[times.count / 2])
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
