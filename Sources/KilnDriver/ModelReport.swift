// `kilnc report`: one self-contained HTML page about a compiled model, with
// no external files, fonts or scripts: the fused graph as SVG, the memory
// plan as a timeline, the sizes that matter, and per-kernel times from a
// profiling run (on a Vulkan device, its dispatches' times by the device's
// timestamps). Everything taken from the model (names, op types) is
// escaped, since a model file is untrusted.

import Foundation
@_spi(Tools) import Kiln
import KilnCompiler

/// What a report shows, gathered from the compiler and a profiling run.
public struct ModelReport {
    public var model: PreparedModel
    public var plan: MemoryPlan
    /// The profiled kernels, in dispatch order.
    public var kernels: [KilnModel.KernelTiming]
    /// Calls the times are medians over.
    public var calls: Int
    public var cpuVariant: String
    public var threads: Int
    /// Bytes of embedded weights (prepacked, as the binary holds them).
    public var weightsBytes: Int
    /// The Vulkan device the kernels were timed on (they are its dispatches
    /// then, with workgroups for tiles), or nil for the CPU.
    public var vulkanDevice: KilnVulkan.Device?
    /// Why a run asked to use Vulkan was timed on the CPU, if it was.
    public var fallbackReason: String?
    /// On Vulkan, the bytes of the device's arena and of the blob it binds.
    public var deviceMemory: (arena: Int, weights: Int)?

    public init(
        model: PreparedModel, plan: MemoryPlan, kernels: [KilnModel.KernelTiming], calls: Int, cpuVariant: String,
        threads: Int, weightsBytes: Int, vulkanDevice: KilnVulkan.Device? = nil, fallbackReason: String? = nil,
        deviceMemory: (arena: Int, weights: Int)? = nil
    ) {
        self.model = model
        self.plan = plan
        self.kernels = kernels
        self.calls = calls
        self.cpuVariant = cpuVariant
        self.threads = threads
        self.weightsBytes = weightsBytes
        self.vulkanDevice = vulkanDevice
        self.fallbackReason = fallbackReason
        self.deviceMemory = deviceMemory
    }

    /// Compiles `prepared` for `target`, profiles `calls` calls on
    /// deterministic inputs on `device` and gathers the report. (`.vulkan`
    /// and `.automatic` need a Vulkan build: a config whose backends list vulkan.)
    public static func profile(
        _ prepared: PreparedModel, target: TargetSelection, threads: KilnThreads, calls: Int, device: KilnDevice = .cpu
    ) throws -> ModelReport {
        // Loaded for its code only: the profiled instance is the one that opens the device.
        let loaded = try LoadedModel(prepared: prepared, targets: [target], threads: .inline)
        return try withExtendedLifetime(loaded) {
            let profiled = try KilnModel(
                descriptor: loaded.descriptor, expectedName: prepared.fileName, threads: threads,
                profiling: true, profiledCalls: calls, device: device)
            try Benchmark.fillInputs(profiled)
            for _ in 0..<(calls + min(calls, 10)) { profiled.run() }
            return ModelReport(
                model: prepared, plan: Compiler.schedule(prepared, target: target).plan,
                kernels: profiled.kernelProfile(), calls: calls, cpuVariant: profiled.cpuVariant,
                threads: profiled.threadCount, weightsBytes: profiled.weightsSize, vulkanDevice: profiled.vulkanDevice,
                fallbackReason: profiled.fallbackReason, deviceMemory: profiled.vulkanMemory)
        }
    }

