"""What the peer benchmark scripts share with `kilnc bench`: the input fill,
the timing loop and the percentile rule, so every engine is timed alike."""

import argparse
import faulthandler
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def input_values(shape, dtype):
    """The fill `kilnc bench` uses: element i is (i * 7919 mod 1000) / 1000 - 0.5."""
    count = int(np.prod(shape))
    values = (np.arange(count, dtype=np.int64) * 7919 % 1000).astype(np.float64) / 1000 - 0.5
    return np.ascontiguousarray(values.reshape(shape).astype(dtype))


def percentile(samples, p):
    """kilnc's rule: samples sorted, index round-half-up((n-1)*p)."""
    if not samples:
        return 0.0
    index = min(len(samples) - 1, int((len(samples) - 1) * p + 0.5))
    return samples[index]


def time_calls(call, runs, warmup):
    """Sorted per-call times in ms of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    clock = time.perf_counter_ns
    samples = [0] * runs
    for i in range(runs):
        start = clock()
        call()
        samples[i] = clock() - start
    samples.sort()
    return [s / 1e6 for s in samples]


def summary(samples):
    """The median, p10 and p90 keys of a result line."""
    return {"median_ms": percentile(samples, 0.5), "p10_ms": percentile(samples, 0.1),
            "p90_ms": percentile(samples, 0.9)}


def arguments(doc, threads_help):
    """The command line every peer script takes: model, --runs, --warmup, --threads."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--runs", type=int, default=100, help="timed runs (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed warm-up runs (default 10)")
    parser.add_argument("--threads", type=int, default=1, help=f"{threads_help} (default 1)")
    parser.add_argument("--json", action="store_true", help="accepted for symmetry with kilnc; output is always JSON")
    return parser.parse_args()


def report(engine, args, samples, **extra):
    """Prints the result line: `kilnc bench --json`'s keys plus the engine's own."""
    result = {"device": "cpu", "engine": engine, "model": os.path.basename(args.model), **summary(samples),
              "runs": args.runs, "threads": args.threads, **extra}
    print(json.dumps(result, sort_keys=True, separators=(",", ":")))


# The tolerance of `kilnc verify` and Benchmarks/run.sh.
ATOL = RTOL = 1e-4


def step(name):
    """Announces a step on stderr and (re)arms the STEP_TIMEOUT watchdog for it.

    faulthandler's watchdog is a C thread: it fires inside a native call that
    holds the GIL, where a Python signal handler would wait for the call."""
    print(f"step: {name}", file=sys.stderr, flush=True)
    limit = float(os.environ.get("STEP_TIMEOUT", "0") or 0)
    faulthandler.cancel_dump_traceback_later()
    if limit > 0:
        faulthandler.dump_traceback_later(limit, exit=True)


def read_tensor(path):
    """The array in an ONNX TensorProto file (test_data_set_0/*.pb)."""
    from onnx import TensorProto, numpy_helper

    tensor = TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    return numpy_helper.to_array(tensor)


def matches(got, want):
    """(whether `got`, reshaped to `want`'s shape, is within ATOL + RTOL·|want|, its largest error)."""
    if got.size != want.size:
        return False, float("inf")
    error = np.abs(got.reshape(want.shape).astype(np.float64) - want)
    return bool(np.all(error <= ATOL + RTOL * np.abs(want))), float(error.max())
