#!/usr/bin/env python3
"""Times ONNX Runtime on one model the way `kilnc bench` times Kiln.

One CPU thread by default (intra_op_num_threads=1, inter_op_num_threads=1,
sequential execution; --threads N sets the intra-op pool to N, as kilnc bench
--threads N sets Kiln's), CPUExecutionProvider, all graph optimizations on:
ONNX Runtime at its best as a user with that many cores would run it. Inputs are built once, with
the shapes the model declares, filled like `kilnc bench` fills them. After
`--warmup` untimed calls, each of `--runs` calls is timed on its own with
time.perf_counter_ns, and the median, p10 and p90 are reported with the same
percentile rule as kilnc (sorted samples, index round((n-1)*p)).

Two call paths are measured, one after the other:
  run        session.run(None, feeds), which allocates fresh outputs each call
  iobinding  session.run_with_iobinding with inputs and preallocated outputs
             bound once
and the one with the lower median is printed, named in "mode". Both medians
are in the line as run_median_ms and iobinding_median_ms.

Prints one JSON line with the same keys as `kilnc bench --json`, plus
"engine", "mode", "ort_version" and the two per-mode medians.

Usage: ort_bench.py <model.onnx> [--runs N] [--warmup N]
"""

import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import arguments, input_values, percentile, report, time_calls  # noqa: E402

_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


def make_session(path, threads=1):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def make_inputs(session):
    """One preallocated array per graph input; same fill as `kilnc bench`."""
    feeds = {}
    for info in session.get_inputs():
        shape = info.shape
        if not all(isinstance(d, int) and d > 0 for d in shape):
            sys.exit(f"ort_bench: input {info.name!r} has a non-static shape {shape}")
        dtype = _DTYPES.get(info.type)
        if dtype is None:
            sys.exit(f"ort_bench: input {info.name!r} has unsupported type {info.type}")
        feeds[info.name] = input_values(shape, dtype)
    return feeds


def main():
    args = arguments(__doc__, "intra-op threads")

    session = make_session(args.model, args.threads)
    feeds = make_inputs(session)
    output_names = [o.name for o in session.get_outputs()]

    # Path 1: plain session.run, outputs allocated by ORT on every call.
    run_samples = time_calls(lambda: session.run(output_names, feeds), args.runs, args.warmup)

    # Path 2: IOBinding, inputs bound once, outputs preallocated once (shapes taken
    # from one reference run, so they are the real output shapes).
    reference = session.run(output_names, feeds)
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_cpu_input(name, array)
    outputs = []
    for name, ref in zip(output_names, reference):
        value = ort.OrtValue.ortvalue_from_numpy(np.empty_like(ref))
        outputs.append(value)
        binding.bind_ortvalue_output(name, value)
    # run_options stays None: passing an ort.RunOptions() object (even one built
    # once) costs ~20 us more per call in ORT 1.32 on this machine.
    iob_samples = time_calls(lambda: session.run_with_iobinding(binding), args.runs, args.warmup)

    # Sanity: the bound outputs hold the same values as a plain run.
    for ref, value in zip(reference, outputs):
        if not np.allclose(value.numpy(), ref, rtol=1e-5, atol=1e-6):
            sys.exit("ort_bench: iobinding outputs differ from session.run outputs")

    run_median = percentile(run_samples, 0.5)
    iob_median = percentile(iob_samples, 0.5)
    mode, best = ("iobinding", iob_samples) if iob_median < run_median else ("run", run_samples)

    report("ort", args, best, iobinding_median_ms=iob_median, mode=mode, ort_version=ort.__version__,
           run_median_ms=run_median)


if __name__ == "__main__":
    main()
