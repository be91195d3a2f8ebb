#!/usr/bin/env python3
"""Writes realistic single-layer ONNX models for Benchmarks/run.sh.

The committed fixtures are tiny; these layers have the shapes of real
networks (ResNet-18 convolutions, a MobileNet-style pointwise/depthwise pair,
a classifier head, a plain matrix product), so the benchmark measures the
kernels rather than per-call overhead.

For every layer NAME it writes
  OUTDIR/NAME/model.onnx
  OUTDIR/NAME/test_data_set_0/input_0.pb, output_0.pb
and, for all layers, OUTDIR/layers.json: {NAME: {"macs": multiply-adds,
"description": ...}, ...} in table order, which run.sh reads for the GFLOP/s
column (2 x multiply-adds / median time). Bias additions and the Relu are
not counted.

Models: ai.onnx opset 13, IR version 8, float32, static shapes, batch 1,
named nodes. Weights ~ N(0, 0.05), biases ~ N(0, 0.05), inputs uniform
[-1, 1], every layer from its own fixed seed, so the files are the same on
every run. Each Conv has a bias and is followed by a Relu (the pattern Kiln
fuses). Reference outputs come from ONNX Runtime: CPUExecutionProvider,
graph optimizations disabled, one thread.

Usage: make_layers.py OUTDIR
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import sys
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_data import build_model, reference, rng_for, write_case  # noqa: E402

PRODUCER = "kiln-make-layers"
WEIGHT_STD = 0.05


def normal(rng, shape):
    return (rng.standard_normal(shape) * WEIGHT_STD).astype(np.float32)


def uniform_input(rng, shape):
    return rng.uniform(-1.0, 1.0, shape).astype(np.float32)


def make_model(name, nodes, x, initializers, y_shape):
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape))],
        initializer=[numpy_helper.from_array(a, name=n) for n, a in initializers],
    )
    model = build_model(graph, PRODUCER)
    return model


def conv_relu(name, cin, cout, k, hw, stride=1, pad=0, group=1):
    """Conv (with bias) + Relu on a [1, cin, hw, hw] input; returns (model, x, macs)."""
    rng = rng_for(name)
    x = uniform_input(rng, (1, cin, hw, hw))
    w = normal(rng, (cout, cin // group, k, k))
    b = normal(rng, (cout,))
    out = (hw + 2 * pad - k) // stride + 1
    nodes = [
        helper.make_node(
            "Conv", ["x", "w", "b"], ["conv_out"], name=f"{name}_conv",
            kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group,
        ),
        helper.make_node("Relu", ["conv_out"], ["y"], name=f"{name}_relu"),
    ]
    model = make_model(name, nodes, x, [("w", w), ("b", b)], (1, cout, out, out))
    macs = cout * out * out * (cin // group) * k * k
    desc = (f"Conv{'' if group == 1 else f' group={group}'} {cin}->{cout} {k}x{k}"
            f"{f' s{stride}' if stride != 1 else ''}{f' pad {pad}' if pad else ''}, {hw}x{hw} input, + Relu")
    return model, x, macs, desc


def gemm_fc(name, k, n):
    """Gemm [1, k] x B^T (B: [n, k], transB=1) + C [n]."""
    rng = rng_for(name)
    x = uniform_input(rng, (1, k))
    w = normal(rng, (n, k))
    b = normal(rng, (n,))
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name=f"{name}_gemm", transB=1)]
    return make_model(name, nodes, x, [("w", w), ("b", b)], (1, n)), x, k * n, f"Gemm 1x{k} -> {n}, transB=1, + bias"


def matmul(name, m, k, n):
    """MatMul [m, k] x [k, n] with B an initializer."""
    rng = rng_for(name)
    x = uniform_input(rng, (m, k))
    w = normal(rng, (k, n))
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name=f"{name}_matmul")]
    return make_model(name, nodes, x, [("w", w)], (m, n)), x, m * k * n, f"MatMul [{m},{k}] x [{k},{n}] (B constant)"


LAYERS = {
    "r18_conv1": lambda n: conv_relu(n, 3, 64, 7, 224, stride=2, pad=3),
    "r18_layer1": lambda n: conv_relu(n, 64, 64, 3, 56, pad=1),
    "r18_layer2_down": lambda n: conv_relu(n, 64, 128, 3, 56, stride=2, pad=1),
    "r18_layer2": lambda n: conv_relu(n, 128, 128, 3, 28, pad=1),
    "r18_layer3": lambda n: conv_relu(n, 256, 256, 3, 14, pad=1),
    "r18_layer4": lambda n: conv_relu(n, 512, 512, 3, 7, pad=1),
    "pointwise": lambda n: conv_relu(n, 128, 256, 1, 28),
    "depthwise": lambda n: conv_relu(n, 128, 128, 3, 56, pad=1, group=128),
    "fc": lambda n: gemm_fc(n, 512, 1000),
    "matmul": lambda n: matmul(n, 64, 256, 512),
    # Square MatMuls, compared with OpenBLAS (numpy) as well as the ML runtimes.
    "matmul_256": lambda n: matmul(n, 256, 256, 256),
    "matmul_512": lambda n: matmul(n, 512, 512, 512),
    "matmul_1024": lambda n: matmul(n, 1024, 1024, 1024),
    "matmul_2048": lambda n: matmul(n, 2048, 2048, 2048),
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    outdir = Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, build in LAYERS.items():
        model, x, macs, desc = build(name)
        y = reference(model, {"x": x}, "y")
        declared = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
        assert declared == list(y.shape), f"{name}: declared {declared}, ORT gave {list(y.shape)}"
        write_case(outdir / name, model, [("x", x)], [("y", y)])
        summary[name] = {"macs": macs, "description": desc}
        print(f"{name:16s} {macs / 1e6:9.2f} M multiply-adds  {desc}")
    (outdir / "layers.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
