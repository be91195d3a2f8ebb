#!/usr/bin/env bash
# Measures the release kilnc on every Fixtures/Malformed case: wall time and
# peak memory, slowest first, against the corpus's goal of a clear answer
# within a second. A measurement, not a test (machines are noisy): it prints
# the table and exits 1 when a case misses the goal by more than 2×, which
# only a real regression does.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product kilnc >/dev/null
kilnc="$(swift build -c release --show-bin-path)/kilnc"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

goal_ms=1000
results="$scratch/results"
for model in Fixtures/Malformed/*.onnx; do
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$scratch/rss" "$kilnc" compile "$model" --output-dir "$scratch/out" \
        >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 )) $(tail -1 "$scratch/rss") $(basename "$model" .onnx)" >> "$results"
done

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "$(wc -l < "$results") cases; slowest first (goal: ${goal_ms} ms each)"
printf '%8s %10s  %s\n' "ms" "peak MiB" "case"
sort -rn "$results" | head -15 | while read -r ms kb name; do
    printf '%8d %10d  %s\n' "$ms" "$(( kb / 1024 ))" "$name"
done
worst=$(sort -rn "$results" | head -1 | cut -d' ' -f1)
if [ "$worst" -gt $(( 2 * goal_ms )) ]; then
    echo "error: a case took ${worst} ms, over twice the goal" >&2
    exit 1
fi
