#!/usr/bin/env bash
# Builds Examples/Digits exactly as a user would (swift build in the example
# package, which depends on Kiln by path), runs it and checks what it prints:
# accuracy ≥ 95 %, 100 % agreement with ONNX Runtime, a binary that links
# neither libLLVM nor libvulkan, and a no-op rebuild under one second.
set -euo pipefail
cd "$(dirname "$0")/../Examples/Digits"
configuration="${CONFIGURATION:-release}"

fail() { echo "check-digits-example: FAIL: $*" >&2; exit 1; }

# SwiftPM itself has crashed here once in libdispatch while linking (signal
# 11, nothing to do with the package): a build killed by a signal is retried
# once; a build that fails with an error is not.
status=0
swift build -c "$configuration" || status=$?
if [ "$status" -gt 128 ]; then
    echo "check-digits-example: swift build died by signal $((status - 128)); retrying once" >&2
    swift build -c "$configuration"
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
binary="$(swift build -c "$configuration" --show-bin-path)/App"
output="$("$binary")" || fail "the App exited with status $?"
echo "$output"

accuracy="$(echo "$output" | sed -n 's/^accuracy: \([0-9.]*\) %.*/\1/p')"
agreement="$(echo "$output" | sed -n 's/^agreement with ONNX Runtime: \([0-9.]*\) %.*/\1/p')"
[ -n "$accuracy" ] || fail "no accuracy line in the output"
awk -v a="$accuracy" 'BEGIN { exit !(a >= 95) }' || fail "accuracy $accuracy % is below 95 %"
[ "$agreement" = "100.00" ] || fail "agreement with ONNX Runtime is $agreement %, not 100.00 %"

if ldd "$binary" | grep -Ei 'libLLVM|libvulkan'; then
    fail "$binary links LLVM or Vulkan; a shipped binary must need neither"
fi
echo "ldd: no libLLVM, no libvulkan"

# The first rebuild after a clean build relinks the plugin's tool; the next one must be a no-op.
swift build -c "$configuration" >/dev/null
start=$(date +%s%N)
swift build -c "$configuration" >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "no-op rebuild: ${elapsed_ms} ms"
[ "$elapsed_ms" -lt 1000 ] || fail "a no-op swift build took ${elapsed_ms} ms (limit 1000 ms)"

echo "check-digits-example: OK"
