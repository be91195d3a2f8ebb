// `kilnc report`'s page (ModelReport): every section is there, sized from
// the model, and names from the model file cannot inject markup. The page
// as Chromium renders it is checked by Scripts/check-report.sh.

import Foundation
import Kiln
import KilnCompiler
import KilnDriver
import Testing

@Suite struct ReportTests {
    @Test func thePageShowsTheModelAndEscapesItsNames() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-report-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var relu = Onnx_NodeProto()
        (relu.opType, relu.name, relu.input, relu.output) = ("Relu", "first", ["x & \"y\""], ["r"])
        var neg = Onnx_NodeProto()
        (neg.opType, neg.name, neg.input, neg.output) = ("Neg", "<script>alert('x')</script>", ["r"], ["y"])
        try writeONNXModel(
            to: path, nodes: [relu, neg], inputs: [onnxValueInfo("x & \"y\"", .float32, [64, 64])],
            outputs: [onnxValueInfo("y", .float32, [64, 64])])
        let prepared = try Compiler.prepare(modelPath: path)
        let report = try ModelReport.profile(prepared, target: .host, threads: .inline, calls: 5)
        let html = report.html
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("x &amp; &quot;y&quot;: float32[64,64]"))
        for section in ["<h2>Summary</h2>", "<h2>Kernels</h2>", "<h2>Memory plan</h2>", "<h2>Fused graph</h2>"] {
            #expect(html.contains(section))
        }
        #expect(report.kernels.count == prepared.graph.nodes.count)
        #expect(report.kernels.allSatisfy { $0.calls == 5 })
        #expect(html.components(separatedBy: "<g class=\"node\">").count - 1 == prepared.graph.nodes.count)
        #expect(html.contains("y: float32[64,64]"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(!html.contains("src=") && !html.contains("href="), "self-contained: nothing to fetch")
    }

    /// On a Vulkan device the kernels are the dispatches, timed by the
    /// device's timestamps, with their workgroups; the page says which device.
    @Test func aVulkanReportTimesTheDispatches() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-report-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var softmax = Onnx_NodeProto()
        (softmax.opType, softmax.name, softmax.input, softmax.output) = ("Softmax", "rows", ["x"], ["s"])
        var neg = Onnx_NodeProto()
        (neg.opType, neg.name, neg.input, neg.output) = ("Neg", "negate", ["s"], ["y"])
        try writeONNXModel(
            to: path, nodes: [softmax, neg], inputs: [onnxValueInfo("x", .float32, [256, 64])],
            outputs: [onnxValueInfo("y", .float32, [256, 64])])
        var config = ModelConfig()
        config.backends = [.cpu, .vulkan]
        let prepared = try Compiler.prepare(modelPath: path, config: config)
        let report = try ModelReport.profile(prepared, target: .host, threads: .inline, calls: 5, device: .vulkan)
        let device = try #require(report.vulkanDevice)
        #expect(report.fallbackReason == nil)
        #expect(!report.kernels.isEmpty && report.kernels.allSatisfy { $0.calls == 5 && $0.workers == 1 && $0.tiles >= 1 })
        #expect(report.kernels.contains { $0.name.hasPrefix("rows (Softmax") }, "\(report.kernels.map(\.name))")
        let html = report.html
        #expect(html.contains("<tr><th>device</th><td>Vulkan: \(ModelReport.escaped(device.description))</td></tr>"))
        #expect(html.contains("<tr><th>dispatches</th><td>\(report.kernels.count)</td></tr>"))
        #expect(html.contains("<th>dispatch (device time)</th>") && html.contains("<th>workgroups</th>"))

        let memory = try #require(report.deviceMemory)
        #expect(memory.arena >= report.plan.arenaSize && memory.weights > 0 && memory.weights <= report.weightsBytes)
        #expect(html.contains("; the device binds ") && html.contains("; on the device "))

        var cpu = try ModelReport.profile(prepared, target: .host, threads: .inline, calls: 5)
        #expect(cpu.vulkanDevice == nil && cpu.deviceMemory == nil)
        #expect(cpu.html.contains("<tr><th>device</th><td>CPU</td></tr>") && cpu.html.contains("<th>tiles</th>"))
        // A fallback reason can quote the model file (the node that kept it off Vulkan): escaped.
        cpu.fallbackReason = "node '<b>' & \"x\""
        let page = cpu.html
        #expect(page.contains("<td>CPU (node &#39;&lt;b&gt;&#39; &amp; &quot;x&quot;)</td>") && !page.contains("<b>"))
    }
}
