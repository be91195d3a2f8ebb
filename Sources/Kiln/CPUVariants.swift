// The builds of one model for several CPUs (a config's `"cpu": [...]` list)
// and the choice among them at load: the build that needs the most features
// this machine has, so one binary runs everywhere and fast where it can.

import CKiln

/// The CPU builds a descriptor lists, and which one to load.
struct CPUVariants {
    /// The builds in table order (just the given descriptor when it lists none).
    let builds: [UnsafePointer<KilnModelDescriptor>]
    let model: String

    init(_ first: UnsafePointer<KilnModelDescriptor>, model: String) throws(KilnError) {
        self.model = model
        let count = Int(first.pointee.variantCount)
        guard count > 0, let table = first.pointee.variants else {
            builds = [first]
            return
        }
        var builds: [UnsafePointer<KilnModelDescriptor>] = []
        for index in 0..<count {
            guard let build = table[index], build.pointee.abiVersion == first.pointee.abiVersion else {
                throw .unsupportedExecutable(model: model, detail: "CPU build \(index) of \(count) is missing")
            }
            builds.append(build)
        }
        self.builds = builds
    }

    var names: [String] { builds.map(Self.name) }

    private static func name(_ build: UnsafePointer<KilnModelDescriptor>) -> String {
        build.pointee.cpuName.map { String(cString: $0) } ?? "unnamed"
    }

    /// The build named `forced`, or else the supported build needing the most
    /// features (the first of equals); an error names what the machine lacks.
    func select(_ forced: String?, machine: UInt64) throws(KilnError) -> UnsafePointer<KilnModelDescriptor> {
        if let forced {
            guard let build = builds.first(where: { Self.name($0) == forced }) else {
                throw .unsupportedCPU(
                    model: model,
                    detail: "it holds no build for '\(forced)'; its builds are \(names.joined(separator: ", "))")
            }
            let missing = build.pointee.cpuFeatures & ~machine
            guard missing == 0 else {
                throw .unsupportedCPU(
                    model: model,
                    detail: "its \(forced) build needs \(Self.describe(missing)), which this machine lacks")
            }
            return build
        }
        let supported = builds.filter { $0.pointee.cpuFeatures & ~machine == 0 }
        guard let best = supported.max(by: { $0.pointee.cpuFeatures.nonzeroBitCount < $1.pointee.cpuFeatures.nonzeroBitCount })
        else {
            let closest = builds.min { ($0.pointee.cpuFeatures & ~machine).nonzeroBitCount < ($1.pointee.cpuFeatures & ~machine).nonzeroBitCount }
            let missing = closest.map { $0.pointee.cpuFeatures & ~machine } ?? 0
            throw .unsupportedCPU(
                model: model,
                detail: "this machine lacks \(Self.describe(missing)), which its \(closest.map(Self.name) ?? "") build needs; "
                    + "compile it for this CPU or add a lower level such as x86-64-v2 to the config's \"cpu\" list")
        }
        return best
    }

    /// "avx2, fma" for a feature mask.
    static func describe(_ features: UInt64) -> String {
        (0..<64).filter { features & (1 << UInt64($0)) != 0 }.map { bit in
            kiln_cpu_feature_name(UInt32(bit)).map { String(cString: $0) } ?? "feature \(bit)"
        }.joined(separator: ", ")
    }
}
