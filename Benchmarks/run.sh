#!/usr/bin/env bash
# Kiln vs ONNX Runtime and OpenVINO, CPU latency on the fixture models, on
# realistic single layers and on whole networks; one thread each unless
# THREADS says otherwise (then every engine gets that many).
#
# Builds kilnc (release, scratch path .build-release), makes sure the pinned
# Python venv Scripts/.venv-bench (Scripts/requirements-bench.txt) exists,
# then for every model runs `kilnc bench`, Benchmarks/ort_bench.py and
# Benchmarks/openvino_bench.py INTERLEAVED (kiln, ort, openvino, kiln, ...
# ROUNDS rounds each) so machine noise hits every engine alike. Each engine's figure
# is the median over rounds of that round's median (p10/p90 likewise: median
# over rounds of each round's p10/p90). Prints the machine, versions and a
# Markdown table; the raw JSON lines go to a file under ${TMPDIR:-/tmp}.
#
# Layers: Benchmarks/make_layers.py writes single-layer models of real-network
# shapes (ResNet-18 convolutions, pointwise/depthwise Conv, a Gemm classifier,
# a MatMul) with ORT reference outputs into a temp dir. Right after the build,
# before any timing, `kilnc verify` checks every layer against its reference;
# one mismatch stops the script with a non-zero status (timing wrong numbers
# is pointless) and keeps the temp dir for inspection. The layers are then
# timed after the fixture models, interleaved the same way, and their table
# rows also get GFLOP/s per engine (2 x multiply-adds / median time).
#
# Networks: Benchmarks/make_networks.py writes ResNet-18 and MobileNetV2
# (torchvision topologies, random weights, batch 1, 224x224) with ORT
# reference outputs into another temp dir. They are verified right after the
# layers, before any timing, at the same tolerance (1e-4 abs + 1e-4 rel), with
# the same fail-and-keep-the-dir rule, and timed last with their own (smaller)
# run counts; their rows get GFLOP/s too (conv + gemm multiply-adds). No
# looser tolerance is needed: in the first trial the logits (std 1.8 and 0.29)
# were off by at most 5.2e-6 (ResNet-18) and 1.4e-6 (MobileNetV2).
#
# Usage: bash Benchmarks/run.sh
# Environment: RUNS (default 200), WARMUP (default 20), ROUNDS (default 3),
#              MODELS (default "ops/relu mlp lenet resnet_small digits"; ops/relu, 24
#              elements, measures each engine's per-call floor), PYTHON (python3),
#              LAYERS (default: every layer make_layers.py writes; empty skips
#              the layers), RUNS_LAYERS (default 50), WARMUP_LAYERS (default 5),
#              ROUNDS_LAYERS (default: ROUNDS), NETWORKS (default: every
#              network make_networks.py writes; empty skips them),
#              RUNS_NETWORKS (default 20), WARMUP_NETWORKS (default 3),
#              ROUNDS_NETWORKS (default: ROUNDS), THREADS (default 1: threads
#              per engine, Kiln's worker pool and ONNX Runtime's intra-op pool).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1}"
MODELS="${MODELS:-ops/relu mlp lenet resnet_small digits}"
PYTHON="${PYTHON:-python3}"
RUNS_LAYERS="${RUNS_LAYERS:-50}"
WARMUP_LAYERS="${WARMUP_LAYERS:-5}"
ROUNDS_LAYERS="${ROUNDS_LAYERS:-$ROUNDS}"
RUNS_NETWORKS="${RUNS_NETWORKS:-20}"
WARMUP_NETWORKS="${WARMUP_NETWORKS:-3}"
ROUNDS_NETWORKS="${ROUNDS_NETWORKS:-$ROUNDS}"
KILNC="$ROOT/.build-release/release/kilnc"

echo "Building kilnc (release)..." >&2
swift build -c release --product kilnc --scratch-path .build-release >&2

# The pinned benchmark venv (numpy, onnx, ONNX Runtime, OpenVINO).
VENV_NAME=.venv-bench VENV_REQUIREMENTS=requirements-bench.txt . Scripts/venv.sh >&2
PY="$VENV/bin/python"

# One thread everywhere (ORT sets its own thread counts; this keeps numpy quiet).
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

RAW="$(mktemp "${TMPDIR:-/tmp}/kiln-bench.XXXXXX.jsonl")"

