"""Shared by the benchmark model generators: seeds, ONNX Runtime reference
outputs and the ONNX backend-test layout Kiln's `kilnc verify` reads."""

import shutil
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

OPSET = 13
IR_VERSION = 8


def rng_for(name):
    """A generator seeded from `name` (Python's hash() is salted per process)."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def build_model(graph, producer, opset=OPSET):
    """An IR-8 model around `graph` (opset 13 unless told), checked by the full ONNX checker."""
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=IR_VERSION,
        producer_name=producer,
        producer_version="1",
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def reference(model, feeds, output):
    """`output` of `model` by ONNX Runtime: CPU, graph optimizations off, one thread."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])
    (y,) = session.run([output], feeds)
    return y


def write_case(directory: Path, model, inputs, outputs):
    """`directory/model.onnx` and `directory/test_data_set_0/{input,output}_N.pb`.

    inputs and outputs are lists of (name, array)."""
    if directory.exists():
        shutil.rmtree(directory)
    data = directory / "test_data_set_0"
    data.mkdir(parents=True)
    (directory / "model.onnx").write_bytes(model.SerializeToString())
    for prefix, tensors in (("input", inputs), ("output", outputs)):
        for index, (name, array) in enumerate(tensors):
            (data / f"{prefix}_{index}.pb").write_bytes(numpy_helper.from_array(array, name=name).SerializeToString())
