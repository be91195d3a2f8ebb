#!/usr/bin/env bash
# Builds Examples/Digits exactly as a user would (swift build in the example
# package, which depends on Kiln by path), runs it and checks what it prints:
# accuracy ≥ 95 %, 100 % agreement with ONNX Runtime from every CPU build
# its config lists (the best the machine has, then each one forced), a
# binary that links neither libLLVM nor libvulkan, a --static-swift-stdlib
# build that runs with the Swift toolchain hidden, and a no-op rebuild that
# reruns nothing and costs little over SwiftPM's own.
#
# The builds are debug (CONFIGURATION=release checks the release build
# `make demo` makes): what the checks look at, the model's numbers from
# kilnc's optimised code, the libraries linked and the no-op rebuild, does
# not depend on how Swift optimises the app, and SwiftPM 6.3 builds the
# plugin's tool twice in a cold build (README, "Each model is its own build
# command"), which in release took 10 of this check's 12 minutes on a
# 2-core Zen 3, against about 2 in debug.
set -euo pipefail
cd "$(dirname "$0")/../Examples/Digits"
configuration="${CONFIGURATION:-debug}"

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

# digits.kiln.json lists three x86-64 levels: the binary holds a build for
# each and loads the best this machine supports (test machines have been
# Zen 4 with AVX-512 and Zen 3 without), read here from the kernel's flags.
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for flag in "$@"; do [[ "$flags" == *" $flag "* ]] || return 1; done; }
levels=(x86-64-v2)
if has avx avx2 bmi1 bmi2 f16c fma abm movbe xsave; then
    levels+=(x86-64-v3)
    if has avx512f avx512bw avx512cd avx512dq avx512vl; then levels+=(x86-64-v4); fi
fi
best="${levels[${#levels[@]} - 1]}"
echo "$output" | grep -qx "CPU build: $best (of x86-64-v2, x86-64-v3, x86-64-v4)" \
    || fail "the App did not load the $best build of three (the best this machine's flags allow)"
for level in "${levels[@]}"; do
    [ "$level" != "$best" ] || continue
    forced="$(KILN_CPU_VARIANT=$level "$binary")" || fail "the App's $level build exited with status $?"
    echo "$forced" | grep -qx "CPU build: $level (of x86-64-v2, x86-64-v3, x86-64-v4)" || fail "KILN_CPU_VARIANT=$level was not loaded"
    echo "$forced" | grep -qx 'agreement with ONNX Runtime: 100.00 % .*' \
        || fail "the $level build does not agree with ONNX Runtime: $(echo "$forced" | grep agreement)"
    echo "$level build: $(echo "$forced" | grep agreement)"
done
if KILN_CPU_VARIANT=znver9 "$binary" > /dev/null 2>&1; then fail "an unknown KILN_CPU_VARIANT must be an error"; fi

if ldd "$binary" | grep -Ei 'libLLVM|libvulkan'; then
    fail "$binary links LLVM or Vulkan; a shipped binary must need neither"
fi
echo "ldd: no libLLVM, no libvulkan"

# Shipping as one file: the Swift runtime linked in (--static-swift-stdlib),
# the weights embedded, and nothing of the toolchain needed to run it. The
# binary runs in a mount namespace where the toolchain's folder is an empty
# tmpfs, so no Swift library can be found even by an rpath.
# Its own scratch folder keeps the regular build's binary as it was.
static_configuration="${STATIC_CONFIGURATION:-debug}"
static_build() { swift build -c "$static_configuration" --static-swift-stdlib --scratch-path .build-static "$@"; }
static_build >/dev/null
static="$(mktemp -d)/App"
cp "$(static_build --show-bin-path)/App" "$static"
if ldd "$static" | grep -E 'libswift|libFoundation|libdispatch|libLLVM|libvulkan'; then
    fail "the --static-swift-stdlib build still links the libraries above"
