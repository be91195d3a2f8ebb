#!/usr/bin/env bash
# `kilnc bundle` end to end, as an app that cannot use the build plugin would
# consume a compiled model: bundles Fixtures/bounded/cnn into a package (an
# artifact bundle with the static library, plus the typed class), then builds
# a consumer package with tools-version 5.9 and no experimental feature that
# depends on it, and runs it against ONNX Runtime's outputs. The consumer's
# build must not build kilnc (nor link LLVM): the model is already compiled.
#
# Usage: bash Scripts/check-bundle.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "check-bundle: FAIL: $*" >&2; exit 1; }

work="$repo/.build-bundle"
rm -rf "$work/BoundedCnn" "$work/consumer/Sources" "$work/consumer/Package.swift"
mkdir -p "$work/consumer/Sources/App"
(cd "$repo" && swift build --product kilnc) >/dev/null
kilnc="$(cd "$repo" && swift build --product kilnc --show-bin-path)/kilnc"
"$kilnc" bundle "$repo/Fixtures/bounded/cnn/model.onnx" --name BoundedCnn --output-dir "$work" --kiln "$repo" \
    || fail "kilnc bundle failed"
[ -f "$work/BoundedCnn/BoundedCnnCode.artifactbundle/info.json" ] || fail "no artifact bundle was written"
head -1 "$work/BoundedCnn/Package.swift" | grep -q 'swift-tools-version:5.9' || fail "the bundle's manifest is not for 5.9"

cat > "$work/consumer/Package.swift" <<MANIFEST
// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "BundleConsumer",
    dependencies: [
        .package(path: "../BoundedCnn"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "BoundedCnn", package: "BoundedCnn"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    ]
)
MANIFEST
cp "$repo/Scripts/bundle-consumer/main.swift" "$work/consumer/Sources/App/main.swift"
cp "$repo/Scripts/plugin-real-models/TensorReading.swift" "$work/consumer/Sources/App/TensorReading.swift"
cp "$repo/Sources/KilnCompiler/ONNX/onnx.pb.swift" "$work/consumer/Sources/App/onnx.pb.swift"

(cd "$work/consumer" && swift build) || fail "the consumer package did not build"
bin="$(cd "$work/consumer" && swift build --show-bin-path)"
[ ! -e "$bin/kilnc" ] || fail "the consumer's build built kilnc"
if ldd "$bin/App" | grep -qi llvm; then fail "the consumer links LLVM: $(ldd "$bin/App" | grep -i llvm)"; fi
"$bin/App" "$repo/Fixtures/bounded/cnn" || fail "the bundled model's outputs differ from ONNX Runtime's"
echo "check-bundle: OK"
