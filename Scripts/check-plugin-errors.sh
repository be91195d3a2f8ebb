#!/usr/bin/env bash
# End-to-end checks of the errors a user sees from `swift build` when a
# Kiln model target is set up wrong or a model cannot be compiled. One scratch
# package is rewritten per case, so kilnc is built only once.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$repo/.build-plugin"
package="$work/Package"
mkdir -p "$package"
fixtures="$repo/Fixtures"
good_model="$fixtures/mlp/model.onnx"
failures=0
passed=0

write_manifest() {
    cat > "$package/Package.swift" <<MANIFEST
// swift-tools-version: 6.3;(experimentalCGen)
import PackageDescription
let package = Package(
    name: "PluginErrors",
    dependencies: [.package(name: "Kiln", path: "$repo")],
    targets: [
        .target(name: "Models", plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
        .executableTarget(
            name: "App", dependencies: ["Models", .product(name: "Kiln", package: "Kiln")],
            plugins: [.plugin(name: "KilnPlugin", package: "Kiln")]),
    ]
)
MANIFEST
}

# reset: a valid layout with two models, `net` (an MLP) and `small-cnn` (LeNet),
# in one C target, that each case then breaks. With `typed`, it also holds
# models whose inputs and outputs are int64, bool and float16, used through
# their generated Swift types.
reset() {
    rm -rf "$package/Sources"
    mkdir -p "$package/Sources/Models/include" "$package/Sources/App"
    cp "$good_model" "$package/Sources/Models/net.onnx"
    cp "$fixtures/lenet/model.onnx" "$package/Sources/Models/small-cnn.onnx"
    printf '#include "net.kiln.h"\n#include "small_cnn.kiln.h"\n' > "$package/Sources/Models/include/Models.h"
    cat > "$package/Sources/App/main.swift" <<'SWIFT'
let model = try NetModel()
print(try model.predict(input: [Float](repeating: 0.5, count: 64)).probabilities.count)
do {
    _ = try model.predict(input: [Float](repeating: 0.5, count: 3))
} catch {
    print(error)
}
let cnn = try SmallCnnModel()
print(try cnn.predict(image: [Float](repeating: 0.25, count: 784)).logits.count)
SWIFT
    if [ "${1:-}" = typed ]; then
        for model in gather_int64_indices where_bool argmax_axis1 cast_float_to_float16 equal_float; do
            cp "$fixtures/typed/$model/model.onnx" "$package/Sources/Models/$model.onnx"
            printf '#include "%s.kiln.h"\n' "$model" >> "$package/Sources/Models/include/Models.h"
        done
        # Hostile names (keywords, newlines, bidi controls) and 240 inputs: the
        # generated classes must compile in the user's build.
        for model in names_hostile_inputs names_many_inputs; do
            cp "$fixtures/Malformed/$model.onnx" "$package/Sources/Models/$model.onnx"
            printf '#include "%s.kiln.h"\n' "$model" >> "$package/Sources/Models/include/Models.h"
        done
        cat >> "$package/Sources/App/main.swift" <<'SWIFT'
// Typed inputs and outputs: each parameter and result has its model's element type.
let rows: [Int64] = [4, -1, 0]
let gathered = try GatherInt64IndicesModel().predict(data: (0..<20).map { Float($0) }, indices: rows)
print(gathered.y.count, gathered.y[0], gathered.y[4], gathered.y[8])
let mask: [Bool] = [true, false, true, false, true, false]
print(try WhereBoolModel().predict(condition: mask, a: [Float](repeating: 1, count: 6), b: [Float](repeating: 2, count: 6)).y)
let best: [Int64] = try ArgmaxAxis1Model().predict(x: (0..<15).map { Float(($0 * 7) % 15) }).y
print(best)
let half: [Float16] = try CastFloatToFloat16Model().predict(x: [1, 2049, -0.5, 65504, 3, 1e-7]).y
print(half.map { Float($0) })
let same: [Bool] = try EqualFloatModel().predict(a: [1, 2, 3, 4, 5, 6], b: [1, 0, 3, 0, 5, 0]).y
print(same)
SWIFT
    fi
}

# expect NAME PATTERN...: the build must fail and print every pattern.
expect_failure() {
    local name="$1"
    shift
    local log="$work/$name.log"
    if (cd "$package" && swift build >"$log" 2>&1); then
        echo "FAIL $name: swift build succeeded, expected an error"
        failures=$((failures + 1))
        return
    fi
    for pattern in "$@"; do
        if ! grep -qF -- "$pattern" "$log"; then
            echo "FAIL $name: missing '$pattern' in the build output:"
            grep -iE "error|problem" "$log" | head -20
            failures=$((failures + 1))
            return
        fi
    done
    echo "ok   $name"
    passed=$((passed + 1))
}

write_manifest

# The valid layout must build and run (and builds kilnc once for the cases below).
reset typed
expected_output="10
tensor 'input' expects shape [1, 64] (64 elements), but 3 were given
10
12 16.0 16.0 0.0
[1.0, 2.0, 1.0, 2.0, 1.0, 2.0]
[2, 1, 0]
[1.0, 2048.0, -0.5, 65504.0, 3.0, 1.1920929e-07]
[true, false, true, false, true, false]"
if (cd "$package" && swift build >"$work/valid.log" 2>&1) && [ "$(cd "$package" && swift run -q App 2>/dev/null)" = "$expected_output" ]; then
    echo "ok   valid-layout"
    passed=$((passed + 1))
else
    echo "FAIL valid-layout: the valid package did not build and print: $expected_output"
    tail -30 "$work/valid.log"
    failures=$((failures + 1))
fi

reset
cp "$good_model" "$package/Sources/App/stray.onnx"
expect_failure model-in-swift-target "stray.onnx: a model cannot live in Swift target 'App'" "Move it into a C target"

reset
echo '// no include of the generated header' > "$package/Sources/Models/include/Models.h"
expect_failure header-not-included "does not include the generated header net.kiln.h" '#include "net.kiln.h"'

reset
cp "$good_model" "$package/Sources/Models/net-.onnx"
cp "$good_model" "$package/Sources/Models/net_.onnx"
echo '#include "net_.kiln.h"' >> "$package/Sources/Models/include/Models.h"
expect_failure duplicate-names "models generate the same C name 'net_'"

reset
echo '{}' > "$package/Sources/Models/other.kiln.json"
expect_failure config-without-model "other.kiln.json: config in target 'Models' has no matching model"

reset
echo '{"dimz": {"batch": 1}}' > "$package/Sources/Models/net.kiln.json"
expect_failure bad-config "net.kiln.json" "unknown key(s) 'dimz'"

reset
rm "$package/Sources/Models/net.onnx"
cp "$fixtures/invalid/unsupported_op.onnx" "$package/Sources/Models/net.onnx"
expect_failure unsupported-op "net.onnx: node 'my_det' (Det, opset" "op 'Det' is not supported"

reset
rm "$package/Sources/Models/net.onnx"
cp "$fixtures/invalid/dynamic_dim.onnx" "$package/Sources/Models/net.onnx"
expect_failure dynamic-dim "net.onnx" "dynamic dimension 'batch'" "net.kiln.json"

echo "plugin-errors: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
