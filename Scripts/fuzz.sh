#!/usr/bin/env bash
# Fuzzes the compiler front end (Sources/KilnFuzz) with libFuzzer and
# AddressSanitizer for FUZZ_SECONDS (default 600), seeded with
# Fixtures/Malformed and the small fixture models. A crash is saved under
# .build-fuzz/crashes/ and fails the run: reproduce it with
#   swift build --product KilnFuzz && .build/debug/KilnFuzz <file>
# then add the file to Scripts/make_malformed.py as a case.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
seconds="${FUZZ_SECONDS:-600}"
runtime="$(find "$(dirname "$(dirname "$(command -v swift)")")/lib" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)"
[ -n "$runtime" ] || { echo "fuzz: libclang_rt.fuzzer_no_main not found in the Swift toolchain" >&2; exit 1; }

# -sanitize=fuzzer would link libFuzzer's main, which clashes with the one
# SwiftPM gives executables; the coverage flags plus the no-main runtime do
# the same, and KilnFuzz_main calls LLVMFuzzerRunDriver.
swift build --product KilnFuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -DKILN_FUZZER -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | grep -v "Cannot export local symbol" || true
binary=".build-fuzz/debug/KilnFuzz"
[ -x "$binary" ] || { echo "fuzz: the build failed" >&2; exit 1; }

corpus=".build-fuzz/corpus"
crashes=".build-fuzz/crashes"
mkdir -p "$corpus" "$crashes"
cp Fixtures/Malformed/*.onnx "$corpus/"
for model in mlp lenet shape_subgraph shape_arithmetic; do cp "Fixtures/$model/model.onnx" "$corpus/$model.onnx"; done
find Fixtures/conformance -name model.onnx -size -16k | head -200 | while read -r model; do
    cp "$model" "$corpus/$(basename "$(dirname "$model")").onnx"
done

# The folding budget lets one input allocate up to a few hundred MB.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$binary" "$corpus" -max_total_time="$seconds" -rss_limit_mb=4096 \
    -max_len=65536 -timeout=30 -artifact_prefix="$crashes/" -print_final_stats=1
echo "fuzz: ${seconds} s without a crash"
