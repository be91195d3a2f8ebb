#!/usr/bin/env python3
"""Writes whole networks (random weights) for Benchmarks/run.sh.

Two faithful torchvision topologies and a transformer encoder, built node by
node with onnx.helper:

  resnet18     ResNet-18: 7x7/2 Conv 64 + BN + Relu, 3x3/2 MaxPool (pad 1),
               four stages of two BasicBlocks (64, 128, 256, 512 channels;
               the first block of stages 2-4 has stride 2 and a 1x1/2
               Conv + BN downsample), GlobalAveragePool, Flatten,
               Gemm 512 -> 1000.
  mobilenetv2  MobileNetV2, width 1.0: 3x3/2 Conv 32 + BN + ReLU6, the 17
               inverted-residual blocks of the (t, c, n, s) table
               (1x1 expand + BN + ReLU6 when t != 1, 3x3 depthwise + BN + ReLU6,
               1x1 project + BN, residual Add when stride 1 and in == out),
               1x1 Conv 1280 + BN + ReLU6, GlobalAveragePool, Flatten,
               Gemm 1280 -> 1000. ReLU6 is Clip with min 0 / max 6 given as
               initializer inputs (opset 13 form).
  transformer  A 4-layer post-norm encoder (d=256, 4 heads, FFN 1024, GELU,
               sequence 128) in the form torch.onnx exports at opset 17:
               LayerNormalization nodes, GELU as Div/Erf/Add/Mul/Mul,
               attention as Reshape/Transpose/MatMul/Softmax. Input: one
               [1, 128, 256] float32 sequence; output: the encoded sequence.

As in torchvision, the convolutions have no bias (BatchNormalization follows
each one, kept as a separate node, as an exported eval-mode model has it
unless the exporter folds it), and the eval-mode Dropout of MobileNetV2 is
left out (it is the identity).

For every network NAME it writes
  OUTDIR/NAME/model.onnx
  OUTDIR/NAME/test_data_set_0/input_0.pb, output_0.pb
and OUTDIR/networks.json: {NAME: {"macs": multiply-adds of the Conv and Gemm
nodes, "params": trainable parameters counted as torchvision counts them
(Conv/Gemm weights and biases, BN scale and offset; not the BN running
statistics), "description": ...}, ...} in table order, which run.sh reads for
the GFLOP/s column.

Models: ai.onnx opset 13, IR version 8, float32, static shapes, batch 1,
3x224x224 input, every node named. Weights from a fixed per-network seed
(the files are the same on every run): He-normal convolutions
(std sqrt(2 / fan_in)), BN with scale ~ U(0.5, 1), offset and running mean
~ N(0, 0.05), running variance ~ U(0.5, 1.5), classifier weight and bias
~ U(+-1/sqrt(fan_in)) (torch's nn.Linear default). The input is N(0, 1), like a
normalised image. The logits are checked to be finite with a standard
deviation between 0.1 and 100. Reference outputs come from ONNX Runtime:
CPUExecutionProvider, graph optimizations disabled, one thread.

Usage: make_networks.py OUTDIR
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

PRODUCER = "kiln-make-networks"
IMAGE = 224
CLASSES = 1000
BN_EPSILON = 1e-5


class Builder:
    """Accumulates nodes and initializers of one network, tracking shapes, MACs and parameters."""

    def __init__(self, name):
        self.name = name
        self.rng = rng_for(name)
        self.nodes = []
        self.initializers = []
        self.macs = 0
        self.params = 0
        self.shapes = {}  # tensor name -> shape, for the MAC count and the declared output shape

    def add_init(self, name, array, trainable=True):
        self.initializers.append(numpy_helper.from_array(array, name=name))
        if trainable:
            self.params += array.size
        return name

    def node(self, op, inputs, output, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def conv(self, x, name, cout, k, stride=1, group=1):
        """Conv without bias, pad k // 2 (as torchvision pads every conv here)."""
        _, cin, h, w = self.shapes[x]
        pad = k // 2
        fan_in = cin // group * k * k
        weight = (self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        self.add_init(f"{name}.weight", weight)
        oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        y = self.node(
            "Conv", [x, f"{name}.weight"], f"{name}_out", name,
            kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, dilations=[1, 1], group=group,
        )
        self.shapes[y] = (1, cout, oh, ow)
        self.macs += cout * oh * ow * fan_in
        return y

    def bn(self, x, name):
        c = self.shapes[x][1]
        rng = self.rng
        scale = rng.uniform(0.5, 1.0, c).astype(np.float32)
        offset = (rng.standard_normal(c) * 0.05).astype(np.float32)
        mean = (rng.standard_normal(c) * 0.05).astype(np.float32)
        var = rng.uniform(0.5, 1.5, c).astype(np.float32)
        self.add_init(f"{name}.weight", scale)
        self.add_init(f"{name}.bias", offset)
        self.add_init(f"{name}.running_mean", mean, trainable=False)
        self.add_init(f"{name}.running_var", var, trainable=False)
        y = self.node(
            "BatchNormalization",
            [x, f"{name}.weight", f"{name}.bias", f"{name}.running_mean", f"{name}.running_var"],
            f"{name}_out", name, epsilon=BN_EPSILON, momentum=0.9,
        )
        self.shapes[y] = self.shapes[x]
        return y

    def same_shape(self, op, inputs, name, **attrs):
        y = self.node(op, inputs, f"{name}_out", name, **attrs)
        self.shapes[y] = self.shapes[inputs[0]]
        return y

    def relu(self, x, name):
        return self.same_shape("Relu", [x], name)

    def relu6(self, x, name):
        if not any(i.name == "relu6_min" for i in self.initializers):
            self.add_init("relu6_min", np.array(0.0, dtype=np.float32), trainable=False)
            self.add_init("relu6_max", np.array(6.0, dtype=np.float32), trainable=False)
        return self.same_shape("Clip", [x, "relu6_min", "relu6_max"], name)

    def add(self, a, b, name):
        assert self.shapes[a] == self.shapes[b], (name, self.shapes[a], self.shapes[b])
        return self.same_shape("Add", [a, b], name)

    def maxpool(self, x, name, k, stride, pad):
        n, c, h, w = self.shapes[x]
        y = self.node("MaxPool", [x], f"{name}_out", name, kernel_shape=[k, k], strides=[stride, stride],
                      pads=[pad] * 4)
        self.shapes[y] = (n, c, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)
        return y

    def head(self, x):
        """GlobalAveragePool, Flatten, Gemm -> CLASSES logits in tensor 'logits'."""
        n, c, _, _ = self.shapes[x]
        x = self.node("GlobalAveragePool", [x], "avgpool_out", "avgpool")
        x = self.node("Flatten", [x], "flatten_out", "flatten", axis=1)
        bound = 1.0 / np.sqrt(c)
        self.add_init("fc.weight", self.rng.uniform(-bound, bound, (CLASSES, c)).astype(np.float32))
        self.add_init("fc.bias", self.rng.uniform(-bound, bound, CLASSES).astype(np.float32))
        y = self.node("Gemm", [x, "fc.weight", "fc.bias"], "logits", "fc", alpha=1.0, beta=1.0, transB=1)
        self.shapes[y] = (n, CLASSES)
        self.macs += c * CLASSES
        return y

    def model(self, x, y, opset=None):
        graph = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, list(self.shapes[x]))],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, list(self.shapes[y]))],
            initializer=self.initializers,
        )
        return build_model(graph, PRODUCER) if opset is None else build_model(graph, PRODUCER, opset)


