#!/usr/bin/env bash
# Kiln's Vulkan build against ncnn (Vulkan) and IREE (vulkan-spirv), batch 1,
# float32, on the same models and inputs in one interleaved run; prints a
# Markdown section for Benchmarks/RESULTS.md.
#
# Builds kilnc (release, scratch path .build-release), makes sure the pinned
# Python venv Scripts/.venv-vulkan-bench (Scripts/requirements-vulkan-bench.txt,
# installed with PIP_NO_DEPS=1: pnnx's torch is not needed) exists, writes the
# models into a temp dir (Benchmarks/make_networks.py: mobilenetv2, resnet18,
# transformer; Benchmarks/make_layers.py: matmul_512, A[512,512] x a constant
# B[512,512]), each with an ONNX Runtime reference (test_data_set_0).
#
# Then, per model, before anything is timed (the "prepare" phase):
#   kiln  `kilnc verify MODEL --device vulkan`, wall-clocked (compile, load,
#         pipelines, first call, compare). A mismatch stops the script with a
#         non-zero status and keeps the temp dir, as in run.sh.
#   ncnn  pnnx (the wheel's native binary) converts the ONNX model with the
#         input's shape and fp16=0 into MODELDIR/ncnn/, then
#         Benchmarks/ncnn_bench.py --runs 0 loads it, calls it once on
#         test_data_set_0/input_0.pb and checks the output.
#   iree  iree-import-onnx --opset-version 17, then iree-compile
#         $IREE_COMPILE_FLAGS into MODELDIR/iree/model.vmfb, then
#         Benchmarks/iree_bench.py --runs 0 (load, first call, check).
# Every check uses 1e-4 abs + 1e-4 rel. A peer whose output does not match
# is reported as "wrong output (max error X)" and not timed; a peer step that
# fails is reported with its error; neither stops the script. Every IREE step
# (import, compile, load, first call, check, timed runs) runs under a limit
# of IREE_TIMEOUT seconds, every ncnn step (conversion included) under
# NCNN_TIMEOUT: a step that runs over is reported as "timed out after N s
# (step)". lavapipe compiles IREE's shaders slowly: on the 2-vCPU test machine
# IREE's first MobileNetV2 call took 5.6 to 6.8 minutes with an empty shader
# cache and ResNet-18's more than 8, hence the default of 600 s.
#
# Each (model, engine) gets its own empty Mesa shader cache
# (MESA_SHADER_CACHE_DIR under the temp dir; lavapipe caches the machine code
# it compiles from SPIR-V there), so the prepare phase's first call is a cold
# start and the timed rounds' loads are warm, for every engine alike.
#
# Timing: for every model, `kilnc bench --device vulkan --json`,
# Benchmarks/ncnn_bench.py and Benchmarks/iree_bench.py run INTERLEAVED
# (kiln, ncnn, iree, kiln, ... ROUNDS rounds each), each a fresh process, each
# timing RUNS calls after WARMUP untimed ones on kilnc bench's input fill.
# Each engine's figure is the median over rounds of that round's median
# (p10/p90 likewise). The raw JSON lines go to a file under ${TMPDIR:-/tmp}.
#
# Usage: bash Benchmarks/vulkan_compare.sh   (or make bench-vulkan)
# Environment: RUNS (default 20), WARMUP (default 3), ROUNDS (default 3),
#              MODELS (default "mobilenetv2 resnet18 transformer matmul_512":
#              any network of make_networks.py or layer of make_layers.py),
#              PEERS (default "ncnn iree"; empty times Kiln alone),
#              IREE_TIMEOUT (default 600: seconds per IREE step),
#              NCNN_TIMEOUT (default 600: seconds per ncnn step),
#              IREE_COMPILE_FLAGS (default --iree-hal-target-backends=vulkan-spirv),
#              THREADS (default 1: kilnc bench --threads and ncnn's
#              opt.num_threads, the engines' CPU-side threads; lavapipe's
#              own threads are Mesa's default, one per CPU),
#              SKIP_BUILD (1: use the existing .build-release kilnc),
#              KILNC (a kilnc binary to use instead; implies SKIP_BUILD=1),
#              KEEP (1: keep the temp dir of models, logs and artefacts),
#              PYTHON (interpreter the venv is created with, default python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-1}"
MODELS="${MODELS:-mobilenetv2 resnet18 transformer matmul_512}"
PEERS="${PEERS-ncnn iree}"
IREE_TIMEOUT="${IREE_TIMEOUT:-600}"
NCNN_TIMEOUT="${NCNN_TIMEOUT:-600}"
IREE_COMPILE_FLAGS="${IREE_COMPILE_FLAGS:---iree-hal-target-backends=vulkan-spirv}"
if [ -n "${KILNC:-}" ]; then
    SKIP_BUILD=1
