#!/usr/bin/env bash
# What a bounded batch dim costs: one build with {"dims": {"batch": {"max": BOUND}}}
# called at extent n, against a static build for exactly n ({"dims": {"batch": n}}),
# for each n in EXTENTS, on ResNet-18 and MobileNetV2 (Benchmarks/make_networks.py,
# made batch-symbolic here) and the Fixtures/bounded models. The goal is a ratio
# (bounded / static) of at most 1.1.
#
# Builds kilnc (release, .build-release), then for every model and extent runs
# `kilnc bench --json` for the static and the bounded build INTERLEAVED, ROUNDS
# rounds, so machine noise hits both alike; each figure is the median over rounds
# of that round's median. Prints the machine and a Markdown table.
#
# Usage: bash Benchmarks/bounded.sh
# Environment: BOUND (8), EXTENTS ("1 4 8"), ROUNDS (3), RUNS (30), WARMUP (5),
#              NETWORKS ("resnet18 mobilenetv2"; empty skips them), THREADS (1)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOUND="${BOUND:-8}"
EXTENTS="${EXTENTS:-1 4 8}"
ROUNDS="${ROUNDS:-3}"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-5}"
NETWORKS="${NETWORKS-resnet18 mobilenetv2}"
THREADS="${THREADS:-1}"

cd "$REPO"
swift build -c release --product kilnc --scratch-path .build-release >/dev/null
KILNC="$REPO/.build-release/release/kilnc"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kiln-bounded.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

models=()
for fixture in Fixtures/bounded/*/; do
    name="bounded_$(basename "$fixture")"
    cp "$fixture/model.onnx" "$WORK/$name.onnx"
    models+=("$name")
done
if [ -n "$NETWORKS" ]; then
    source Scripts/venv.sh >/dev/null
    "$VENV/bin/python" Benchmarks/make_networks.py "$WORK/networks" >/dev/null
    for name in $NETWORKS; do
        # The networks are exported at batch 1: name the batch of the input and output.
        "$VENV/bin/python" - "$WORK/networks/$name/model.onnx" "$WORK/$name.onnx" <<'PY'
import sys
import onnx
model = onnx.load(sys.argv[1])
for value in list(model.graph.input) + list(model.graph.output):
    value.type.tensor_type.shape.dim[0].dim_param = "batch"
onnx.save(model, sys.argv[2])
PY
        models+=("$name")
    done
fi

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; threads $THREADS"
echo "bound $BOUND, extents $EXTENTS, $ROUNDS rounds of $RUNS runs (median of round medians)"
echo
echo "| model | batch | static ms | bounded ms | bounded / static |"
echo "| --- | ---: | ---: | ---: | ---: |"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for name in "${models[@]}"; do
    for n in $EXTENTS; do
        printf '{ "dims": { "batch": %d } }\n' "$n" > "$WORK/static.kiln.json"
        printf '{ "dims": { "batch": { "max": %d } } }\n' "$BOUND" > "$WORK/bounded.kiln.json"
        : > "$WORK/static.txt"
        : > "$WORK/bounded.txt"
        for _ in $(seq "$ROUNDS"); do
            "$KILNC" bench "$WORK/$name.onnx" --config "$WORK/static.kiln.json" --json --runs "$RUNS" \
                --warmup "$WARMUP" --threads "$THREADS" | sed -n 's/.*"median_ms":\([0-9.e+-]*\).*/\1/p' >> "$WORK/static.txt"
            "$KILNC" bench "$WORK/$name.onnx" --config "$WORK/bounded.kiln.json" --extent "$n" --json --runs "$RUNS" \
                --warmup "$WARMUP" --threads "$THREADS" | sed -n 's/.*"median_ms":\([0-9.e+-]*\).*/\1/p' >> "$WORK/bounded.txt"
        done
        static=$(median < "$WORK/static.txt")
        bounded=$(median < "$WORK/bounded.txt")
        awk -v m="$name" -v n="$n" -v s="$static" -v b="$bounded" \
            'BEGIN { printf "| %s | %d | %.4g | %.4g | %.2f |\n", m, n, s, b, b / s }'
    done
done
