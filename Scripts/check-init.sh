#!/usr/bin/env bash
# The README's quick start, as a new user runs it: `kilnc init` on a model
# with no package yet writes the package (manifest, model target, header,
# config, an App calling the generated class), and `swift run App` builds
# it through the plugin and runs the model once. Then the command plugin
# (`swift package kiln …`) inspects, benchmarks and reports on that model,
# and `swift package kiln-init` adds a second model target.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$repo/.build-init"
fail() { echo "check-init: FAIL: $*" >&2; exit 1; }

(cd "$repo" && swift build --product kilnc) >/dev/null
kilnc="$(cd "$repo" && swift build --product kilnc --show-bin-path)/kilnc"
# Keep the package's .build between runs (its Kiln dependency is slow to
# build); every file kilnc init writes is written afresh.
mkdir -p "$work/MyApp"
rm -rf "$work/MyApp/Sources" "$work/MyApp/Package.swift" "$work/MyApp/Package.resolved"
cp "$repo/Fixtures/lenet/model.onnx" "$work/lenet-5.onnx"
"$kilnc" init "$work/lenet-5.onnx" --package-path "$work/MyApp" > "$work/init.txt" || fail "kilnc init: $(cat "$work/init.txt")"
grep -q "swift run App" "$work/init.txt" || fail "kilnc init did not say how to run: $(cat "$work/init.txt")"
[ -f "$work/MyApp/Sources/Lenet5/lenet-5.onnx" ] || fail "the model is not in Sources/Lenet5"

start=$(date +%s)
output="$(cd "$work/MyApp" && swift run App 2>&1)" || fail "swift run App failed:
$output"
echo "swift run App: $(( $(date +%s) - start )) s"
echo "$output" | grep -q "^logits: float32 \[1, 10\]$" || fail "the App did not print the model's output:
$output"
# The command plugin on the same package: kilnc's tools without paths.
cd "$work/MyApp"
inspect="$(swift package kiln inspect 2>&1)" || fail "swift package kiln inspect failed:
$inspect"
echo "$inspect" | grep -q "^input  .*float32\[1,1,28,28\]" || fail "kiln inspect did not show the model:
$inspect"
bench="$(swift package kiln bench lenet-5 -- --runs 5 2>&1)" || fail "swift package kiln bench failed:
$bench"
echo "$bench" | grep -q "median .* ms" || fail "kiln bench printed no timing:
$bench"
rm -rf reports
swift package kiln report --output-dir reports > "$work/report.txt" 2>&1 || fail "kiln report failed: $(cat "$work/report.txt")"
grep -q "<h2>Fused graph</h2>" reports/lenet-5.report.html || fail "kiln report wrote no page"
rm -rf bundles
swift package kiln bundle lenet-5 --output-dir bundles > "$work/bundle.txt" 2>&1 || fail "kiln bundle failed: $(cat "$work/bundle.txt")"
grep -q ".package(path: \"$repo\")" bundles/Lenet5/Package.swift \
    || fail "kiln bundle's package does not depend on this Kiln: $(cat bundles/Lenet5/Package.swift)"
[ -f bundles/Lenet5/Lenet5Code.artifactbundle/info.json ] || fail "kiln bundle wrote no artifact bundle"
if swift package kiln inspect no-such-model > "$work/missing.txt" 2>&1; then fail "kiln inspect accepted an unknown model"; fi
grep -q "no model 'no-such-model'; the package's models are: lenet-5.onnx" "$work/missing.txt" \
    || fail "kiln inspect's error does not list the models: $(cat "$work/missing.txt")"
cp "$repo/Fixtures/mlp/model.onnx" "$work/mlp.onnx"
added="$(swift package --allow-writing-to-package-directory kiln-init "$work/mlp.onnx" --target Mlp 2>&1)" \
    || fail "swift package kiln init failed:
$added"
[ -f Sources/Mlp/mlp.onnx ] && [ -f Sources/Mlp/include/Mlp.h ] || fail "kiln init did not add the Mlp target:
$added"
echo "$added" | grep -q '.target(name: "Mlp"' || fail "kiln init did not print the target line:
$added"
echo "check-init: OK"
