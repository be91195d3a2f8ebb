#!/usr/bin/env python3
"""Times OpenVINO on one model the way `kilnc bench` times Kiln.

OpenVINO's CPU plugin as a latency-minded user would configure it: the
LATENCY performance hint, one stream, `--threads` inference threads (default
1, as kilnc bench --threads N sets Kiln's pool), float32 inference precision
(OpenVINO may otherwise pick bf16 on CPUs that have it, which would not be the
same computation). Inputs are built once with the shapes the model declares,
filled like `kilnc bench` fills them, and bound to one infer request as
zero-copy tensors; each of `--runs` timed calls is `request.infer()` after
`--warmup` untimed ones, and the median, p10 and p90 are reported with
kilnc's percentile rule.

Before timing, when the model's folder has test_data_set_0 (as every
generated layer and network has), the request runs the reference input and
its outputs must match the reference within 1e-4 abs + 1e-3 rel, so no
figure here is of wrong numbers.

Prints one JSON line with the same keys as `kilnc bench --json`, plus
"engine", "mode" and "openvino_version".

Usage: openvino_bench.py <model.onnx> [--runs N] [--warmup N] [--threads N]
"""

import sys
from pathlib import Path

import numpy as np
import openvino as ov
from onnx import TensorProto, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import arguments, input_values, report, time_calls  # noqa: E402


def compile_model(path, threads):
    config = {
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": "1",
        "INFERENCE_NUM_THREADS": str(threads),
        "INFERENCE_PRECISION_HINT": "f32",
    }
    return ov.Core().compile_model(path, "CPU", config)


def read_tensor(path):
    tensor = TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    return numpy_helper.to_array(tensor)


def check_reference(compiled, model_path):
    """Runs test_data_set_0's inputs and compares with its outputs, if present."""
    folder = Path(model_path).parent / "test_data_set_0"
    if not (folder / "input_0.pb").exists():
        return
    request = compiled.create_infer_request()
    inputs = [read_tensor(folder / f"input_{i}.pb") for i in range(len(compiled.inputs))]
    results = request.infer(inputs)
    for i, port in enumerate(compiled.outputs):
        want_path = folder / f"output_{i}.pb"
        if not want_path.exists():
            continue
        want = read_tensor(want_path)
        got = np.asarray(results[port])
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-4):
            sys.exit(f"openvino_bench: output {i} of {model_path} does not match its reference")


def main():
    args = arguments(__doc__, "inference threads")

    compiled = compile_model(args.model, args.threads)
    check_reference(compiled, args.model)
    request = compiled.create_infer_request()
    arrays = []  # kept alive: the tensors share their memory
    for i, port in enumerate(compiled.inputs):
        shape = port.get_partial_shape()
        if not shape.is_static:
            sys.exit(f"openvino_bench: input {port.any_name!r} has a non-static shape {shape}")
        array = input_values(list(shape.to_shape()), port.get_element_type().to_dtype())
        arrays.append(array)
        request.set_input_tensor(i, ov.Tensor(array, shared_memory=True))
    samples = time_calls(request.infer, args.runs, args.warmup)

    report("openvino", args, samples, mode="infer", openvino_version=ov.__version__)


if __name__ == "__main__":
    main()