    /// The page.
    public var html: String {
        let graph = model.graph
        let title = "Kiln report: \(model.fileName)"
        let total = kernels.map(\.medianMilliseconds).reduce(0, +)
        // Fewer than asked where the device failed during the run and the CPU took over.
        let timedCalls = kernels.map(\.calls).max() ?? 0
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Self.escaped(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; }
            h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
            table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .bar { background: #4a7bd0; height: 10px; }
            svg text { font: 11px system-ui, sans-serif; }
            .scroll { overflow: auto; max-height: 900px; border: 1px solid #ddd; }
            </style></head><body>
            <h1>\(Self.escaped(title))</h1>
            <p id="status">not rendered</p>

            """
        page += "<h2>Summary</h2><table>\n"
        var arena = Self.bytes(plan.arenaSize) + (plan.stateBytes > 0 ? " (state \(Self.bytes(plan.stateBytes)))" : "")
        var weights = Self.bytes(weightsBytes)
        var scratch = Self.bytes(plan.workerScratchBytes) + " per thread"
        if let deviceMemory {
            scratch += " (CPU build)"
            arena += "; on the device \(Self.bytes(deviceMemory.arena)), the shaders' scratch after the plan below"
            weights += " in the binary (both builds); the device binds \(Self.bytes(deviceMemory.weights)): "
            weights += "its constants and SPIR-V"
        }
        let rows: [(String, String)] = [
            ("inputs", graph.apiInputs.map { "\(graph[$0].name): \(graph.type(of: $0))" }.joined(separator: ", ")),
            ("outputs", graph.apiOutputs.map { "\(graph[$0].name): \(graph.type(of: $0))" }.joined(separator: ", ")),
            ("state", graph.state.isEmpty ? "none" : graph.state.map { pair in
                "\(graph[graph.inputs[pair.input]].name) ← \(graph[graph.outputs[pair.output]].name)"
            }.joined(separator: ", ")),
            ("nodes after fusion", "\(graph.nodes.count)"),
            ("device", vulkanDevice.map { "Vulkan: \($0)" } ?? "CPU" + (fallbackReason.map { " (\($0))" } ?? "")),
            (vulkanDevice == nil ? "kernels" : "dispatches", "\(kernels.count)"),
            ("arena", arena),
            ("worker scratch", scratch),
            ("weights", weights),
            ("CPU build", cpuVariant + (vulkanDevice == nil ? "" : " (what the CPU runs if the device fails)")),
            ("threads", vulkanDevice == nil ? "\(threads)" : "1 (the caller submits; the device runs the dispatches)"),
            kernels.isEmpty && vulkanDevice != nil
                ? ("time per call", "no per-dispatch times: the device writes no timestamps")
                : ("time per call", String(format: "%.3f ms (sum of kernel medians over %d calls)", total, timedCalls)),
        ]
        for (name, value) in rows { page += "<tr><th>\(name)</th><td>\(Self.escaped(value))</td></tr>\n" }
        page += "</table>\n"

        let (unit, parts) = vulkanDevice == nil ? ("kernel", "tiles") : ("dispatch (device time)", "workgroups")
        page += "<h2>Kernels</h2>\n<table id=\"kernels\"><tr><th>\(unit)</th><th>median</th><th>share</th><th></th>"
        page += "<th>\(parts)</th><th>workers</th></tr>\n"
        for kernel in kernels.sorted(by: { $0.medianMilliseconds > $1.medianMilliseconds }) {
            let share = total > 0 ? kernel.medianMilliseconds / total : 0
            let median =
                kernel.medianMilliseconds < 0.1
                ? String(format: "%.2f µs", kernel.medianMilliseconds * 1000) : String(format: "%.3f ms", kernel.medianMilliseconds)
            page += "<tr><td>\(Self.escaped(kernel.name))</td><td class=\"n\">\(median)</td>"
            page += "<td class=\"n\">\(String(format: "%.1f %%", share * 100))</td>"
            page += "<td><div class=\"bar\" style=\"width: \(Int((share * 300).rounded()))px\"></div></td>"
            let workers = vulkanDevice == nil ? "\(kernel.workers)" : "–"
            page += "<td class=\"n\">\(kernel.tiles)</td><td class=\"n\">\(workers)</td></tr>\n"
        }
        page += "</table>\n"
        page += "<h2>Memory plan</h2>\n<p>Each buffer of the arena from the node that writes it to the last that reads it "
        page += "(inputs and outputs live through the whole call; state stays between calls). Hover for names."
        if vulkanDevice != nil { page += " The Vulkan build lays out the arena the same way." }
        page += "</p>\n"
        page += "<div class=\"scroll\">\(memoryTimeline())</div>\n"
        page += "<h2>Fused graph</h2>\n<p>Nodes as compiled (after lowering and fusion), in rows by depth; hover for shapes.</p>\n"
        page += "<div class=\"scroll\">\(graphSVG())</div>\n"
        page += """
            <script>
            const nodes = document.querySelectorAll('#graph g.node').length;
            const buffers = document.querySelectorAll('#memory rect.buffer').length;
            const kernels = document.querySelectorAll('#kernels tr').length - 1;
            document.getElementById('status').textContent =
              `rendered: ${nodes} nodes, ${buffers} buffers, ${kernels} kernels`;
            </script>
            </body></html>

            """
        return page
    }

    /// The arena over time: x is the node index, y the byte offset.
    func memoryTimeline() -> String {
        let graph = model.graph
        let steps = graph.nodes.count
        var first: [ValueID: Int] = [:]
        var last: [ValueID: Int] = [:]
        for input in graph.inputs { (first[input], last[input]) = (-1, steps) }
        for (time, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs where graph[input].constant == nil { last[input] = max(last[input] ?? time, time) }
            for output in node.outputs where first[output] == nil {
                first[output] = time
                last[output] = max(last[output] ?? time, time)
            }
        }
        for output in graph.outputs { last[output] = steps }
        let views = Set(graph.nodes.filter { $0.core == .view }.flatMap(\.outputs))
        let width = 900.0
        let height = 320.0
        let column = width / Double(steps + 1)
        let scale = height / Double(max(plan.arenaSize, 1))
        var svg = "<svg id=\"memory\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width) + 90)\" height=\"\(Int(height) + 40)\">\n"
        svg += "<text x=\"4\" y=\"14\">offset 0</text><text x=\"4\" y=\"\(Int(height) + 30)\">\(Self.bytes(plan.arenaSize))</text>\n"
        let stateInputs = Set(graph.state.map { graph.inputs[$0.input] })
        for (id, offset) in plan.offsets.sorted(by: { $0.key < $1.key }) where !views.contains(id) {
            guard let start = first[id], let end = last[id] else { continue }
            let bytes = graph.type(of: id).byteCount
            let x = 80 + Double(start + 1) * column
            let y = 20 + Double(offset) * scale
            let color = stateInputs.contains(id) ? "#d08a4a" : graph.inputs.contains(id) || graph.outputs.contains(id) ? "#5aa469" : "#4a7bd0"
            svg += "<rect class=\"buffer\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(Double(end - start + 1) * column - 1, 1)))\" "
            svg += "height=\"\(Self.number(max(Double(bytes) * scale, 1)))\" fill=\"\(color)\" fill-opacity=\"0.7\" stroke=\"#1d1d1f\" stroke-width=\"0.3\">"
            svg += "<title>\(Self.escaped("\(graph[id].name): \(graph.type(of: id)), \(Self.bytes(bytes)) at \(offset)"))</title></rect>\n"
        }
        for (node, offset) in plan.scratchOffsets.sorted(by: { $0.key < $1.key }) {
            let bytes = plan.scratchSizes[node] ?? 0
            let x = 80 + Double(node + 1) * column
            svg += "<rect class=\"buffer\" x=\"\(Self.number(x))\" y=\"\(Self.number(20 + Double(offset) * scale))\" "
            svg += "width=\"\(Self.number(max(column - 1, 1)))\" height=\"\(Self.number(max(Double(bytes) * scale, 1)))\" "
            svg += "fill=\"#999\" fill-opacity=\"0.6\"><title>\(Self.escaped("scratch of \(graph.nodes[node].name): \(Self.bytes(bytes)) at \(offset)"))</title></rect>\n"
        }
        svg += "</svg>"
        return svg
    }

    /// Nodes in rows by depth (longest path from the inputs), edges from producer to consumer.
    func graphSVG() -> String {
        let graph = model.graph
        var depth: [ValueID: Int] = [:]
        var producer: [ValueID: Int] = [:]
        var rows: [[Int]] = []
        for (index, node) in graph.nodes.enumerated() {
            let level = (node.inputs.compactMap { $0 }.compactMap { depth[$0] }.max() ?? -1) + 1
            for output in node.outputs {
                depth[output] = level
                producer[output] = index
            }
            while rows.count <= level { rows.append([]) }
            rows[level].append(index)
        }
        let (boxWidth, boxHeight, gapX, gapY) = (190.0, 34.0, 20.0, 26.0)
        var position: [Int: (x: Double, y: Double)] = [:]
        for (level, row) in rows.enumerated() {
            for (column, index) in row.enumerated() {
                position[index] = (10 + Double(column) * (boxWidth + gapX), 10 + Double(level) * (boxHeight + gapY))
            }
        }
        let width = 20 + Double(rows.map(\.count).max() ?? 1) * (boxWidth + gapX)
        let height = 20 + Double(rows.count) * (boxHeight + gapY)
        var svg = "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        for (index, node) in graph.nodes.enumerated() {
            guard let to = position[index] else { continue }
            for case let input? in node.inputs {
                guard let source = producer[input], let from = position[source] else { continue }
                let (x1, y1) = (from.x + boxWidth / 2, from.y + boxHeight)
                let (x2, y2) = (to.x + boxWidth / 2, to.y)
                svg += "<path d=\"M\(Self.number(x1)),\(Self.number(y1)) C\(Self.number(x1)),\(Self.number(y1 + gapY)) "
                svg += "\(Self.number(x2)),\(Self.number(y2 - gapY)) \(Self.number(x2)),\(Self.number(y2))\" fill=\"none\" stroke=\"#888\"/>\n"
            }
        }
        let outputs = Set(graph.outputs)
        for (index, node) in graph.nodes.enumerated() {
            guard let at = position[index] else { continue }
            let shapes = node.outputs.map { "\(graph.type(of: $0))" }.joined(separator: ", ")
            let fill = node.outputs.contains(where: outputs.contains) ? "#e3f1e6" : "#eef2fa"
            svg += "<g class=\"node\"><title>\(Self.escaped("\(node.name) (\(node.opType)) → \(shapes)"))</title>"
            svg += "<rect x=\"\(Self.number(at.x))\" y=\"\(Self.number(at.y))\" width=\"\(Int(boxWidth))\" height=\"\(Int(boxHeight))\" rx=\"4\" fill=\"\(fill)\" stroke=\"#4a7bd0\"/>"
            svg += "<text x=\"\(Self.number(at.x + 6))\" y=\"\(Self.number(at.y + 14))\">\(Self.escaped(Self.clipped(node.opType, 30)))</text>"
            svg += "<text x=\"\(Self.number(at.x + 6))\" y=\"\(Self.number(at.y + 28))\" fill=\"#666\">\(Self.escaped(Self.clipped(node.name, 30)))</text></g>\n"
        }
        svg += "</svg>"
        return svg
    }

    static func clipped(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    static func bytes(_ count: Int) -> String {
        switch count {
        case ..<1024: "\(count) B"
        case ..<(1 << 20): String(format: "%.1f KiB", Double(count) / 1024)
        default: String(format: "%.1f MiB", Double(count) / 1_048_576)
        }
    }

    /// Text safe inside HTML elements and quoted attributes.
    public static func escaped(_ text: String) -> String {
        // By scalar, not Character: a combining or prepended scalar joins
        // `<` into a grapheme cluster that compares unequal to "<".
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
