#!/usr/bin/env python3
"""Generates every Kiln test fixture and the Digits demo model.

Run it through Scripts/make_fixtures.sh (which sets up the pinned venv).
Everything is deterministic: fixed seeds, single-threaded numpy/ONNX Runtime,
so re-running it reproduces byte-identical files on the same machine.

Outputs (paths relative to the repository root):
  Fixtures/<name>/model.onnx + test_data_set_0/{input,output}_N.pb
  Fixtures/ops/<case>/...      one-node models, every attribute variant
  Fixtures/typed/<case>/...    one-node models with int64/int32/bool/float16 inputs or outputs
  Fixtures/state/<case>/...    streaming models with a config pairing state, one data set per step
  Fixtures/bounded/<case>/...  a bounded batch dim: one data set per call, at batches 1, 7, 8, 3
  Fixtures/invalid/*.onnx      malformed / unsupported models (no test data)
  Fixtures/digits/...          the demo model with one held-out image
  Fixtures/README.md
  Examples/Digits/Sources/Digits/digits.onnx
  Examples/Digits/Sources/DigitsTestSet/digits_test_set.c
  Examples/Digits/Sources/DigitsTestSet/include/DigitsTestSet.h

All models: ai.onnx opset 13, IR version 8, float32 (other element types
only in Fixtures/typed), static shapes, and every node has a readable unique
name. Reference outputs come from ONNX
Runtime (CPUExecutionProvider, graph optimizations disabled) and are
cross-checked against onnx.reference.ReferenceEvaluator.

The cases live in Scripts/fixtures/, one module per family, each with a
generate() function; FAMILIES below runs them in order. To add a family, add
a module there and one line to FAMILIES.
"""

import sys
import time

# Importing the package first sets the single-thread variables for numpy / ORT.
from fixtures import (
    activations,
    bounded,
    common,
    conv,
    digits,
    elementwise,
    gemm_matmul,
    invalid,
    networks,
    normalization,
    pooling,
    recurrent,
    reduce,
    shape_ops,
    softmax,
    streaming,
    typed,
)

# Run order matters only where noted; it is also the order of the README's
# sections and of its single-op table.
FAMILIES = [
    networks,       # Fixtures/mlp, lenet, resnet_small, shape_subgraph
    gemm_matmul,    # Fixtures/ops/...: the first ops family empties Fixtures/ops
    elementwise,
    activations,
    softmax,
    conv,
    pooling,
    normalization,
    recurrent,      # RNN, GRU, LSTM
    streaming,      # Fixtures/state/...: one step per call, state kept in the model
    bounded,        # Fixtures/bounded/...: a batch dim bounded by the config, calls at several batches
    reduce,         # reductions and LayerNormalization (opsets 13, 17, 18)
    shape_ops,
    typed,          # Fixtures/typed/...: int64, int32, bool, float16 graph inputs/outputs
    invalid,        # Fixtures/invalid (after networks: it truncates mlp)
    digits,         # trains the demo CNN; Fixtures/digits + Examples/Digits
]


def main():
    import numpy as np
    import onnx
    import onnxruntime as ort

    t0 = time.time()
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    common.FIXTURES.mkdir(exist_ok=True)
    for family in FAMILIES:
        family.generate()
    common.write_readme()
    common.print_summary(t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
