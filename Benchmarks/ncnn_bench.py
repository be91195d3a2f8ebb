#!/usr/bin/env python3
"""Times ncnn on Vulkan on one model the way `kilnc bench --device vulkan` times Kiln.

The model runs as pnnx converted it: Benchmarks/vulkan_compare.sh runs pnnx
on <dir>/model.onnx with the graph input's shape and fp16=0 (weights stay
float32), which writes <dir>/ncnn/model.ncnn.param, model.ncnn.bin and
model_ncnn.py; this script reads the input and output blob names and each
one's batch_index (whether ncnn drops a leading batch dim) from
model_ncnn.py, as pnnx wrote them there.

ncnn as its users run it on a GPU: one Net, created and loaded once, with
use_vulkan_compute on and every fp16/bf16 option off (use_fp16_packed,
use_fp16_storage, use_fp16_arithmetic, use_bf16_storage), so it computes in
float32 like Kiln; opt.num_threads = --threads (its CPU-side threads; default
1). A call is what ncnn's API makes a call: create an Extractor, give it the
input Mat (built once from the host array), extract the output Mat (the
download to host memory included).

Before timing, the first call runs test_data_set_0/input_0.pb (beside the
model) and its output must match output_0.pb within 1e-4 abs + 1e-4 rel (as
`kilnc verify`); if not, nothing is timed and the line says "wrong output"
with the largest absolute error. The timed calls then use `kilnc bench`'s
input fill, like every engine. After `--warmup` untimed calls each of
`--runs` calls is timed on its own; median, p10 and p90 use kilnc's
percentile rule. --runs 0 --warmup 0 only loads, calls once and checks.

Prints one JSON line with the keys of `kilnc bench --json` plus "engine",
"mode", "status" ("ok" or "wrong output"), "max_error", "load_ms" (Net
creation, load_param and load_model, which builds the Vulkan pipelines),
"first_call_ms" (the first call, on the reference input) and
"ncnn_version"; "device" names the Vulkan device. Progress ("step: ...")
goes to standard error; with STEP_TIMEOUT=S in the environment, a step that
runs longer than S seconds ends the process, even inside a native call (exit
status 1, faulthandler's "Timeout (h:mm:ss)!" and a traceback on standard
error).

Usage: ncnn_bench.py <dir>/model.onnx [--runs N] [--warmup N] [--threads N]
"""

import faulthandler
import re
import sys
import time
from pathlib import Path

import ncnn
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import arguments, input_values, matches, read_tensor, report, step, time_calls  # noqa: E402

def blobs(script):
    """[(input name, batch_index)], [(output name, batch_index)] from pnnx's model_ncnn.py."""
    text = Path(script).read_text()
    inputs = re.findall(r'ex\.input\("([^"]+)",\s*ncnn\.Mat\(\w+\.numpy\(\),\s*batch_index=(\d+)\)', text)
    outputs = re.findall(r'_, (\w+) = ex\.extract\("([^"]+)"\)', text)
    indices = dict(re.findall(r'(\w+)\.numpy\(batch_index=(\d+)\)', text))
    if not inputs or not outputs:
        sys.exit(f"ncnn_bench: no input or output blob found in {script}")
    return ([(name, int(b)) for name, b in inputs],
            [(name, int(indices.get(var, 233))) for var, name in outputs])


def load(folder, threads):
    net = ncnn.Net()
    opt = net.opt
    opt.use_vulkan_compute = True
    opt.use_fp16_packed = False
    opt.use_fp16_storage = False
    opt.use_fp16_arithmetic = False
    opt.use_bf16_storage = False
    opt.num_threads = threads
    if net.load_param(str(folder / "model.ncnn.param")) != 0 or net.load_model(str(folder / "model.ncnn.bin")) != 0:
        sys.exit(f"ncnn_bench: ncnn could not load {folder}/model.ncnn.param/.bin")
    return net


def main():
    args = arguments(__doc__, "ncnn CPU threads (opt.num_threads)")
    model = Path(args.model)
    folder = model.parent / "ncnn"
    data = model.parent / "test_data_set_0"
    inputs, outputs = blobs(folder / "model_ncnn.py")
    if len(inputs) != 1 or len(outputs) != 1:
        sys.exit(f"ncnn_bench: expected one input and one output, pnnx wrote {inputs} and {outputs}")
    (in_name, in_batch), (out_name, out_batch) = inputs[0], outputs[0]

    step("load")
    start = time.perf_counter()
    net = load(folder, args.threads)
    load_ms = (time.perf_counter() - start) * 1e3

    def call(mat):
        extractor = net.create_extractor()
        extractor.input(in_name, mat)
        status, out = extractor.extract(out_name)
        if status != 0:
            sys.exit(f"ncnn_bench: extract({out_name!r}) failed with {status}")
        return out

    step("first call")
    x = np.ascontiguousarray(read_tensor(data / "input_0.pb"))
    want = read_tensor(data / "output_0.pb")
    x_mat = ncnn.Mat(x, batch_index=in_batch)
    start = time.perf_counter()
    out = call(x_mat)
    first_ms = (time.perf_counter() - start) * 1e3

    step("check")
    # ncnn drops the batch dim where pnnx says so: same element count, the reference's shape.
    got = np.array(out.numpy(batch_index=out_batch), dtype=np.float64)
    ok, max_error = matches(got, want)
    gpu = ncnn.get_gpu_info(ncnn.get_default_gpu_index()).device_name()
    extra = dict(device=f"vulkan ({gpu})", first_call_ms=first_ms, load_ms=load_ms, max_error=max_error,
                 mode="extractor", ncnn_version=ncnn.__version__)
    if not ok:
        faulthandler.cancel_dump_traceback_later()
        report("ncnn", args, [], status="wrong output", **extra)
        return

    step("timed runs")
    fill = input_values(x.shape, np.float32)
    fill_mat = ncnn.Mat(fill, batch_index=in_batch)
    samples = time_calls(lambda: call(fill_mat), args.runs, args.warmup)
    faulthandler.cancel_dump_traceback_later()
    report("ncnn", args, samples, status="ok", **extra)


if __name__ == "__main__":
    main()
