#!/usr/bin/env bash
# `kilnc report` as a user opens it: the page is rendered by headless
# Chromium (Debian's chromium, installed by `make deps`), which runs the
# page's own script; the rendered DOM must count the nodes, buffers and
# kernels the page was written with, and the screenshot must be a real page.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$repo/.build-report"
fail() { echo "check-report: FAIL: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (make deps installs it)"

(cd "$repo" && swift build --product kilnc) >/dev/null
kilnc="$(cd "$repo" && swift build --product kilnc --show-bin-path)/kilnc"
rm -rf "$work"
mkdir -p "$work"
# The last one is timed on the Vulkan device (lavapipe here): its kernels are the dispatches.
for run in state/lstm_step:cpu resnet_small:cpu resnet_small:vulkan; do
    fixture="${run%:*}"
    device="${run#*:}"
    name="${fixture//\//_}_$device"
    page="$work/$name.html"
    summary="$("$kilnc" report "$repo/Fixtures/$fixture/model.onnx" -o "$page" --runs 20 --device "$device")" \
        || fail "kilnc report --device $device failed on $fixture"
    if [ "$device" = vulkan ]; then
        grep -q "^timed on .*Vulkan" <<< "$summary" || fail "the Vulkan report names no device: $summary"
    fi
    kernels="$(sed -n 's/.*: \([0-9]*\) kernels, \([0-9]*\) nodes$/\1/p' <<< "$summary")"
    nodes="$(sed -n 's/.*: \([0-9]*\) kernels, \([0-9]*\) nodes$/\2/p' <<< "$summary")"
    [ -n "$kernels" ] && [ -n "$nodes" ] || fail "unexpected kilnc report output: $summary"
    [ "$kernels" -gt 0 ] || fail "the $name report times no kernels"
    browser=(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile")
    timeout 120 "${browser[@]}" --dump-dom "$page" > "$work/$name.dom" 2>/dev/null \
        || fail "chromium could not render $page"
    grep -q "id=\"status\">rendered: $nodes nodes, [0-9]* buffers, $kernels kernels<" "$work/$name.dom" \
        || fail "the rendered $name page does not count $nodes nodes and $kernels kernels: $(grep -o 'id="status">[^<]*' "$work/$name.dom")"
    for section in Summary Kernels "Memory plan" "Fused graph"; do
        grep -q "<h2>$section</h2>" "$work/$name.dom" || fail "the rendered $name page has no '$section' section"
    done
    timeout 120 "${browser[@]}" --screenshot="$work/$name.png" --window-size=1200,1600 "$page" >/dev/null 2>&1 \
        || fail "chromium could not take a screenshot of $page"
    size="$(stat -c %s "$work/$name.png")"
    [ "$size" -gt 20000 ] || fail "the screenshot of $name is $size bytes: a blank page?"
    echo "ok   $fixture ($device): $nodes nodes, $kernels kernels rendered; screenshot $work/$name.png ($size bytes)"
done
echo "check-report: OK"
