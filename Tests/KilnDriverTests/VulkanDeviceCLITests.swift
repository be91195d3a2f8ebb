// Choosing the device from the command line, in kilnc processes whose
// environment hides the Vulkan driver or loader: `.automatic` falls back to
// the CPU with the same answers and says why, `.vulkan` fails with the
// reason, and the staging path (what a discrete GPU uses) gives the same
// results as the mapped one lavapipe offers.

import Foundation
import KilnCompiler
import KilnDriver
import Testing

@Suite struct VulkanDeviceCLITests {
    let lenet = fixturesDirectory.appendingPathComponent("lenet/model.onnx").path
    static let noDriver = ["VK_ICD_FILENAMES": "/nonexistent/icd.json", "VK_DRIVER_FILES": "/nonexistent/icd.json"]
    static let noLoader = ["KILN_VULKAN_LOADER": "/nonexistent/libvulkan.so.1"]

    /// Mapped, staged, and with texel views too short for the arena and
    /// the weights (as on devices with the spec's minimum of 65536 texels),
    /// so the shaders read the storage buffers instead. The Winograd fixture's
    /// products read four floats per fetch where the views cover. Pipelines
    /// compiled on the loading thread alone, and on more threads than cores.
    @Test(arguments: ["lenet/model.onnx", "ops/conv_winograd/model.onnx"])
    func verifyRunsOnVulkanMappedStagedAndWithoutTexelViews(_ model: String) throws {
        let path = fixturesDirectory.appendingPathComponent(model).path
        let environments = [
            [:], ["KILN_VULKAN_STAGING": "1"], ["KILN_VULKAN_TEXEL_LIMIT": "1024"],
            ["KILN_VULKAN_COMPILE_THREADS": "1"], ["KILN_VULKAN_COMPILE_THREADS": "5"],
        ]
        for environment in environments {
            let (status, out, err) = try kilnc(["verify", path, "--device", "vulkan"], environment: environment)
            #expect(status == 0, "\(environment): \(out) \(err)")
            #expect(out.contains(": ok (0/"), "\(out)")
            #expect(!err.contains("running on the CPU"), "\(err)")
        }
    }

    @Test(arguments: [noDriver, noLoader])
    func automaticFallsBackToTheCPUAndSaysWhy(_ environment: [String: String]) throws {
        let (status, out, err) = try kilnc(["verify", lenet, "--device", "automatic"], environment: environment)
        #expect(status == 0, "\(out) \(err)")
        #expect(err.contains("kilnc: running on the CPU: Vulkan is not available: "), "\(err)")
        let reason = environment == Self.noLoader ? "the Vulkan loader /nonexistent/libvulkan.so.1 cannot be opened" : "no Vulkan 1.1 driver"
        #expect(err.contains(reason), "\(err)")
    }

    @Test(arguments: [noDriver, noLoader])
    func vulkanWithoutADeviceIsAClearError(_ environment: [String: String]) throws {
        let (status, _, err) = try kilnc(["verify", lenet, "--device", "vulkan"], environment: environment)
        #expect(status != 0)
        #expect(err.contains("Vulkan is not available: "), "\(err)")
        #expect(!err.contains("Fatal error"), "\(err)")
    }

    @Test func devicesListsOrSaysWhyNot() throws {
        let (status, out, _) = try kilnc(["devices"], environment: ["KILN_VULKAN_DEVICE": "llvmpipe"])
        #expect(status == 0)
        #expect(out.contains("* ") && out.contains("llvmpipe"), "\(out)")
        #expect(out.contains("float64]"), "\(out)")
        let (_, withoutFloat64, _) = try kilnc(["devices"], environment: ["KILN_VULKAN_FLOAT64": "0"])
        #expect(!withoutFloat64.contains("float64"), "\(withoutFloat64)")
        let (hidden, reason, _) = try kilnc(["devices"], environment: Self.noDriver)
        #expect(hidden != 0)
        #expect(reason.contains("no Vulkan 1.1 driver"), "\(reason)")
    }

    /// A report asked for the automatic device without a driver times the
    /// CPU build, says so, and its page says why.
    @Test func anAutomaticReportWithoutADriverSaysWhyItTimedTheCPU() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-report-\(UUID()).html").path
        defer { try? FileManager.default.removeItem(atPath: page) }
        let (status, out, err) = try kilnc(
            ["report", lenet, "-o", page, "--runs", "3", "--device", "automatic"], environment: Self.noDriver)
        #expect(status == 0, "\(out) \(err)")
        #expect(err.contains("kilnc: running on the CPU: Vulkan is not available: "), "\(err)")
        #expect(err.contains("no Vulkan 1.1 driver"), "\(err)")
        #expect(!out.contains("timed on"), "\(out)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<tr><th>device</th><td>CPU (Vulkan is not available: "), "\(html.prefix(3000))")
        #expect(html.contains("<th>tiles</th>"))
    }

    @Test func benchNamesTheVulkanDevice() throws {
        let (status, out, err) = try kilnc(["bench", lenet, "--runs", "3", "--warmup", "1", "--device", "vulkan"])
        #expect(status == 0, "\(out) \(err)")
        #expect(out.contains("vulkan (llvmpipe"), "\(out)")
    }
}
