// Finding Vulkan devices at run time through a dlopen'd loader: Mesa's
// lavapipe on these machines (`make deps` installs mesa-vulkan-drivers),
// and a clear reason, never a crash, without a driver or without the loader.

import Foundation
import Kiln
import Testing

@Suite struct VulkanTests {
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
        #expect { try KilnVulkan.selectDevice("\(devices.count)") } throws: { error in
            "\(error)".contains("device \(devices.count) was asked for, but there are \(devices.count)")
        }
        #expect { try KilnVulkan.selectDevice("no such gpu") } throws: { error in
            "\(error)".contains("no device matches \"no such gpu\"; the devices are 0: ")
        }
    }

    // Hiding the driver or the loader changes the process's environment,
    // which would disturb the models other suites run on Vulkan at the same
    // time: VulkanDeviceCLITests checks those cases in kilnc processes.
}