fi
KILNC="${KILNC:-$ROOT/.build-release/release/kilnc}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "Building kilnc (release)..." >&2
    swift build -c release --product kilnc --scratch-path .build-release >&2
fi
[ -x "$KILNC" ] || { echo "vulkan_compare.sh: no $KILNC (unset SKIP_BUILD to build it)" >&2; exit 1; }
"$KILNC" devices >&2 || { echo "vulkan_compare.sh: kilnc finds no Vulkan device (Mesa's lavapipe: mesa-vulkan-drivers)" >&2; exit 1; }

# The pinned venv (numpy, onnx, ONNX Runtime, ncnn, pnnx, IREE). --no-deps:
# every package is pinned, and pnnx's torch is left out on purpose.
PIP_NO_DEPS=1 VENV_NAME=.venv-vulkan-bench VENV_REQUIREMENTS=requirements-vulkan-bench.txt . Scripts/venv.sh >&2
PY="$VENV/bin/python"
# pnnx's console script imports torch; its converter is the native binary beside it.
PNNX="$("$PY" -c 'import importlib.util, os; print(os.path.join(importlib.util.find_spec("pnnx").submodule_search_locations[0], "pnnx"))')"

RAW="$(mktemp "${TMPDIR:-/tmp}/kiln-vulkan-bench.XXXXXX.jsonl")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kiln-vulkan.XXXXXX")"
mkdir -p "$WORK/logs" "$WORK/mesa"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

# The models: networks and layers by name, each with its ORT reference.
echo "Writing models to $WORK..." >&2
"$PY" Benchmarks/make_networks.py "$WORK/networks" >&2
"$PY" Benchmarks/make_layers.py "$WORK/layers" >&2
model_path() { # name -> its model.onnx
    local dir
    for dir in "$WORK/networks/$1" "$WORK/layers/$1"; do
        if [ -f "$dir/model.onnx" ]; then echo "$dir/model.onnx"; return; fi
    done
    echo "vulkan_compare.sh: neither make_networks.py nor make_layers.py writes a model '$1'" >&2
    exit 1
}
for name in $MODELS; do model_path "$name" >/dev/null; done

# Tags one JSON line with the model, engine, phase (aot: conversion or compile; prepare: the check;
# bench: a timed round) and round, and appends it to $RAW.
record() { # name engine phase round json
    "$PY" -c '
import json, sys
line = json.loads(sys.argv[5])
line.update(fixture=sys.argv[1], engine=sys.argv[2], phase=sys.argv[3], round=int(sys.argv[4]))
print(json.dumps(line, sort_keys=True, separators=(",", ":")))
' "$@" >>"$RAW"
}

# One JSON object from key=value arguments (values that parse as JSON numbers stay numbers).
json_of() {
    "$PY" -c '
import json, sys
pairs = dict(a.split("=", 1) for a in sys.argv[1:])
for key, value in pairs.items():
    try:
        pairs[key] = float(value)
    except ValueError:
        pass
print(json.dumps(pairs, sort_keys=True))
' "$@"
}

# The last line of a log that says something (ncnn's "[0 llvmpipe ...]" device lines left out), for a failure row.
last_error() { grep -v -e '^\[[0-9]' -e '^step: ' -e '^[[:space:]]*$' "$1" | tail -1 | cut -c1-200; }