fi
# The folder to hide is the one the regular build loads the Swift runtime from.
runtime="$(ldd "$binary" | awk '/libswiftCore/ { print $3 }')"
[ -n "$runtime" ] || fail "the regular build does not load libswiftCore; cannot tell which folder to hide"
# <toolchain>/usr/lib/swift/linux/libswiftCore.so: hide the whole toolchain,
# unless it is the system's /usr (Swift's Docker images), then its Swift libraries.
toolchain="$(dirname "$(readlink -f "$runtime")")"
root="$(dirname "$(dirname "$(dirname "$toolchain")")")"
[ "$root" = /usr ] || [ "$root" = / ] || toolchain="$root"
case "$toolchain" in
    /usr/lib | /usr/lib64 | /lib | /lib64 | /usr/lib/x86_64-linux-gnu | /lib/x86_64-linux-gnu)
        fail "the Swift runtime lives in $toolchain with the C libraries; hiding it would hide those too" ;;
esac
unshare --map-root-user --mount true 2>/dev/null \
    || fail "unshare --map-root-user --mount is not allowed here (a container without user namespaces?)"
hidden="$(unshare --map-root-user --mount bash -c '
    mount -t tmpfs none "$1" || exit 90
    [ -z "$(ls -A "$1")" ] || exit 91
    "$2"' hide "$toolchain" "$static")" || fail "the static App failed where $toolchain is hidden (status $?)"
echo "$hidden" | grep -qx 'agreement with ONNX Runtime: 100.00 % .*' \
    || fail "the static App does not agree with ONNX Runtime: $(echo "$hidden" | grep agreement)"
echo "static build: $(stat -c %s "$static") bytes, runs with $toolchain hidden; links only: $(ldd "$static" | awk '{print $1}' | tr '\n' ' ')"
rm -rf "$(dirname "$static")"

# The first rebuild after a clean build rebuilds the plugin's tool (SwiftPM
# tracks it in two databases); the next ones must be no-ops: nothing of Kiln
# reruns, and the build costs little more than SwiftPM's own no-op of a
# package with no dependencies and no plugin, timed here alike. Issue 2 asks
# for under one second, which held (0.4-0.9 s) while SwiftPM's floor was
# 0.3-0.6 s; on slower days the floor alone has been 0.8 s, so the limit is
# what Kiln adds to it. The best of three is timed: on a 2-core machine one
# build alone can take twice as long.
static_build >/dev/null
noop="$(static_build 2>&1)"
if echo "$noop" | grep -v 'Compiling plugin' | grep -E 'Compiling|Generating|Linking|Planning'; then
    fail "a swift build with nothing changed reran the steps above"
fi
best_of_three() {
    local best= took start
    for _ in 1 2 3; do
        start=$(date +%s%N)
        "$@" >/dev/null
        took=$(( ($(date +%s%N) - start) / 1000000 ))
        if [ -z "$best" ] || [ "$took" -lt "$best" ]; then best=$took; fi
    done
    echo "$best"
}
floor_package="$(mktemp -d)"
mkdir -p "$floor_package/Sources/Empty"
printf '%s\n' '// swift-tools-version: 6.0' 'import PackageDescription' \
    'let package = Package(name: "Empty", targets: [.executableTarget(name: "Empty")])' > "$floor_package/Package.swift"
echo 'print("empty")' > "$floor_package/Sources/Empty/main.swift"
empty_build() { swift build --package-path "$floor_package" "$@"; }
empty_build >/dev/null
elapsed_ms="$(best_of_three static_build)"
floor_ms="$(best_of_three empty_build)"
rm -rf "$floor_package"
added_ms=$(( elapsed_ms - floor_ms ))
echo "no-op rebuild: ${elapsed_ms} ms (best of three); SwiftPM's own no-op of an empty package: ${floor_ms} ms; Kiln adds ${added_ms} ms"
[ "$added_ms" -lt 400 ] || fail "a no-op swift build took ${elapsed_ms} ms, ${added_ms} ms more than an empty package's (limit 400 ms)"

echo "check-digits-example: OK"
