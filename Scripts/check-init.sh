#!/usr/bin/env bash
# The README's quick start, as a new user runs it: `kilnc init` on a model
# with no package yet writes the package (manifest, model target, header,
# config, an App calling the generated class), and `swift run App` builds
# it through the plugin and runs the model once.
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
echo "check-init: OK"