# Temp dirs of generated models, removed on exit unless a verify failure keeps them.
TEMP_DIRS=()
cleanup() { if [ "${#TEMP_DIRS[@]}" -gt 0 ]; then rm -rf "${TEMP_DIRS[@]}"; fi; }
trap cleanup EXIT

# Writes models with a generator script into a new temp dir, then verifies Kiln
# on each requested one (all of them for "all") against its ORT reference
# before anything is timed. Sets GEN_DIR and GEN_NAMES; exits non-zero, keeping
# the models, on any mismatch.
generate_and_verify() { # kind generator index_json requested
    local kind="$1" generator="$2" index="$3" requested="$4" name path result failed=""
    GEN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kiln-${kind}s.XXXXXX")"
    TEMP_DIRS+=("$GEN_DIR")
    echo "Writing $kind models to $GEN_DIR..." >&2
    "$PY" "$generator" "$GEN_DIR" >&2
    if [ "$requested" = "all" ]; then
        requested="$("$PY" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))))' "$GEN_DIR/$index")"
    fi
    GEN_NAMES="$requested"
    for name in $GEN_NAMES; do
        path="$GEN_DIR/$name/model.onnx"
        [ -f "$path" ] || { echo "run.sh: $(basename "$generator") wrote no $kind '$name'" >&2; exit 1; }
        if result="$("$KILNC" verify "$path" 2>&1)"; then
            echo "  verify $name: $result" >&2
        else
            echo "  verify $name: FAILED: $result" >&2
            failed="$failed $name"
        fi
    done
    if [ -n "$failed" ]; then
        trap - EXIT
        echo "run.sh: FAILED: kilnc verify does not match ONNX Runtime on:$failed" >&2
        echo "run.sh: models and reference data kept in ${TEMP_DIRS[*]}" >&2
        exit 1
    fi
}

# Generate the layer and network models and verify Kiln on every one before timing anything.
LAYERS_DIR=""
if [ "${LAYERS-all}" != "" ]; then
    generate_and_verify layer Benchmarks/make_layers.py layers.json "${LAYERS-all}"
    LAYERS_DIR="$GEN_DIR" LAYERS="$GEN_NAMES"
else
    LAYERS=""
fi
NETWORKS_DIR=""
if [ "${NETWORKS-all}" != "" ]; then
    generate_and_verify network Benchmarks/make_networks.py networks.json "${NETWORKS-all}"
    NETWORKS_DIR="$GEN_DIR" NETWORKS="$GEN_NAMES"
else
    NETWORKS=""
fi

# Tags one JSON line with the model, its kind (fixture, layer or network), engine and round, and appends it to $RAW.
record() { # name kind engine round json
    "$PY" -c '
import json, sys
line = json.loads(sys.argv[5])
line.update(fixture=sys.argv[1], kind=sys.argv[2], engine=sys.argv[3], round=int(sys.argv[4]))
print(json.dumps(line, sort_keys=True, separators=(",", ":")))
' "$@" >>"$RAW"
}

# Times Kiln, ONNX Runtime and OpenVINO on one model, interleaved, ROUNDS rounds each.
bench_model() { # name kind path runs warmup rounds
    local name="$1" kind="$2" path="$3" runs="$4" warmup="$5" rounds="$6" round
    [ -f "$path" ] || { echo "run.sh: no $path" >&2; exit 1; }
    for round in $(seq 1 "$rounds"); do
        echo "  $name round $round/$rounds: kiln" >&2
        record "$name" "$kind" kiln "$round" "$("$KILNC" bench "$path" --runs "$runs" --warmup "$warmup" --threads "$THREADS" --json)"
        echo "  $name round $round/$rounds: ort" >&2
        record "$name" "$kind" ort "$round" "$("$PY" Benchmarks/ort_bench.py "$path" --runs "$runs" --warmup "$warmup" --threads "$THREADS")"
        echo "  $name round $round/$rounds: openvino" >&2
        record "$name" "$kind" openvino "$round" "$("$PY" Benchmarks/openvino_bench.py "$path" --runs "$runs" --warmup "$warmup" --threads "$THREADS")"
        if [[ "$name" == matmul* ]]; then
            echo "  $name round $round/$rounds: numpy" >&2
            record "$name" "$kind" numpy "$round" "$("$PY" Benchmarks/numpy_bench.py "$path" --runs "$runs" --warmup "$warmup" --threads "$THREADS")"
        fi
    done
}