now() { date +%s.%N; }
elapsed() { "$PY" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$1" "$2"; }

# Runs a peer script on a model under its step limit and records its line, or
# the timeout ("timed out after N s (step)") or failure in its stead. Returns
# 0 when the peer's status is ok.
run_peer() { # engine name path phase round runs warmup limit
    local engine="$1" name="$2" path="$3" phase="$4" round="$5" runs="$6" warmup="$7" limit="$8"
    local log="$WORK/logs/$name.$engine.$phase.$round.log" out rc=0 step
    out="$(MESA_SHADER_CACHE_DIR="$WORK/mesa/$name.$engine" STEP_TIMEOUT="$limit" \
        timeout $((4 * limit + 60)) "$PY" "Benchmarks/${engine}_bench.py" "$path" \
        --runs "$runs" --warmup "$warmup" --threads "$THREADS" 2>"$log")" || rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
        record "$name" "$engine" "$phase" "$round" "$out"
        [[ "$out" == *'"status":"ok"'* ]] && return 0
        echo "    $engine: $("$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); print("%s (max error %.3g)" % (r["status"], r["max_error"]))' "$out")" >&2
        return 1
    fi
    step="$(grep '^step: ' "$log" | tail -1 | cut -c7-)" || true
    if [ "$rc" -eq 124 ] || grep -q '^Timeout (' "$log"; then
        echo "    $engine: timed out after $limit s ($step)" >&2
        record "$name" "$engine" "$phase" "$round" "$(json_of status=timeout "step=$step" "timeout_s=$limit")"
    else
        echo "    $engine: failed ($step): $(last_error "$log")" >&2
        record "$name" "$engine" "$phase" "$round" "$(json_of status=failed "step=$step" "error=$(last_error "$log")")"
    fi
    return 1
}

# Runs one ahead-of-time step (conversion, import, compile) under a limit;
# prints its wall seconds; on a timeout or failure records it and returns 1.
aot_step() { # engine name step limit log command...
    local engine="$1" name="$2" step="$3" limit="$4" log="$5" start rc=0
    shift 5
    start="$(now)"
    timeout "$limit" "$@" >>"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ]; then
        echo "    $engine: $step timed out after $limit s" >&2
        record "$name" "$engine" prepare 0 "$(json_of status=timeout "step=$step" "timeout_s=$limit")"
        return 1
    elif [ "$rc" -ne 0 ]; then
        echo "    $engine: $step failed: $(last_error "$log")" >&2
        record "$name" "$engine" prepare 0 "$(json_of status=failed "step=$step" "error=$(last_error "$log")")"
        return 1
    fi
    elapsed "$start" "$(now)"
}

# Prepare phase: convert, compile and check every engine on every model, cold caches.
declare -A READY=()
for name in $MODELS; do
    path="$(model_path "$name")"
    dir="$(dirname "$path")"
    echo "Preparing $name..." >&2
    start="$(now)"
    if result="$(MESA_SHADER_CACHE_DIR="$WORK/mesa/$name.kiln" "$KILNC" verify "$path" --device vulkan 2>&1)"; then
        wall="$(elapsed "$start" "$(now)")"
        echo "  kiln verify: $result (${wall} s)" >&2
        record "$name" kiln prepare 0 "$(json_of status=ok "verify_s=$wall")"
    else
        trap - EXIT
        echo "vulkan_compare.sh: FAILED: kilnc verify --device vulkan does not match ONNX Runtime on $name: $result" >&2
        echo "vulkan_compare.sh: models and logs kept in $WORK" >&2
        exit 1
    fi
    for engine in $PEERS; do
        echo "  $engine..." >&2
        log="$WORK/logs/$name.$engine.aot.log"
        case "$engine" in
        ncnn)
            mkdir -p "$dir/ncnn"
            ln -sf ../model.onnx "$dir/ncnn/model.onnx"
            shape="$("$PY" -c '
