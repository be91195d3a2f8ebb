#!/usr/bin/env bash
# The real models of Fixtures/real built as a user builds them: one SwiftPM
# package whose C target holds every model, compiled by the Kiln build plugin
# at `swift build`, and an App that calls each generated class once on the
# model's reference inputs (Scripts/plugin-real-models/main.swift). The same
# inputs also go through `kilnc run`; the App compares both results with ONNX
# Runtime's outputs at the tolerances in Fixtures/real/cases.json.
#
# Shares its scratch package with check-plugin-errors.sh, so the plugin's
# kilnc is built once when both run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
package="$repo/.build-plugin/Package"
fixtures="$repo/Fixtures/real"
fail() { echo "check-real-models-plugin: FAIL: $*" >&2; exit 1; }

mkdir -p "$package"
cat > "$package/Package.swift" <<MANIFEST
// swift-tools-version: 6.3;(experimentalCGen)
import PackageDescription
let package = Package(
    name: "RealModels",
    dependencies: [
        .package(name: "Kiln", path: "$repo"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .target(name: "Models", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
        .target(name: "Mlp", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
        .executableTarget(
            name: "App",
            dependencies: [
                "Models", "Mlp", .product(name: "Kiln", package: "Kiln"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
    ],
)
MANIFEST

rm -rf "$package/Sources"
mkdir -p "$package/Sources/Models/include" "$package/Sources/App"
: > "$package/Sources/Models/include/Models.h"
models=()
for model in "$fixtures"/*/model.onnx; do
    name="$(basename "$(dirname "$model")")"
    models+=("$name")
    cp "$model" "$package/Sources/Models/$name.onnx"
    printf '#include "%s.kiln.h"\n' "$name" >> "$package/Sources/Models/include/Models.h"
done
[ "${#models[@]}" -gt 0 ] || fail "no models in $fixtures"
# A config beside one model names its class, keeps it inside the package and
# renames its input and output: the plugin must name the generated file after
# the class, and main.swift uses those names.
printf '{ "className": "SqueezeNet", "access": "package", "rename": { "image": "photo", "logits": "scores" } }\n' \
    > "$package/Sources/Models/squeezenet1_1.kiln.json"
# A streaming model whose config keeps its recurrent state inside the model:
# the App feeds it one step per call through the generated class.
cp "$repo/Fixtures/state/lstm_step/model.onnx" "$package/Sources/Models/lstm_step.onnx"
# Its config as the fixture has it, plus a Vulkan build: the App also pipelines its steps on lavapipe.
sed 's/^}$/, "backends": ["cpu", "vulkan"] }/' "$repo/Fixtures/state/lstm_step/model.kiln.json" \
    > "$package/Sources/Models/lstm_step.kiln.json"
grep -q '"vulkan"' "$package/Sources/Models/lstm_step.kiln.json" || fail "could not add Vulkan to lstm_step's config"
printf '#include "%s.kiln.h"\n' lstm_step >> "$package/Sources/Models/include/Models.h"
# A model whose config bounds its batch: the App calls it at several batches.
cp "$repo/Fixtures/bounded/cnn/model.onnx" "$package/Sources/Models/bounded_cnn.onnx"
cp "$repo/Fixtures/bounded/cnn/model.kiln.json" "$package/Sources/Models/bounded_cnn.kiln.json"
printf '#include "%s.kiln.h"\n' bounded_cnn >> "$package/Sources/Models/include/Models.h"
# Two inputs the bounded batch sizes and one it does not: `predict(batch:)` takes `Sample`s.
cp "$repo/Fixtures/bounded/pair/model.onnx" "$package/Sources/Models/bounded_pair.onnx"
cp "$repo/Fixtures/bounded/pair/model.kiln.json" "$package/Sources/Models/bounded_pair.kiln.json"
printf '#include "%s.kiln.h"\n' bounded_pair >> "$package/Sources/Models/include/Models.h"
cp "$repo/Scripts/plugin-real-models/main.swift" "$package/Sources/App/main.swift"
cp "$repo/Scripts/plugin-real-models/TensorReading.swift" "$package/Sources/App/TensorReading.swift"
# The App reads the reference TensorProto files with the compiler's generated ONNX messages.
cp "$repo/Sources/KilnCompiler/ONNX/onnx.pb.swift" "$package/Sources/App/onnx.pb.swift"

# One more model target, scaffolded the way the README tells a new user to:
# kilnc init places the model, the target's header and a config.
kilnc="$(cd "$repo" && swift build --product kilnc --show-bin-path)/kilnc"
(cd "$repo" && swift build --product kilnc) >/dev/null
scaffold="$(mktemp -d)"
cp "$repo/Fixtures/mlp/model.onnx" "$scaffold/mlp.onnx"
"$kilnc" init "$scaffold/mlp.onnx" --target Mlp --package-path "$package" > "$scaffold/init.txt" \
    || fail "kilnc init failed: $(cat "$scaffold/init.txt")"
grep -q '.target(name: "Mlp", plugins: \[.plugin(name: "KilnPlugin", package: "Kiln")\])' "$scaffold/init.txt" \
    || fail "kilnc init did not print the target line: $(cat "$scaffold/init.txt")"
grep -q 'let model = try MlpModel()' "$scaffold/init.txt" || fail "kilnc init did not print the call"
rm -rf "$scaffold"

echo "building ${#models[@]} real models through the Kiln plugin: ${models[*]}, and the Mlp target kilnc init made"
start=$(date +%s)
(cd "$package" && swift build) || fail "swift build of the real-models package failed"
echo "swift build: $(( $(date +%s) - start )) s"

outputs="$repo/.build-plugin/kilnc-run"
rm -rf "$outputs"
for name in "${models[@]}"; do
    mkdir -p "$outputs/$name"
    "$kilnc" run "$fixtures/$name/model.onnx" --inputs "$fixtures/$name/test_data_set_0" --outputs "$outputs/$name" \
        || fail "kilnc run failed on $name"
done

binary="$(cd "$package" && swift build --show-bin-path)/App"
"$binary" "$fixtures" "$outputs" || fail "outputs differ from ONNX Runtime's (see above)"
# The App runs bounded_cnn on Vulkan, yet opens the loader only at run time.
if ldd "$binary" | grep -Ei 'libvulkan|libLLVM'; then fail "the App links libvulkan or libLLVM"; fi

# Each model is its own build command: editing one model's config recompiles
# that model alone (and regenerates its class), not the package's other models.
# After a cold build SwiftPM's next build rebuilds the plugin's tool, which
# reruns every model (swiftlang/swift-package-manager#7210, see the README's
# "Compile time"): let that settle first, then edit.
start=$(date +%s)
(cd "$package" && swift build) > "$outputs/settle.txt" 2>&1 || fail "the second build failed: $(tail -20 "$outputs/settle.txt")"
echo "second swift build, nothing changed: $(( $(date +%s) - start )) s"
# The edit keeps the Vulkan build: the harness calls the generated submit(x:).
printf '{ "dims": { "batch": { "max": 8 } }, "backends": ["cpu", "vulkan"], "threads": 1 }\n' > "$package/Sources/Models/bounded_cnn.kiln.json"
(cd "$package" && swift build -v) > "$outputs/rebuild.txt" 2>&1 || fail "the rebuild failed: $(tail -20 "$outputs/rebuild.txt")"
recompiled="$(grep -oE 'kilnc-tool (compile|swift-api) [^ ]+\.onnx' "$outputs/rebuild.txt" | sed 's/.* //' \
    | xargs -r -n1 basename | sort -u | tr '\n' ' ')"
[ "$recompiled" = "bounded_cnn.onnx " ] \
    || fail "editing bounded_cnn.kiln.json ran kilnc on: ${recompiled:-nothing} (expected bounded_cnn.onnx alone)"
echo "editing one model's config recompiled it alone"
echo "check-real-models-plugin: OK"
