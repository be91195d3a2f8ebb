// The Vulkan devices a machine offers, found at run time: the loader is
// opened with dlopen (CKiln/kiln_vulkan.c), so a binary built with Kiln
// starts everywhere and can say why Vulkan is unavailable where it is.
// KilnDevice.swift runs models on them.

import CKiln

/// Vulkan on this machine.
public enum KilnVulkan {
    /// One physical device.
    public struct Device: Sendable, Equatable, CustomStringConvertible {
        /// What the driver calls it, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
        public let name: String
        public let kind: Kind
        /// The Vulkan version the device supports, e.g. "1.3.230".
        public let apiVersion: String
        /// Whether it runs subgroup arithmetic in compute shaders (optional
        /// in Vulkan 1.1): where it does, reductions over a few long rows
        /// combine their lanes with it (unless `KILN_VULKAN_SUBGROUPS=0`).
        public let subgroupArithmetic: Bool
        /// Whether it computes in float64 in shaders (shaderFloat64,
        /// optional): a model whose shaders compute in float64 runs on
        /// Vulkan only on such a device, and on the CPU elsewhere.
        public let shaderFloat64: Bool
        /// Its position in the loader's enumeration (what the executor opens).
        let loaderIndex: Int

        public var description: String { "\(name) (\(kind), Vulkan \(apiVersion))" }
    }

    /// Kinds of device, in the order Kiln prefers them.
    public enum Kind: Int, Sendable, Comparable, CustomStringConvertible {
        case discreteGPU, integratedGPU, virtualGPU, cpu, other

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .discreteGPU: "discrete GPU"
            case .integratedGPU: "integrated GPU"
            case .virtualGPU: "virtual GPU"
            case .cpu: "CPU"
            case .other: "other"
            }
        }
    }

    /// Every Vulkan 1.1 device, best first (discrete, integrated, virtual
    /// GPU, then CPU implementations such as Mesa's lavapipe), or why there
    /// are none: no loader (`libvulkan.so.1`), no driver, only Vulkan 1.0
    /// devices, or a runtime built without the Vulkan headers.
    public static func devices() throws(KilnError) -> [Device] {
        var error = [CChar](repeating: 0, count: 512)
        var found = [KilnVulkanDevice](repeating: KilnVulkanDevice(), count: 16)
        let count = found.withUnsafeMutableBufferPointer { devices in
            kiln_vulkan_devices(devices.baseAddress, UInt32(devices.count), &error, error.count)
        }
        guard count >= 0 else {
            let reason = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .vulkanUnavailable(reason: reason)
        }
        return try usable(Array(found.prefix(Int(min(count, Int32(found.count))))))
    }

    /// The Vulkan 1.1 devices of `found` (in the loader's order), best
    /// first, or why there are none. Kiln's SPIR-V needs Vulkan 1.1 (the
    /// executor refuses older devices), so a 1.0 device listed first must
    /// not be the one ``selectDevice(_:needsFloat64:)`` picks.
    static func usable(_ found: [KilnVulkanDevice]) throws(KilnError) -> [Device] {
        let vulkan11: UInt32 = 1 << 22 | 1 << 12  // VK_API_VERSION_1_1
        var tooOld: [String] = []
        let devices = found.enumerated().compactMap { index, device -> Device? in
            var device = device
            let name = withUnsafeBytes(of: &device.name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            let kind: Kind =
                switch Int(device.type) {
                case Int(KILN_VULKAN_DISCRETE_GPU): .discreteGPU
                case Int(KILN_VULKAN_INTEGRATED_GPU): .integratedGPU
                case Int(KILN_VULKAN_VIRTUAL_GPU): .virtualGPU
                case Int(KILN_VULKAN_CPU): .cpu
                default: .other
                }
            let version = device.apiVersion
            let listed = Device(
                name: name, kind: kind, apiVersion: "\(version >> 22 & 0x7F).\(version >> 12 & 0x3FF).\(version & 0xFFF)",
                subgroupArithmetic: device.subgroupArithmetic != 0, shaderFloat64: device.shaderFloat64 != 0, loaderIndex: index)
            guard version >= vulkan11 else {
                tooOld.append("\(listed)")
                return nil
            }
            return listed
        }
        guard !devices.isEmpty else {
            throw .vulkanUnavailable(
                reason: tooOld.isEmpty
                    ? "a Vulkan driver is installed but offers no device"
                    : "every Vulkan device here supports only Vulkan 1.0, and Kiln's shaders need 1.1: \(tooOld.joined(separator: ", "))")
        }
        return devices.enumerated().sorted { ($0.element.kind, $0.offset) < ($1.element.kind, $1.offset) }.map(\.element)
    }

    /// The device to use: the one `requested` names (an index into
    /// ``devices()``, or a case-insensitive part of a device's name), else
    /// the one the `KILN_VULKAN_DEVICE` environment variable names, else the
    /// best (a discrete GPU before an integrated one before a CPU) of those
    /// with shaderFloat64 where the model `needsFloat64`, if any has it.
    public static func selectDevice(_ requested: String? = nil, needsFloat64: Bool = false) throws(KilnError) -> Device {
        let devices = try devices()
        let wanted = requested ?? ProcessEnvironment.value("KILN_VULKAN_DEVICE")
        guard let wanted, !wanted.isEmpty else { return devices.first { !needsFloat64 || $0.shaderFloat64 } ?? devices[0] }
        if let index = Int(wanted) {
            guard devices.indices.contains(index) else {
                throw .vulkanUnavailable(
                    reason: "device \(index) was asked for, but there are \(devices.count): \(listing(devices))")
            }
            return devices[index]
        }
        let matches = devices.filter { $0.name.lowercased().contains(wanted.lowercased()) }
        guard matches.count == 1 else {
            throw .vulkanUnavailable(
                reason: "\(matches.isEmpty ? "no" : "more than one") device matches \"\(wanted)\"; the devices are \(listing(devices))")
        }
        return matches[0]
    }

    private static func listing(_ devices: [Device]) -> String {
        devices.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ")
    }
}
