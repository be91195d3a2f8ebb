// swift-tools-version: 6.1
// The program a GPU machine without Swift, clang or LLVM runs Kiln's Vulkan
// checks with: it loads models compiled here (Scripts/device-kit.sh builds
// it statically, beside them) through the Kiln runtime alone.

import PackageDescription

let package = Package(
    name: "DeviceCheck",
    dependencies: [.package(name: "Kiln", path: "../..")],
    targets: [
        .executableTarget(name: "kiln-device-check", dependencies: [.product(name: "Kiln", package: "Kiln")])
    ],
    swiftLanguageModes: [.v6]
)