def resnet18(name):
    b = Builder(name)
    x = "input"
    b.shapes[x] = (1, 3, IMAGE, IMAGE)
    y = b.relu(b.bn(b.conv(x, "conv1", 64, 7, stride=2), "bn1"), "relu")
    y = b.maxpool(y, "maxpool", 3, 2, 1)
    cin = 64
    for stage, cout in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            p = f"layer{stage}.{block}"
            identity = y
            out = b.relu(b.bn(b.conv(y, f"{p}.conv1", cout, 3, stride), f"{p}.bn1"), f"{p}.relu1")
            out = b.bn(b.conv(out, f"{p}.conv2", cout, 3), f"{p}.bn2")
            if stride != 1 or cin != cout:
                identity = b.bn(b.conv(y, f"{p}.downsample.0", cout, 1, stride), f"{p}.downsample.1")
            y = b.relu(b.add(out, identity, f"{p}.add"), f"{p}.relu2")
            cin = cout
    y = b.head(y)
    desc = "ResNet-18 (torchvision topology), 1x3x224x224, BN unfused, random weights"
    return b, x, y, desc


# (expansion t, output channels c, repeats n, first stride s), torchvision's inverted_residual_setting.
MOBILENETV2_SETTING = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def mobilenetv2(name):
    b = Builder(name)
    x = "input"
    b.shapes[x] = (1, 3, IMAGE, IMAGE)
    y = b.relu6(b.bn(b.conv(x, "features.0.0", 32, 3, stride=2), "features.0.1"), "features.0.2")
    cin = 32
    index = 1
    for t, c, n, s in MOBILENETV2_SETTING:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            p = f"features.{index}"
            out = y
            layer = 0
            if t != 1:
                out = b.conv(out, f"{p}.conv.{layer}.0", hidden, 1)
                out = b.relu6(b.bn(out, f"{p}.conv.{layer}.1"), f"{p}.conv.{layer}.2")
                layer += 1
            out = b.conv(out, f"{p}.conv.{layer}.0", hidden, 3, stride, group=hidden)
            out = b.relu6(b.bn(out, f"{p}.conv.{layer}.1"), f"{p}.conv.{layer}.2")
            out = b.bn(b.conv(out, f"{p}.conv.{layer + 1}", c, 1), f"{p}.conv.{layer + 2}")
            if stride == 1 and cin == c:
                out = b.add(y, out, f"{p}.add")
            y = out
            cin = c
            index += 1
    y = b.relu6(b.bn(b.conv(y, f"features.{index}.0", 1280, 1), f"features.{index}.1"), f"features.{index}.2")
    y = b.head(y)
    desc = "MobileNetV2 width 1.0 (torchvision topology), 1x3x224x224, BN unfused, ReLU6 as Clip, random weights"
    return b, x, y, desc