import onnx, sys
dims = onnx.load(sys.argv[1], load_external_data=False).graph.input[0].type.tensor_type.shape.dim
print("[" + ",".join(str(d.dim_value) for d in dims) + "]")' "$path")"
            # pnnx writes next to its input: run it in ncnn/ on the link.
            aot_s="$(cd "$dir/ncnn" && aot_step ncnn "$name" "pnnx conversion" "$NCNN_TIMEOUT" "$log" \
                "$PNNX" model.onnx "inputshape=$shape" fp16=0)" || continue
            limit="$NCNN_TIMEOUT"
            ;;
        iree)
            mkdir -p "$dir/iree"
            import_s="$(aot_step iree "$name" "iree-import-onnx" "$IREE_TIMEOUT" "$log" \
                "$VENV/bin/iree-import-onnx" "$path" --opset-version 17 -o "$dir/iree/model.mlir")" || continue
            # shellcheck disable=SC2086 # IREE_COMPILE_FLAGS is a list of flags
            compile_s="$(aot_step iree "$name" "iree-compile" "$IREE_TIMEOUT" "$log" \
                "$VENV/bin/iree-compile" $IREE_COMPILE_FLAGS "$dir/iree/model.mlir" -o "$dir/iree/model.vmfb")" || continue
            aot_s="$("$PY" -c 'import sys; print(f"{float(sys.argv[1]) + float(sys.argv[2]):.3f}")' "$import_s" "$compile_s")"
            limit="$IREE_TIMEOUT"
            ;;
        *)
            echo "vulkan_compare.sh: unknown peer '$engine' (ncnn, iree)" >&2
            exit 1
            ;;
        esac
        record "$name" "$engine" aot 0 "$(json_of status=ok "aot_s=$aot_s")"
        if run_peer "$engine" "$name" "$path" prepare 0 0 0 "$limit"; then
            echo "    $engine: output matches (ahead-of-time step ${aot_s} s)" >&2
            READY[$name.$engine]=1
        fi
    done
done

# Timing phase: interleaved rounds; a peer is timed only where its output matched.
for name in $MODELS; do
    path="$(model_path "$name")"
    for round in $(seq 1 "$ROUNDS"); do
        echo "  $name round $round/$ROUNDS: kiln" >&2
        record "$name" kiln bench "$round" "$(MESA_SHADER_CACHE_DIR="$WORK/mesa/$name.kiln" "$KILNC" bench "$path" \
            --device vulkan --runs "$RUNS" --warmup "$WARMUP" --threads "$THREADS" --json)"
        for engine in $PEERS; do
            [ -n "${READY[$name.$engine]:-}" ] || continue
            echo "  $name round $round/$ROUNDS: $engine" >&2
            case "$engine" in ncnn) limit="$NCNN_TIMEOUT" ;; *) limit="$IREE_TIMEOUT" ;; esac
            run_peer "$engine" "$name" "$path" bench "$round" "$RUNS" "$WARMUP" "$limit" || true
        done
    done
done

# The Vulkan device and driver: vulkaninfo where installed, else what IREE's driver reports (it names Mesa).
VULKAN=""
if command -v vulkaninfo >/dev/null; then
    VULKAN="$(vulkaninfo --summary 2>/dev/null | sed -n 's/^[[:space:]]*\(deviceName\|driverName\|driverInfo\|apiVersion\)[[:space:]]*=[[:space:]]*/\1 /p' | paste -sd ';' - | sed 's/;/; /g')"
fi
if [ -z "$VULKAN" ]; then
    VULKAN="$("$PY" -c 'import iree.runtime as rt; print("; ".join(d["name"] for d in rt.get_driver("vulkan").query_available_devices()))' 2>/dev/null || echo unknown)"
fi
if command -v dpkg-query >/dev/null && dpkg-query -W mesa-vulkan-drivers >/dev/null 2>&1; then
    VULKAN="$VULKAN (Debian mesa-vulkan-drivers $(dpkg-query -W -f '${Version}' mesa-vulkan-drivers))"
fi
version() { "$PY" -c 'import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))' "$1"; }

echo
echo "## Vulkan: Kiln against ncnn and IREE ($(date -u '+%Y-%m-%d'), Benchmarks/vulkan_compare.sh)"
echo
echo "### Environment"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
CPU_VARIANT="$("$PY" -c 'import json, sys; print(next(r["cpu_variant"] for r in map(json.loads, sys.stdin) if "cpu_variant" in r))' <"$RAW" 2>/dev/null || echo unknown)"
echo "- machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1) ($CPU_VARIANT, as LLVM names it), $(getconf _NPROCESSORS_ONLN) CPUs, $(uname -sr)"
echo "- Vulkan: $VULKAN"
if [ "$KILNC" = "$ROOT/.build-release/release/kilnc" ]; then
    BUILT="git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- Sources 2>/dev/null || echo ' + uncommitted changes')"
