#!/usr/bin/env python3
"""Times numpy's matmul (OpenBLAS, as the numpy wheel ships it) on a one-MatMul
model, the way `kilnc bench` times Kiln: the model's constant B and an input
A filled like kilnc fills it, `np.matmul(a, b, out=c)` into a preallocated
C, `--warmup` untimed then `--runs` timed calls. OpenBLAS's threads are set
with OPENBLAS_NUM_THREADS before numpy loads (from `--threads`).

Prints one JSON line with the same keys as `kilnc bench --json`, plus
"engine" and "numpy_version".

Usage: numpy_bench.py <model.onnx> [--runs N] [--warmup N] [--threads N]
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main():
    # numpy (imported by bench_common) reads OPENBLAS_NUM_THREADS when it loads.
    threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "1"
    os.environ["OPENBLAS_NUM_THREADS"] = threads

    import numpy as np
    import onnx
    from bench_common import arguments, input_values, report, time_calls
    from onnx import numpy_helper

    args = arguments(__doc__, "OpenBLAS threads")

    graph = onnx.load(args.model).graph
    if len(graph.node) != 1 or graph.node[0].op_type != "MatMul":
        sys.exit(f"numpy_bench: {args.model} is not a single MatMul")
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    a_name, b_name = graph.node[0].input
    if b_name not in constants or a_name in constants:
        sys.exit("numpy_bench: expects MatMul(input, constant)")
    b = np.ascontiguousarray(constants[b_name].astype(np.float32))
    shape = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    a = input_values(shape, np.float32)
    c = np.empty(np.matmul(a, b).shape, dtype=np.float32)
    samples = time_calls(lambda: np.matmul(a, b, out=c), args.runs, args.warmup)
    report("numpy", args, samples, numpy_version=np.__version__)


if __name__ == "__main__":
    main()