# One core's float32 FMA peak, for reading the MatMul rows (skipped without a C compiler).
FMA_PEAK=""
if command -v cc >/dev/null; then
    cc -O2 -march=native -ffp-contract=fast -o "$RAW.fma_peak" Benchmarks/fma_peak.c
    FMA_PEAK="$("$RAW.fma_peak" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["gflops"])')"
    rm -f "$RAW.fma_peak"
    echo "FMA peak: $FMA_PEAK GFLOP/s per core" >&2
fi

for model in $MODELS; do
    bench_model "$model" fixture "Fixtures/$model/model.onnx" "$RUNS" "$WARMUP" "$ROUNDS"
done
for layer in $LAYERS; do
    bench_model "$layer" layer "$LAYERS_DIR/$layer/model.onnx" "$RUNS_LAYERS" "$WARMUP_LAYERS" "$ROUNDS_LAYERS"
done
for network in $NETWORKS; do
    bench_model "$network" network "$NETWORKS_DIR/$network/model.onnx" "$RUNS_NETWORKS" "$WARMUP_NETWORKS" "$ROUNDS_NETWORKS"
done

echo
echo "## Environment"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(getconf _NPROCESSORS_ONLN) CPUs, $(uname -sr)"
echo "- kilnc: $("$KILNC" --version) (git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)), $(swift --version 2>/dev/null | head -1)"
echo "- onnxruntime: $("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)'), openvino: $("$PY" -c 'import openvino; print(openvino.__version__.split("-")[0])') (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
echo "- settings: $RUNS timed runs, $WARMUP warm-up runs, $ROUNDS interleaved rounds per engine, $THREADS thread(s) each"
if [ -n "$LAYERS" ]; then
    echo "- layers: $RUNS_LAYERS timed runs, $WARMUP_LAYERS warm-up runs, $ROUNDS_LAYERS interleaved rounds per engine; every layer passed \`kilnc verify\` (1e-4 abs + 1e-4 rel)"
fi
if [ -n "$NETWORKS" ]; then
    echo "- networks: $RUNS_NETWORKS timed runs, $WARMUP_NETWORKS warm-up runs, $ROUNDS_NETWORKS interleaved rounds per engine; every network passed \`kilnc verify\` (1e-4 abs + 1e-4 rel)"
fi
if [ -n "$FMA_PEAK" ]; then
    echo "- one core's float32 FMA peak (Benchmarks/fma_peak.c): $FMA_PEAK GFLOP/s"
fi
echo "- raw JSON lines: $RAW"
echo

"$PY" - "$RAW" "$MODELS" "$LAYERS" "${LAYERS_DIR:+$LAYERS_DIR/layers.json}" \
    "$NETWORKS" "${NETWORKS_DIR:+$NETWORKS_DIR/networks.json}" "$FMA_PEAK" "$THREADS" <<'EOF'
import json, math, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
# (name, kind) in table order: the fixture models, then the layers, then the networks.
entries = ([(m, "fixture") for m in sys.argv[2].split()] + [(m, "layer") for m in sys.argv[3].split()]
           + [(m, "network") for m in sys.argv[5].split()])
layers = json.load(open(sys.argv[4])) if sys.argv[4] else {}
networks = json.load(open(sys.argv[6])) if sys.argv[6] else {}
counted = {"layer": layers, "network": networks}  # kinds whose multiply-adds are known

def select(entry, engine):
    name, kind = entry
    return [r for r in rows if r["fixture"] == name and r.get("kind", "fixture") == kind and r["engine"] == engine]

def agg(entry, engine, key):
    return statistics.median(r[key] for r in select(entry, engine))

def fmt(ms):
    """Three significant digits, fixed notation (0.000701, 0.0903, 1.87)."""
    if ms <= 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(ms)))
    return f"{ms:.{digits}f}"

def gflops(entry, ms):
    """2 x multiply-adds / median time, for the layers and networks (whose counts the generators wrote)."""
    name, kind = entry
    if kind not in counted or ms <= 0:
        return "–"
    return fmt(2 * counted[kind][name]["macs"] / (ms * 1e6))