else
    BUILT="KILNC=$KILNC; the checkout is at git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
fi
echo "- kilnc: $("$KILNC" --version) ($BUILT), $(swift --version 2>/dev/null | head -1)"
echo "- ncnn $(version ncnn), converted by pnnx $(version pnnx) (fp16=0); IREE $(version iree-base-compiler) compiler / $(version iree-base-runtime) runtime ($IREE_COMPILE_FLAGS; runtime driver \"vulkan\"); reference outputs by ONNX Runtime $(version onnxruntime) (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
echo "- venv (Scripts/requirements-vulkan-bench.txt): $("$PY" -m pip freeze --disable-pip-version-check 2>/dev/null | paste -sd ' ' - | sed 's/ /, /g')"
echo "- float32 everywhere: ncnn with use_fp16_packed, use_fp16_storage, use_fp16_arithmetic and use_bf16_storage off; Kiln's and IREE's Vulkan builds compute float32"
echo "- settings: $RUNS timed runs, $WARMUP warm-up runs, $ROUNDS interleaved rounds per engine; $THREADS CPU-side thread(s) for Kiln and ncnn; lavapipe threads: ${LP_NUM_THREADS:-the Mesa default, one per CPU}; IREE steps limited to $IREE_TIMEOUT s each, ncnn steps to $NCNN_TIMEOUT s"
echo "- raw JSON lines: $RAW"
echo

"$PY" - "$RAW" "$MODELS" "$PEERS" "$WORK/networks/networks.json" "$WORK/layers/layers.json" <<'EOF'
import json, math, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
models, peers = sys.argv[2].split(), sys.argv[3].split()
described = {**json.load(open(sys.argv[5])), **json.load(open(sys.argv[4]))}
NAMES = {"kiln": "Kiln", "ncnn": "ncnn", "iree": "IREE"}


def select(model, engine, phase):
    return [r for r in rows if r["fixture"] == model and r["engine"] == engine and r["phase"] == phase]


def fmt(ms):
    """Three significant digits, fixed notation (0.0903, 1.87, 412)."""
    if ms <= 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(ms)))
    return f"{ms:.{digits}f}"


def median(values):
    return statistics.median(values) if values else None


def trouble(r):
    """What a row that is not ok says instead of a time."""
    if r["status"] == "timeout":
        return f"timed out after {r['timeout_s']:g} s ({r['step']})"
    if r["status"] == "wrong output":
        return f"wrong output (max error {r['max_error']:.3g})"
    return f"failed ({r.get('step', '?')}): {r.get('error', '?')}".replace("|", "\\|")


def cold_start(model, engine):
    """ONNX file to first result with an empty shader cache, in seconds, and how it splits."""
    if engine == "kiln":
        (r,) = select(model, "kiln", "prepare")
        return fmt(r["verify_s"]), f"`kilnc verify` {fmt(r['verify_s'])} s"
    aot = select(model, engine, "aot")
    first = select(model, engine, "prepare")
    if not aot:  # the conversion or compile step itself failed or timed out
        if first and first[0]["status"] == "timeout":
            return f"> {first[0]['timeout_s']:g}", f"{first[0]['step']} over {first[0]['timeout_s']:g} s"
        return "–", ""
    label = "pnnx" if engine == "ncnn" else "import + compile"
    aot_s = aot[0]["aot_s"]
    if first and "load_ms" in first[0]:
        load_s = (first[0]["load_ms"] + first[0]["first_call_ms"]) / 1e3
        return (fmt(aot_s + load_s),
                f"{label} {fmt(aot_s)} s + load and first call {fmt(load_s)} s")
    if first and first[0]["status"] == "timeout":
        limit = first[0]["timeout_s"]
        return f"> {fmt(aot_s + limit)}", f"{label} {fmt(aot_s)} s + {first[0]['step']} over {limit:g} s"
    return "–", f"{label} {fmt(aot_s)} s"


