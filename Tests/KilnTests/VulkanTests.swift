// Finding Vulkan devices at run time through a dlopen'd loader: Mesa's
// lavapipe on these machines (`make deps` installs mesa-vulkan-drivers),
// and a clear reason, never a crash, without a driver or without the loader.

import Foundation
import Kiln
import Testing

/// The environment variables are the process's: one test at a time.
@Suite(.serialized) struct VulkanTests {
    /// Runs `body` with `variables` set, then puts the old values back.
    @discardableResult
    func with<T>(_ variables: [String: String], _ body: () throws -> T) rethrows -> T {
        let old = variables.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
        for (name, value) in variables { setenv(name, value, 1) }
        defer {
            for (name, value) in old {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try body()
    }

    @Test func lavapipeIsFound() throws {
        let devices = try KilnVulkan.devices()
        let cpu = try #require(devices.first { $0.kind == .cpu }, "no CPU Vulkan device in \(devices)")
        #expect(cpu.name.contains("llvmpipe"), "\(cpu)")
        #expect(cpu.apiVersion.hasPrefix("1."))
        #expect(devices.map(\.kind) == devices.map(\.kind).sorted(), "best kind first")
    }

    @Test func aDeviceIsSelectedByIndexNameOrEnvironment() throws {
        let devices = try KilnVulkan.devices()
        #expect(try KilnVulkan.selectDevice() == devices[0])
        #expect(try KilnVulkan.selectDevice("0") == devices[0])
        #expect(try KilnVulkan.selectDevice("LLVMPIPE").kind == .cpu)
        let fromEnvironment = try with(["KILN_VULKAN_DEVICE": "llvmpipe"]) { try KilnVulkan.selectDevice() }
        #expect(fromEnvironment.kind == .cpu)
        #expect { try KilnVulkan.selectDevice("\(devices.count)") } throws: { error in
            "\(error)".contains("device \(devices.count) was asked for, but there are \(devices.count)")
        }
        #expect { try KilnVulkan.selectDevice("no such gpu") } throws: { error in
            "\(error)".contains("no device matches \"no such gpu\"; the devices are 0: ")
        }
    }

    @Test func withoutADriverTheReasonSaysSo() {
        with(["VK_ICD_FILENAMES": "/nonexistent/icd.json", "VK_DRIVER_FILES": "/nonexistent/icd.json"]) {
            #expect { try KilnVulkan.devices() } throws: { error in
                guard case .vulkanUnavailable(let reason)? = error as? KilnError else { return false }
                return reason.contains("no Vulkan 1.1 driver")
            }
        }
    }

    @Test func withoutTheLoaderTheReasonSaysSo() {
        with(["KILN_VULKAN_LOADER": "/nonexistent/libvulkan.so.1"]) {
            #expect { try KilnVulkan.devices() } throws: { error in
                "\(error)".contains("the Vulkan loader /nonexistent/libvulkan.so.1 cannot be opened")
            }
        }
    }
}
