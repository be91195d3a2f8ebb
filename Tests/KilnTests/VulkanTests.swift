// Finding Vulkan devices at run time through a dlopen'd loader: Mesa's
// lavapipe on these machines (`make deps` installs mesa-vulkan-drivers),
// and a clear reason, never a crash, without a driver or without the loader.

import Foundation
import CKiln
@testable import Kiln
import Testing

@Suite struct VulkanTests {
    @Test func lavapipeIsFound() throws {
        let devices = try KilnVulkan.devices()
        let cpu = try #require(devices.first { $0.kind == .cpu }, "no CPU Vulkan device in \(devices)")
        #expect(cpu.name.contains("llvmpipe"), "\(cpu)")
        #expect(cpu.apiVersion.hasPrefix("1."))
        #expect(devices.map(\.kind) == devices.map(\.kind).sorted(), "best kind first")
    }

    /// A Vulkan 1.0 device cannot run Kiln's shaders: it is not listed, so
    /// a 1.0 GPU before lavapipe does not send `.automatic` to the CPU, and
    /// a machine with only 1.0 devices hears why.
    @Test func vulkan10DevicesAreNotListed() throws {
        func device(_ type: some BinaryInteger, major: UInt32, minor: UInt32) -> KilnVulkanDevice {
            var device = KilnVulkanDevice()
            device.type = UInt32(type)
            device.apiVersion = major << 22 | minor << 12
            return device
        }
        let old = device(KILN_VULKAN_DISCRETE_GPU, major: 1, minor: 0)
        let cpu = device(KILN_VULKAN_CPU, major: 1, minor: 3)
        let listed = try KilnVulkan.usable([old, cpu])
        #expect(listed.map(\.kind) == [.cpu] && listed.first?.loaderIndex == 1 && listed.first?.apiVersion == "1.3.0")
        #expect(try KilnVulkan.usable([device(KILN_VULKAN_INTEGRATED_GPU, major: 1, minor: 1), cpu]).map(\.kind) == [.integratedGPU, .cpu])
        let refusal = #expect(throws: KilnError.self) { try KilnVulkan.usable([old]) }
        #expect(refusal.map { "\($0)".contains("only Vulkan 1.0") && "\($0)".contains("discrete GPU, Vulkan 1.0.0") } == true)
    }

    /// The host maps the arena only where the device shares its memory: a
    /// discrete GPU's host-visible memory (resizable BAR) is uncached and
    /// undefined after a lost device, so there the arena stages.
    @Test func theArenaIsMappedOnlyOnDevicesSharingTheHostsMemory() {
        func preferences(_ type: some BinaryInteger) -> [UInt32] {
            var found = [UInt32](repeating: 0, count: 3)
            let count = kiln_vulkan_arena_memory(UInt32(type), &found)
            return Array(found.prefix(Int(count)))
        }
        let visible = UInt32(KILN_VULKAN_HOST_VISIBLE), cached = UInt32(KILN_VULKAN_HOST_CACHED)
        func mapsUncached(_ choices: [UInt32]) -> Bool { choices.contains { $0 & visible != 0 && $0 & cached == 0 } }
        for shared in [KILN_VULKAN_INTEGRATED_GPU, KILN_VULKAN_CPU] {
            #expect(mapsUncached(preferences(shared)), "kind \(shared)")
        }
        for apart in [KILN_VULKAN_DISCRETE_GPU, KILN_VULKAN_VIRTUAL_GPU, KILN_VULKAN_OTHER] {
            let choices = preferences(apart)
            #expect(!mapsUncached(choices), "kind \(apart): \(choices)")
            #expect(choices.last == UInt32(KILN_VULKAN_DEVICE_LOCAL), "kind \(apart) stages when nothing else is there")
        }
        // Whatever memory the arena lands in: a discrete GPU whose only
        // device-local memory is its uncached BAR stages all the same.
        let bar = UInt32(KILN_VULKAN_DEVICE_LOCAL | KILN_VULKAN_HOST_VISIBLE | KILN_VULKAN_HOST_COHERENT)
        #expect(kiln_vulkan_arena_mappable(UInt32(KILN_VULKAN_DISCRETE_GPU), bar) == 0)
        #expect(kiln_vulkan_arena_mappable(UInt32(KILN_VULKAN_DISCRETE_GPU), bar | cached) == 1)
        #expect(kiln_vulkan_arena_mappable(UInt32(KILN_VULKAN_INTEGRATED_GPU), bar) == 1)
        #expect(kiln_vulkan_arena_mappable(UInt32(KILN_VULKAN_CPU), UInt32(KILN_VULKAN_DEVICE_LOCAL)) == 0)
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
