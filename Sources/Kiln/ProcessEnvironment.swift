// The environment variables the runtime reads (KILN_CPU_VARIANT,
// KILN_PROFILE, KILN_VULKAN_DEVICE), read one way: through getenv, since
// Foundation is not linked into the runtime.

#if canImport(Glibc)
    import Glibc
#endif

enum ProcessEnvironment {
    /// Variable `name`'s value, or nil when it is unset or empty.
    static func value(_ name: String) -> String? {
        #if canImport(Glibc)
            guard let value = getenv(name), value.pointee != 0 else { return nil }
            return String(cString: value)
        #else
            return nil
        #endif
    }

    /// Whether variable `name` is set to something other than "" or "0".
    static func flag(_ name: String) -> Bool {
        value(name).map { $0 != "0" } ?? false
    }
}
