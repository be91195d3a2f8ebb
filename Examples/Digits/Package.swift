// swift-tools-version: 6.3;(experimentalCGen)
// The Kiln demo: a digit classifier compiled from ONNX at build time.
//
// `Digits` is a C target holding digits.onnx and a one-line header; the Kiln
// plugin compiles the model into it. `App` applies the plugin too, which
// writes the typed `DigitsModel` class into it.

import PackageDescription

let package = Package(
    name: "DigitsDemo",
    dependencies: [
        .package(name: "Kiln", path: "../..")
    ],
    targets: [
        .target(name: "Digits", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
        .target(name: "DigitsTestSet"),
        .executableTarget(
            name: "App",
            dependencies: ["Digits", "DigitsTestSet", .product(name: "Kiln", package: "Kiln")],
            plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]
        ),
    ]
)