print("| model | engine | median ms | p10 – p90 ms | engine / Kiln | load + first call ms (warm cache) "
      "| ONNX → first result s (cold cache) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
notes = []
for model in models:
    kiln = select(model, "kiln", "bench")
    k = median([r["median_ms"] for r in kiln])
    create = median([r["create_ms"] for r in kiln if "create_ms" in r])
    cold, split = cold_start(model, "kiln")
    print(f"| {model} | Kiln | {fmt(k)} | {fmt(median([r['p10_ms'] for r in kiln]))} – "
          f"{fmt(median([r['p90_ms'] for r in kiln]))} | 1 | {fmt(create)} † | {cold} |")
    splits = [f"Kiln {split}"]
    for engine in peers:
        cold, split = cold_start(model, engine)
        if split:
            splits.append(f"{NAMES[engine]} {split}")
        blocked = [r for r in select(model, engine, "aot") + select(model, engine, "prepare") if r["status"] != "ok"]
        if blocked:
            print(f"| {model} | {NAMES[engine]} | {trouble(blocked[0])} | – | – | – | {cold} |")
            continue
        timed = [r for r in select(model, engine, "bench") if r["status"] == "ok"]
        lost = [r for r in select(model, engine, "bench") if r["status"] != "ok"]
        if not timed:
            print(f"| {model} | {NAMES[engine]} | {trouble(lost[0]) if lost else 'not timed'} | – | – | – | {cold} |")
            continue
        m = median([r["median_ms"] for r in timed])
        first = median([r["load_ms"] + r["first_call_ms"] for r in timed])
        missing = f" ({len(lost)} of {len(lost) + len(timed)} rounds: {trouble(lost[0])})" if lost else ""
        print(f"| {model} | {NAMES[engine]} | {fmt(m)}{missing} | {fmt(median([r['p10_ms'] for r in timed]))} – "
              f"{fmt(median([r['p90_ms'] for r in timed]))} | {m / k:.2f} | {fmt(first)} | {cold} |")
    notes.append(f"- {model}: " + "; ".join(splits) + ".")

print()
print("Medians are medians over rounds of each round's median; engine / Kiln above 1 means Kiln is faster. "
      "A call is what each engine's API makes one, host memory in and out: Kiln's `run()` (inputs set once; on "
      "lavapipe the arena is mapped memory, so a call copies nothing), ncnn's Extractor (created per call, input Mat "
      "built once, `extract` downloads the output), IREE's synchronous entry point on a numpy array plus the "
      "readback of its output. Every engine is checked on test_data_set_0/input_0.pb against ONNX Runtime "
      "(1e-4 abs + 1e-4 rel) before it is timed, and timed on `kilnc bench`'s input fill "
      "((i × 7919 mod 1000) / 1000 − 0.5), the input kilnc bench can time.")
print()
print("† Kiln: instance creation (device, buffers, every compute pipeline, from Mesa's shader cache), median of "
      "3 per round; `kilnc bench` reports no separate first call. ncnn: Net creation, load_param and load_model "
      "(which builds its pipelines) plus the first extract; IREE: module and context creation plus the first "
      "call, in each timed round (so with the shader cache the prepare phase filled).")
print()
print("ONNX → first result starts from the ONNX file with an empty Mesa shader cache: Kiln's `kilnc verify` "
      "process (compile to native code and SPIR-V, load, pipelines, first call, compare); ncnn's pnnx "
      "conversion, then load and first call; IREE's import and compile, then load and first call:")
print()
print("\n".join(notes))
print()
print("Models (batch 1, float32, random weights; Benchmarks/make_networks.py, Benchmarks/make_layers.py):")
for model in models:
    print(f"- {model}: {described[model]['description']}; {described[model]['macs'] / 1e6:.2f} M multiply-adds")
print()
print("Per-round medians (ms):")
for model in models:
    parts = []
    for engine in ["kiln"] + peers:
        timed = select(model, engine, "bench")
        if timed:
            parts.append(f"{NAMES[engine]} " + ", ".join(fmt(r["median_ms"]) if r.get("status", "ok") == "ok"
                                                      else r["status"] for r in timed))
    print(f"- {model}: " + " | ".join(parts))
EOF