def transformer(name, layers=4, seq=128, d=256, heads=4, ffn=1024):
    """A BERT-style post-norm encoder as torch.onnx exports nn.TransformerEncoder
    (opset 17): per layer, Q/K/V MatMul + Add, Reshape/Transpose into heads,
    scaled MatMul, Softmax, MatMul, merge heads, output projection, residual
    Add + LayerNormalization, then MatMul 4d + GELU (the exporter's Erf form)
    + MatMul d, residual Add + LayerNormalization."""
    b = Builder(name)
    rng = b.rng
    x = "input"
    b.shapes[x] = (1, seq, d)
    head = d // heads
    b.add_init("heads_shape", np.array([1, seq, heads, head], dtype=np.int64), trainable=False)
    b.add_init("merged_shape", np.array([1, seq, d], dtype=np.int64), trainable=False)
    b.add_init("scale", np.array(1.0 / np.sqrt(head), dtype=np.float32), trainable=False)
    b.add_init("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32), trainable=False)
    b.add_init("one", np.array(1.0, dtype=np.float32), trainable=False)
    b.add_init("half", np.array(0.5, dtype=np.float32), trainable=False)

    def linear(v, p, fan_in, fan_out):
        w = b.add_init(f"{p}.weight", (rng.standard_normal((fan_in, fan_out)) * 0.02 * np.sqrt(256 / fan_in))
                       .astype(np.float32))
        bias = b.add_init(f"{p}.bias", (rng.standard_normal(fan_out) * 0.02).astype(np.float32))
        b.macs += seq * fan_in * fan_out
        return b.node("Add", [b.node("MatMul", [v, w], f"{p}_mm", f"{p}.matmul"), bias], f"{p}_out", f"{p}.add")

    def layer_norm(v, p):
        gamma = b.add_init(f"{p}.weight", rng.uniform(0.8, 1.2, d).astype(np.float32))
        beta = b.add_init(f"{p}.bias", (rng.standard_normal(d) * 0.02).astype(np.float32))
        return b.node("LayerNormalization", [v, gamma, beta], f"{p}_out", p, axis=-1, epsilon=1e-5)

    y = x
    for i in range(layers):
        p = f"layers.{i}"
        q, k, v = (linear(y, f"{p}.attn.{n}", d, d) for n in ("q", "k", "v"))
        q = b.node("Transpose", [b.node("Reshape", [q, "heads_shape"], f"{p}_qh", f"{p}.attn.q_heads")],
                   f"{p}_qt", f"{p}.attn.q_transpose", perm=[0, 2, 1, 3])
        k = b.node("Transpose", [b.node("Reshape", [k, "heads_shape"], f"{p}_kh", f"{p}.attn.k_heads")],
                   f"{p}_kt", f"{p}.attn.k_transpose", perm=[0, 2, 3, 1])
        v = b.node("Transpose", [b.node("Reshape", [v, "heads_shape"], f"{p}_vh", f"{p}.attn.v_heads")],
                   f"{p}_vt", f"{p}.attn.v_transpose", perm=[0, 2, 1, 3])
        scores = b.node("Mul", [b.node("MatMul", [q, k], f"{p}_qk", f"{p}.attn.scores"), "scale"],
                        f"{p}_scaled", f"{p}.attn.scale")
        probs = b.node("Softmax", [scores], f"{p}_probs", f"{p}.attn.softmax", axis=-1)
        context = b.node("MatMul", [probs, v], f"{p}_ctx", f"{p}.attn.context")
        b.macs += 2 * heads * seq * seq * head
        context = b.node("Reshape", [b.node("Transpose", [context], f"{p}_ctxt", f"{p}.attn.merge_transpose",
                                            perm=[0, 2, 1, 3]), "merged_shape"], f"{p}_merged", f"{p}.attn.merge")
        attended = linear(context, f"{p}.attn.out", d, d)
        y = layer_norm(b.node("Add", [y, attended], f"{p}_res1", f"{p}.residual1"), f"{p}.norm1")
        hidden = linear(y, f"{p}.ffn.up", d, ffn)
        erf = b.node("Erf", [b.node("Div", [hidden, "sqrt2"], f"{p}_gd", f"{p}.gelu.div")], f"{p}_ge", f"{p}.gelu.erf")
        gelu = b.node("Mul", [b.node("Mul", [hidden, b.node("Add", [erf, "one"], f"{p}_ga", f"{p}.gelu.add")],
                                     f"{p}_gm", f"{p}.gelu.mul"), "half"], f"{p}_gelu", f"{p}.gelu.half")
        down = linear(gelu, f"{p}.ffn.down", ffn, d)
        y = layer_norm(b.node("Add", [y, down], f"{p}_res2", f"{p}.residual2"), f"{p}.norm2")
    y = b.node("Identity", [y], "encoded", "output")
    b.shapes[y] = (1, seq, d)
    desc = (f"Transformer encoder: {layers} post-norm layers, d={d}, {heads} heads, FFN {ffn}, GELU (Erf form), "
            f"sequence {seq}, opset 17, random weights")
    return b, x, y, desc


NETWORKS = {
    "resnet18": resnet18,
    "mobilenetv2": mobilenetv2,
    "transformer": transformer,
}
# Networks whose ONNX form needs a later opset than the default 13 (LayerNormalization is opset 17).
OPSETS = {"transformer": 17}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    outdir = Path(sys.argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, build in NETWORKS.items():
        builder, x_name, y_name, desc = build(name)
        model = builder.model(x_name, y_name, OPSETS.get(name))
        x = builder.rng.standard_normal(builder.shapes[x_name]).astype(np.float32)
        y = reference(model, {x_name: x}, y_name)
        assert list(builder.shapes[y_name]) == list(y.shape), f"{name}: declared {builder.shapes[y_name]}, ORT gave {y.shape}"
        std = float(np.std(y))
        if not (np.all(np.isfinite(y)) and 0.1 <= std <= 100):
            sys.exit(f"make_networks: {name}: degenerate logits (std {std}, finite {np.all(np.isfinite(y))})")
        write_case(outdir / name, model, [(x_name, x)], [(y_name, y)])
        summary[name] = {"macs": builder.macs, "params": builder.params, "description": desc}
        print(f"{name:12s} {builder.macs / 1e6:9.2f} M multiply-adds  {builder.params / 1e6:6.3f} M params  "
              f"{len(model.graph.node)} nodes  logits std {std:.3g}  {desc}")
    (outdir / "networks.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