def peers(e):
    """(ORT median, OpenVINO median, the faster peer's name and median)."""
    o, v = agg(e, "ort", "median_ms"), agg(e, "openvino", "median_ms")
    return o, v, ("ORT", o) if o <= v else ("OpenVINO", v)

print("| model | Kiln ms | Kiln p10 / p90 | ORT ms | OpenVINO ms | Kiln / ORT | Kiln / OpenVINO "
      "| Kiln / faster peer | Kiln GFLOP/s | faster peer GFLOP/s |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for e in entries:
    k = agg(e, "kiln", "median_ms")
    o, v, (best_name, best) = peers(e)
    print(
        f"| {e[0]} | {fmt(k)} | {fmt(agg(e, 'kiln', 'p10_ms'))} / {fmt(agg(e, 'kiln', 'p90_ms'))} "
        f"| {fmt(o)} | {fmt(v)} | {k / o:.2f} | {k / v:.2f} | {k / best:.2f} ({best_name}) "
        f"| {gflops(e, k)} | {gflops(e, best)} |"
    )
print()
print("Kiln / peer < 1 means Kiln is faster (the issue's target is <= 0.8 against the faster peer). "
      "Medians are medians over rounds of each round's median. ORT's figure is the faster of its "
      "`run` and IOBinding call paths; OpenVINO's is `infer()` on a request with its inputs bound once.")
if layers or networks:
    print("GFLOP/s = 2 x Conv/Gemm/MatMul multiply-adds / median time (layers and networks only; bias, "
          "BatchNormalization, activations, pooling and Add not counted).")
if layers:
    print()
    print("Layers (batch 1, float32; Benchmarks/make_layers.py):")
    for name, kind in entries:
        if kind == "layer":
            print(f"- {name}: {layers[name]['description']}; {layers[name]['macs'] / 1e6:.2f} M multiply-adds")
if networks:
    print()
    print("Networks (batch 1, float32, random weights; Benchmarks/make_networks.py):")
    for name, kind in entries:
        if kind == "network":
            n = networks[name]
            print(f"- {name}: {n['description']}; {n['macs'] / 1e6:.2f} M multiply-adds, "
                  f"{n['params'] / 1e6:.2f} M parameters")
print()
created = [(e[0], agg(e, "kiln", "create_ms")) for e in entries
           if e[1] == "network" and all("create_ms" in r for r in select(e, "kiln"))]
if created:
    print()
    print("Kiln instance creation from the loaded binary (arena, tables, worker pool; median of 20 per round): "
          + ", ".join(f"{name} {fmt(ms)} ms" for name, ms in created) + ".")

matmuls = [e for e in entries if e[1] == "layer" and e[0].startswith("matmul") and select(e, "numpy")]
if matmuls:
    peak = float(sys.argv[7]) * int(sys.argv[8]) if sys.argv[7] else 0
    print()
    print(f"MatMul against OpenBLAS (numpy's `np.matmul` with `out=`, {sys.argv[8]} thread(s)):")
    print()
    print("| layer | Kiln GFLOP/s | OpenBLAS GFLOP/s | Kiln / OpenBLAS throughput | Kiln % of FMA peak |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for e in matmuls:
        k, n = agg(e, "kiln", "median_ms"), agg(e, "numpy", "median_ms")
        share = f"{100 * float(gflops(e, k)) / peak:.0f} %" if peak else "–"
        print(f"| {e[0]} | {gflops(e, k)} | {gflops(e, n)} | {n / k:.2f} | {share} |")
    if peak:
        print()
        print(f"FMA peak: {sys.argv[7]} GFLOP/s per core (Benchmarks/fma_peak.c) x {sys.argv[8]} thread(s).")
print()
print("Per-round medians (ms), kiln | ort (run / iobinding) | openvino:")
for e in entries:
    kr = [fmt(r["median_ms"]) for r in select(e, "kiln")]
    orr = [f"{fmt(r['run_median_ms'])}/{fmt(r['iobinding_median_ms'])}" for r in select(e, "ort")]
    ovr = [fmt(r["median_ms"]) for r in select(e, "openvino")]
    print(f"- {e[0]}: kiln {', '.join(kr)} | ort {', '.join(orr)} | openvino {', '.join(ovr)}")
EOF
