// swift-tools-version: 6.1
// Kiln: an ahead-of-time ONNX compiler that lives inside the Swift build.

import PackageDescription

let package = Package(
    name: "Kiln",
    products: [
        .library(name: "Kiln", targets: ["Kiln"]),
        .executable(name: "kilnc", targets: ["kilnc"]),
        .plugin(name: "KilnPlugin", targets: ["KilnPlugin"]),
        .plugin(name: "KilnCommand", targets: ["KilnCommand"]),
        .plugin(name: "KilnInit", targets: ["KilnInit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // LLVM 14's C API from Debian's llvm-dev. Only the compiler links it.
        .systemLibrary(name: "CLLVM", path: "Sources/CLLVM"),
        // The C ABI shared by compiled models and the runtime.
        .target(name: "CKiln"),
        // The runtime users import: small, no Foundation, no LLVM.
        .target(name: "Kiln", dependencies: ["CKiln"]),
        // The compiler library: ONNX → IR → passes → LLVM / Swift API.
        .target(
            name: "KilnCompiler",
            dependencies: [
                "CLLVM", "CKiln",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["ONNX/onnx.proto"] + [
                "", "Advice", "Backends", "Backends/SPIRV", "Config", "Diagnostics", "IR", "ONNX", "Ops", "Passes", "Pipeline", "Program",
                "Schedule", "SwiftAPI",
            ].map { $0.isEmpty ? "README.md" : "\($0)/README.md" }
        ),
        // Compile-and-load for tools and tests: builds a shared object with the
        // toolchain's clang and runs it through the runtime.
        .target(name: "KilnDriver", dependencies: ["KilnCompiler", "Kiln"]),
        .executableTarget(
            name: "kilnc",
            dependencies: [
                "KilnDriver", "Kiln",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .plugin(name: "KilnPlugin", capability: .buildTool(), dependencies: ["kilnc"]),
        // `swift package kiln inspect|bench|report` on the package's models, and
        // `swift package kiln-init FILE.onnx`, which writes into the package.
        .plugin(
            name: "KilnCommand",
            capability: .command(
                intent: .custom(verb: "kiln", description: "Inspect, benchmark or report on the package's ONNX models")),
            dependencies: ["kilnc"]),
        .plugin(
            name: "KilnInit",
            capability: .command(
                intent: .custom(verb: "kiln-init", description: "Add an ONNX model to the package (kilnc init)"),
                permissions: [
                    .writeToPackageDirectory(reason: "kiln-init adds a model target (model, header, config) to the package")
                ]),
            dependencies: ["kilnc"]),
        // libFuzzer target over the compiler front end (make fuzz); a replay tool otherwise.
        .executableTarget(name: "KilnFuzz", dependencies: ["KilnCompiler"]),
        .testTarget(name: "KilnCompilerTests", dependencies: ["KilnCompiler", "CKiln"]),
        .testTarget(name: "KilnTests", dependencies: ["Kiln", "CKiln"]),
        // Counts heap allocations per thread, to prove calls allocate nothing.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "KilnDriverTests", dependencies: ["KilnDriver", "CKiln", "CAllocationCounter"]),
    ],
    swiftLanguageModes: [.v6]
)
