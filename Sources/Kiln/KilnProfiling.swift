// What a profiling instance recorded: per-kernel times of its last calls, as
// a summary and as a Chrome trace (the JSON Perfetto and chrome://tracing open).
// Reading the record allocates; recording it (in `run()`) does not.

extension KilnModel {
    /// One kernel's times over the recorded calls.
    public struct KernelTiming: Sendable, Equatable {
        /// "<node> (<op>)", as ``kernelName(_:)`` gives it.
        public var name: String
        /// Calls it was timed in.
        public var calls: Int
        public var medianMilliseconds: Double
        public var totalMilliseconds: Double
        /// Tiles of the kernel (workgroups on Vulkan), and workers that share
        /// them in this instance (1 on Vulkan).
        public var tiles: Int
        public var workers: Int
    }

    /// Whether calls record per-kernel times (`profiling: true` or `KILN_PROFILE=1` at load).
    public var isProfiling: Bool { profileStamps != nil }

    /// The calls whose stamps are in the ring, oldest first: (call number, row).
    private func recordedRows() -> [(call: Int, stamps: UnsafeMutablePointer<UInt64>)] {
        guard let profileStamps else { return [] }
        let first = Swift.max(0, recordedCalls - profiledCallCapacity)
        return (first..<recordedCalls).map { call in (call, profileStamps + (call % profiledCallCapacity) * profileWidth) }
    }

    /// The kernels the ring's rows time: the Vulkan build's dispatches
    /// while calls run there, else the CPU build's kernels.
    private var profiledKernels: (count: Int, name: (Int) -> String, shape: (Int) -> (tiles: Int, workers: Int)) {
        if activeDevice == .vulkan, let vulkan {
            return (vulkan.dispatchCount, vulkan.dispatchName, { (vulkan.workgroups($0), 1) })
        }
        return (kernelCount, kernelName, dispatchShape)
    }

    /// Per kernel, in dispatch order, over the recorded calls (the last
    /// `profiledCalls`): empty when not profiling, before the first call,
    /// and on a Vulkan device whose queue writes no timestamps.
    public func kernelProfile() -> [KernelTiming] {
        let rows = recordedRows()
        guard !rows.isEmpty else { return [] }
        let kernels = profiledKernels
        return (0..<kernels.count).map { kernel in
            let times = rows.map { Double($0.stamps[kernel + 1] &- $0.stamps[kernel]) * 1e-6 }.sorted()
            let shape = kernels.shape(kernel)
            return KernelTiming(
                name: kernels.name(kernel), calls: times.count, medianMilliseconds: times[times.count / 2],
                totalMilliseconds: times.reduce(0, +), tiles: shape.tiles, workers: shape.workers)
        }
    }

    /// The recorded calls as a Chrome trace: one slice per call and one per
    /// kernel inside it (name, tiles, workers), times in microseconds from
    /// the first recorded call. Write it to a `.json` file and open it in
    /// https://ui.perfetto.dev or chrome://tracing.
    public func chromeTrace() -> String {
        let rows = recordedRows()
        let origin = rows.first?.stamps[0] ?? 0
        let timeline = vulkanDevice.map { "Vulkan device \($0.name)" } ?? "run() caller"
        func microseconds(_ stamp: UInt64) -> String {
            let nanoseconds = stamp &- origin
            let fraction = String(nanoseconds % 1000)
            return "\(nanoseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        var events = [
            ##"{"name":"process_name","ph":"M","pid":1,"tid":1,"args":{"name":""## + Self.jsonEscaped(modelName)
                + ##""}}"##,
            ##"{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":""## + Self.jsonEscaped(timeline) + ##""}}"##,
        ]
        let kernels = profiledKernels
        let kernelCount = kernels.count
        let shapes = (0..<kernelCount).map(kernels.shape)
        let names = (0..<kernelCount).map { Self.jsonEscaped(kernels.name($0)) }
        for (call, stamps) in rows {
            events.append(
                #"{"name":"run #\#(call)","cat":"call","ph":"X","pid":1,"tid":1,"ts":\#(microseconds(stamps[0])),"#
                    + #""dur":\#(microseconds(origin &+ (stamps[kernelCount] &- stamps[0])))}"#)
            for kernel in 0..<kernelCount {
                let duration = microseconds(origin &+ (stamps[kernel + 1] &- stamps[kernel]))
                events.append(
                    #"{"name":"\#(names[kernel])","cat":"kernel","ph":"X","pid":1,"tid":1,"#
                        + #""ts":\#(microseconds(stamps[kernel])),"dur":\#(duration),"#
                        + #""args":{"call":\#(call),"tiles":\#(shapes[kernel].tiles),"workers":\#(shapes[kernel].workers)}}"#)
            }
        }
        return #"{"displayTimeUnit":"ns","traceEvents":["# + "\n" + events.joined(separator: ",\n") + "\n]}\n"
    }

    /// `text` inside a JSON string literal: quotes, backslashes and control
    /// characters escaped (kernel names come from the model file).
    static func jsonEscaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
