#!/usr/bin/env python3
"""Exports real model architectures to ONNX with reference data, for Kiln's tests.

The op fixtures (Scripts/make_fixtures.py) are built node by node; these are
the models a user actually brings: torchvision CNNs, a BERT-style encoder,
recurrent, audio and segmentation models and an int8 QDQ CNN, exported by
PyTorch's TorchScript exporter (torch.onnx.export with dynamo=False) the way
most ONNX files in the wild were, and quantized by ONNX Runtime's own tool.

Run it through Scripts/make_real_models.sh (which sets up the pinned venv
Scripts/.venv-models). Everything is deterministic: random weights from fixed
seeds, single-threaded torch, numpy and ONNX Runtime, so re-running it on the
same machine reproduces byte-identical files.

Outputs (paths relative to the repository root), one folder per model in the
ONNX backend-test layout the other fixtures use:
  Fixtures/real/<name>/model.onnx + test_data_set_0/{input,output}_N.pb
      models whose model.onnx is at most 5 MB; committed, and run by the
      Swift tests (FixtureTests finds every model.onnx under Fixtures/)
  Fixtures/real/cases.json, Fixtures/real/README.md
      per-model tolerance and description (generated)
  .build/real-models/<name>/..., .build/real-models/cases.json
      the larger ones, with --large; not committed

Models: random weights, batch 1, static shapes, ai.onnx opset 13 (opset 17
where LayerNormalization is exported). Reference outputs come from ONNX
Runtime (CPUExecutionProvider, graph optimizations disabled, one thread), as
for every fixture; each is also compared with PyTorch's own output.

Usage: real_models.py [--large] [--only NAME,...] [--check KILNC]
"""

import argparse
import functools
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# Importing the fixtures package first sets the single-thread variables for
# numpy and ONNX Runtime; common holds the ORT runner and the shared tolerance.
from fixtures import common

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

REAL_DIR = common.FIXTURES / "real"
LARGE_DIR = common.ROOT / ".build" / "real-models"
# A model is committed only when its model.onnx fits this; larger ones are
# written to LARGE_DIR by --large. Keeps the repository small.
MAX_COMMITTED_BYTES = 5_000_000

IMAGE = [1, 3, 224, 224]


@functools.cache
def import_torchvision():
    """Imports torchvision with the CPU-only torch.

    PyPI's torchvision wheel carries C++ ops (nms, roi_align, ...) built
    against the CUDA build of torch; with the CPU build they fail to load,
    which torchvision tolerates except for two fake-kernel registrations that
    need the ops' schemas. The model definitions are plain Python and use
    none of these ops, so when the library does not load, the two schemas are
    declared here and the import goes through.
    """
    spec = importlib.util.find_spec("torchvision")
    try:
        torch.ops.load_library(os.path.join(spec.submodule_search_locations[0], "_C.so"))
    except OSError:
        library = torch.library.Library("torchvision", "DEF")
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import_torchvision.library = library  # keeps the definitions registered
    import torchvision
    return torchvision


# ---------------------------------------------------------------------------
# Random weights
# ---------------------------------------------------------------------------

def grid_normal(rng, shape, std):
    """N(0, std²) samples rounded to a power-of-two step near std/16, clipped at ±4 std.

    Why the grid: such values have at most 7 significant bits, so the low two
    bytes of every float32 weight are zero and git's zlib packs the committed
    models to well under half their size, while the weights still follow a
    normal distribution of the intended scale.
    """
    step = 2.0 ** np.round(np.log2(std / 16))
    limit = np.round(4 * std / step)
    k = np.clip(np.round(rng.standard_normal(shape) * std / step), -limit, limit)
    return (k * step).astype(np.float32)


def randomize(model, rng):
    """Fresh grid weights for every parameter, in registration order.

    Matrices and kernels: He scale for convolutions (ReLU nets), 1/sqrt(fan_in)
    for Linear, RNN and Embedding matrices; biases N(0, 0.05²); norm scales
    1 + N(0, 0.1²). BatchNorm is set afterwards by calibrate_batchnorm.
    """
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = nn.init._calculate_fan_in_and_fan_out(p)[0]
                gain = math.sqrt(2.0) if p.dim() >= 3 else 1.0
                value = grid_normal(rng, p.shape, gain / math.sqrt(fan_in))
            elif name.endswith("bias") or "bias_" in name:
                value = grid_normal(rng, p.shape, 0.05)
            else:
                value = 1.0 + grid_normal(rng, p.shape, 0.1)
            p.copy_(torch.from_numpy(value))


def calibrate_batchnorm(model, example, rng):
    """Sets every BatchNorm from the activations that reach it on `example`.

    Random weights alone make deep nets' activations vanish or explode; real
    trained BatchNorms keep them near unit scale. Each BatchNorm's hook runs
    just before it, in execution order, so later layers see the already
    normalized activations: running mean = the channel's mean, and a scale
    that brings its standard deviation to a random target in [0.5, 1.5].

    The scale is a power of two, held in the running variance (var + eps is
    exactly 4^m, the weight exactly 1), so when the exporter folds the
    BatchNorm into the preceding Conv the folded weights stay on the grid of
    grid_normal (see there for why).
    """

    def hook(bn, args):
        x = args[0].detach()
        dims = [0] + list(range(2, x.dim()))
        mean = x.mean(dims).numpy()
        std = np.maximum(x.std(dims, unbiased=False).numpy(), 1e-3)
        target = rng.uniform(0.5, 1.5, std.shape)
        m = np.clip(np.round(np.log2(std / target)), -3, 30)
        want = (4.0 ** m).astype(np.float32)
        eps = np.float32(bn.eps)
        var = want - eps
        for _ in range(4):  # nudge by an ulp until var + eps rounds to 4^m in float32
            var = np.where(var + eps < want, np.nextafter(var, np.float32(np.inf)), var)
            var = np.where(var + eps > want, np.nextafter(var, np.float32(-np.inf)), var)
        assert np.all(var + eps == want), f"{bn}: var + eps is not a power of four"
        bn.running_mean.copy_(torch.from_numpy(mean))
        bn.running_var.copy_(torch.from_numpy(var))
        bn.weight.fill_(1.0)
        bn.bias.copy_(torch.from_numpy(grid_normal(rng, bn.bias.shape, 0.1)))

    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    handles = [bn.register_forward_pre_hook(hook) for bn in norms]
    with torch.no_grad():
        model(*example)
    for h in handles:
        h.remove()


# ---------------------------------------------------------------------------
# Models written here (torchvision has no such small ones)
# ---------------------------------------------------------------------------

class EncoderLayer(nn.Module):
    """One post-LayerNorm BERT layer: self-attention with an additive mask, GELU feed-forward."""

    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.attention_out = nn.Linear(d, d)
        self.attention_norm = nn.LayerNorm(d, eps=1e-12)
        self.ffn_in, self.ffn_out = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.gelu = nn.GELU()
        self.ffn_norm = nn.LayerNorm(d, eps=1e-12)

    def forward(self, h, mask):
        b, s, d = h.shape
        head = d // self.heads

        def split(x):  # [b, s, d] -> [b, heads, s, head]
            return x.view(b, s, self.heads, head).transpose(1, 2)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head) + mask
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, d)
        h = self.attention_norm(h + self.attention_out(context))
        return self.ffn_norm(h + self.ffn_out(self.gelu(self.ffn_in(h))))


class BertEncoder(nn.Module):
    """A small BERT (as Hugging Face's BertModel computes it, so it exports to the same pattern).

    Token + position + segment embeddings and LayerNorm, post-LN layers, and
    the tanh pooler on the first ([CLS]) position. The attention mask (1 =
    token, 0 = padding) becomes 0 / the most negative float32 added to the
    attention scores, as in transformers.
    """

    def __init__(self, vocab=2048, max_len=128, types=2, d=128, heads=2, ffn=512, layers=2):
        super().__init__()
        self.word = nn.Embedding(vocab, d)
        self.position = nn.Embedding(max_len, d)
        self.token_type = nn.Embedding(types, d)
        self.embedding_norm = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ffn) for _ in range(layers))
        self.pooler = nn.Linear(d, d)
        self.register_buffer("position_ids", torch.arange(max_len)[None], persistent=False)

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        h = self.word(input_ids) + self.position(self.position_ids[:, :s]) + self.token_type(token_type_ids)
        h = self.embedding_norm(h)
        mask = (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        for layer in self.layers:
            h = layer(h, mask)
        return h, torch.tanh(self.pooler(h[:, 0]))


class LstmClassifier(nn.Module):
    """Keyword spotting on log-mel frames: 2-layer bidirectional LSTM, mean over time, Linear."""

    def __init__(self, features=40, hidden=96, classes=12):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.classifier = nn.Linear(2 * hidden, classes)

    def forward(self, features):
        out, _ = self.lstm(features)
        return self.classifier(out.mean(dim=1))


class GruTagger(nn.Module):
    """Sequence tagging: token Embedding, GRU, a Linear per time step."""

    def __init__(self, vocab=1000, embed=64, hidden=128, tags=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.classifier = nn.Linear(hidden, tags)

    def forward(self, token_ids):
        out, _ = self.gru(self.embed(token_ids))
        return self.classifier(out)


class AudioM5(nn.Module):
    """M5 (Dai et al. 2017), the raw-waveform keyword spotter of torchaudio's tutorial.

    Four Conv1d + BatchNorm1d + ReLU + MaxPool1d(4) stages (the first an 80-tap,
    stride-16 filter bank), global average pool, Linear, LogSoftmax.
    """

    def __init__(self, classes=35, channels=32):
        super().__init__()
        c = channels
        layers = []
        for cin, cout, k, s in [(1, c, 80, 16), (c, c, 3, 1), (c, 2 * c, 3, 1), (2 * c, 2 * c, 3, 1)]:
            layers += [nn.Conv1d(cin, cout, k, stride=s), nn.BatchNorm1d(cout), nn.ReLU(), nn.MaxPool1d(4)]
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.classifier = nn.Linear(2 * c, classes)

    def forward(self, waveform):
        return F.log_softmax(self.classifier(self.features(waveform)), dim=-1)


def conv_bn_relu(cin, cout, k=3, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class SegmentationNet(nn.Module):
    """A small encoder-decoder segmenter.

    Three stride-2 Conv + BN + ReLU stages (1/8 resolution), a 1x1 context
    conv, ConvTranspose2d back to 1/4 concatenated with the 1/4 skip, a
    fusing conv, a 1x1 classifier and bilinear upsampling to the input size
    (F.interpolate, exported as Resize with sizes computed from the input's
    Shape).
    """

    def __init__(self, classes=8):
        super().__init__()
        self.stage1, self.stage2, self.stage3 = conv_bn_relu(3, 16, 3, 2), conv_bn_relu(16, 32, 3, 2), \
            conv_bn_relu(32, 64, 3, 2)
        self.context = conv_bn_relu(64, 64, 1)
        self.up = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU())
        self.fuse = conv_bn_relu(64, 32)
        self.classifier = nn.Conv2d(32, classes, 1)

    def forward(self, image):
        quarter = self.stage2(self.stage1(image))
        up = self.up(self.context(self.stage3(quarter)))
        logits = self.classifier(self.fuse(torch.cat([up, quarter], dim=1)))
        return F.interpolate(logits, size=image.shape[-2:], mode="bilinear", align_corners=False)


class SmallCnn(nn.Module):
    """A CIFAR-sized CNN, the float model quantized to QDQ: two Conv-BN-ReLU, MaxPool,
    a residual block, MaxPool, Conv-BN-ReLU, global average pool, Linear."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(conv_bn_relu(3, 32), conv_bn_relu(32, 32), nn.MaxPool2d(2))
        self.block = nn.Sequential(conv_bn_relu(32, 32), nn.Conv2d(32, 32, 3, padding=1, bias=False),
                                   nn.BatchNorm2d(32))
        self.head = nn.Sequential(nn.MaxPool2d(2), conv_bn_relu(32, 64), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(64, classes))

    def forward(self, image):
        x = self.stem(image)
        return self.head(F.relu(x + self.block(x)))


# ---------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------

@dataclass
class RealModel:
    name: str
    description: str
    build: Callable[[], nn.Module]                         # an untrained model, any weights
    inputs: Callable[[np.random.Generator], dict]          # graph input name -> array, in order
    outputs: list
    opset: int = 13
    large: bool = False       # over MAX_COMMITTED_BYTES: written to .build/real-models with --large
    quantize: bool = False    # export float, then ONNX Runtime's quantize_static (QDQ, int8)


def image(rng, shape=IMAGE):
    # A normalized image, what the ImageNet models see after mean/std scaling;
    # on the grid of grid_normal too, so the committed inputs compress.
    return {"image": grid_normal(rng, shape, 1.0)}


def tv(name, **kwargs):
    """A torchvision architecture, untrained."""
    return lambda: getattr(import_torchvision().models, name)(weights=None, **kwargs)


def bert_inputs(rng, length=32, padding=8, vocab=2048):
    """Two segments and trailing padding, as a tokenizer would produce them."""
    ids = rng.integers(1, vocab, [1, length]).astype(np.int64)
    mask = np.ones([1, length], np.int64)
    mask[:, length - padding:] = 0
    ids[mask == 0] = 0
    types = np.zeros([1, length], np.int64)
    types[:, (length - padding) // 2:length - padding] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


MODELS = [
    RealModel("squeezenet1_1", "torchvision SqueezeNet 1.1: Fire modules (Conv 1x1 squeeze, 1x1/3x3 expand, "
              "Concat), MaxPool ceil_mode, final Conv + GlobalAveragePool", tv("squeezenet1_1"),
              image, ["logits"]),
    RealModel("shufflenet_v2_x0_5", "torchvision ShuffleNetV2 x0.5: channel split (Slice, sizes from "
              "Shape/Div), shuffle (Reshape/Transpose), depthwise Conv, BN folded, ReduceMean pool",
              tv("shufflenet_v2_x0_5"), image, ["logits"], large=True),
    RealModel("bert_encoder", "BERT-style encoder, 2 layers, d=128, 2 heads, FFN 512, sequence 32 with 8 "
              "padded: Gather embeddings, LayerNormalization, MatMul attention with additive mask, Softmax, "
              "Erf GELU, tanh pooler", BertEncoder, bert_inputs, ["last_hidden_state", "pooler_output"],
              opset=17),
    RealModel("lstm_classifier", "2-layer bidirectional LSTM (hidden 96) over 16 frames of 40 features, mean "
              "over time, Gemm", LstmClassifier,
              lambda rng: {"features": grid_normal(rng, [1, 16, 40], 1.0)}, ["logits"]),
    RealModel("gru_tagger", "Embedding (int64 ids) + GRU (hidden 128, linear_before_reset) + per-step Linear "
              "over 16 tokens", GruTagger,
              lambda rng: {"token_ids": rng.integers(0, 1000, [1, 16]).astype(np.int64)}, ["tag_logits"]),
    RealModel("audio_m5", "M5 raw-waveform classifier: Conv1d (80 taps, stride 16) / BN folded / Relu / "
              "MaxPool1d x4, GlobalAveragePool, Gemm, LogSoftmax; 8000 samples",
              AudioM5, lambda rng: {"waveform": grid_normal(rng, [1, 1, 8000], 0.25)},
              ["log_probs"]),
    RealModel("segmentation_head", "Encoder-decoder segmenter: stride-2 Conv/BN/Relu, ConvTranspose 4x4/2, "
              "Concat skip, Conv 1x1, bilinear F.interpolate to 96x96 (Resize, sizes from Shape)",
              SegmentationNet, lambda rng: image(rng, [1, 3, 96, 96]), ["masks"]),
    RealModel("qdq_cnn_int8", "Small CNN (Conv/BN/Relu, residual Add, MaxPool, GAP, Gemm) quantized by "
              "onnxruntime.quantization.quantize_static: QDQ, per tensor, uint8 activations, int8 weights, "
              "int32 biases, MinMax over 16 seeded images (Relu absorbed into QuantizeLinear)",
              SmallCnn, lambda rng: image(rng, [1, 3, 32, 32]), ["logits"], quantize=True),
    RealModel("mobilenet_v3_small", "torchvision MobileNetV3-Small: Hardswish (HardSigmoid * x at opset 13), "
              "squeeze-excite (GlobalAveragePool, Conv, HardSigmoid, Mul), depthwise Conv, BN folded, two Gemm",
              tv("mobilenet_v3_small"), image, ["logits"], large=True),
    RealModel("efficientnet_b0", "torchvision EfficientNet-B0: MBConv with SiLU (Sigmoid * x), squeeze-excite, "
              "depthwise Conv, BN folded, residual Add", tv("efficientnet_b0"), image, ["logits"], large=True),
    RealModel("googlenet", "torchvision GoogLeNet (Inception v1), aux logits off: four-branch Inception "
              "blocks, Concat, MaxPool ceil_mode, BN folded", tv("googlenet", aux_logits=False, init_weights=False),
              image, ["logits"], large=True),
    RealModel("densenet121", "torchvision DenseNet-121: pre-activation BatchNormalization (not foldable) / "
              "Relu / Conv, dense Concat, AveragePool transitions", tv("densenet121"), image, ["logits"],
              large=True),
]


# ---------------------------------------------------------------------------
# Export, quantization, reference data
# ---------------------------------------------------------------------------

def export(spec, model, feeds, path):
    """torch.onnx.export with the TorchScript exporter, static shapes, named inputs/outputs."""
    args = tuple(torch.from_numpy(a) for a in feeds.values())
    torch.onnx.export(model, args, str(path), dynamo=False, opset_version=spec.opset,
                      input_names=list(feeds), output_names=spec.outputs, do_constant_folding=True)
    return onnx.load(str(path))


class SeededImages(CalibrationDataReader):
    """quantize_static's calibration data: fixed seeded images in the model's input shape."""

    def __init__(self, rng, feeds, count=16):
        name, sample = next(iter(feeds.items()))
        self.batches = iter([{name: rng.standard_normal(sample.shape).astype(np.float32)} for _ in range(count)])

    def get_next(self):
        return next(self.batches, None)


def quantize(float_path, out_path, rng, feeds):
    """ONNX Runtime's static quantization, the common CPU setting: QDQ format, uint8
    activations, int8 weights, one scale per tensor, MinMax calibration."""
    quantize_static(str(float_path), str(out_path), SeededImages(rng, feeds), quant_format=QuantFormat.QDQ,
                    per_channel=False, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    return onnx.load(str(out_path))


def output_lsb(model, name):
    """The scale of the DequantizeLinear producing graph output `name` (one quantization step)."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    node = next(n for n in model.graph.node if name in n.output)
    assert node.op_type == "DequantizeLinear", f"{name} comes from {node.op_type}, not DequantizeLinear"
    return float(inits[node.input[1]])


def on_grid_fraction(model):
    """Fraction of float32 weights (initializers of 1024+ elements) whose low 16 bits are zero."""
    total = zero = 0
    for init in model.graph.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype == np.float32 and a.size >= 1024:
            total += a.size
            zero += int(np.count_nonzero((a.view(np.uint32) & 0xFFFF) == 0))
    return zero / total if total else 1.0


def tolerance_ratio(got, want, atol, rtol):
    """Largest |got - want| / (atol + rtol * |want|) over float outputs (0 = identical)."""
    worst = 0.0
    for g, w in zip(got, want):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        worst = max(worst, float((np.abs(g - w) / (atol + rtol * np.abs(w))).max(initial=0.0)))
    return worst


def git_size(folder):
    """What the folder's files take in git's object store, roughly: each zlib-compressed at level 6."""
    return sum(len(zlib.compress(p.read_bytes(), 6)) for p in folder.rglob("*") if p.is_file())


def make(spec):
    """Builds, exports and records one model; returns its row for the summary and cases.json."""
    t0 = time.time()
    rng = common.rng_for(f"real/{spec.name}")
    torch.manual_seed(0)  # the builders draw torch's default init; randomize() overwrites it all
    model = spec.build().eval()
    randomize(model, rng)
    calibrate_batchnorm(model, tuple(torch.from_numpy(a) for a in spec.inputs(rng).values()), rng)
    feeds = spec.inputs(rng)
    with torch.no_grad():
        expected = model(*(torch.from_numpy(a) for a in feeds.values()))
    expected = [t.numpy() for t in (expected if isinstance(expected, tuple) else (expected,))]

    folder = (LARGE_DIR if spec.large else REAL_DIR) / spec.name
    common.reset_dir(folder)
    with tempfile.TemporaryDirectory() as tmp:
        float_path = Path(tmp) / "float.onnx"
        onnx_model = export(spec, model, feeds, float_path)
        if spec.quantize:
            onnx_model = quantize(float_path, Path(tmp) / "qdq.onnx", rng, feeds)
    onnx.checker.check_model(onnx_model, full_check=True)
    names = [n.name for n in onnx_model.graph.node]
    assert all(names) and len(set(names)) == len(names), f"{spec.name}: unnamed or duplicate node names"
    data = onnx_model.SerializeToString()
    assert spec.large or len(data) <= MAX_COMMITTED_BYTES, \
        f"{spec.name}: model.onnx is {len(data)} bytes, over {MAX_COMMITTED_BYTES}: mark it large=True"
    (folder / "model.onnx").write_bytes(data)

    outputs = common.run_ort(onnx_model, feeds)
    optimized = common.run_ort(onnx_model, feeds, optimize=True)
    if spec.quantize:
        # One quantization step of the output, either way: Kiln may compute
        # the float Conv/Gemm between DequantizeLinear and QuantizeLinear in
        # another order (or in integers, as ORT's optimized graph does), which
        # moves a value sitting on a rounding boundary by one step.
        lsb = output_lsb(onnx_model, spec.outputs[0])
        atol, rtol = lsb * 1.001, 0.0
        torch_vs_ort = None  # the float model's output says nothing about the quantized one's
    else:
        atol, rtol = common.ATOL, common.RTOL
        torch_vs_ort = tolerance_ratio(outputs, expected, atol, rtol)
    sensitivity = tolerance_ratio(optimized, outputs, atol, rtol)

    tdir = folder / "test_data_set_0"
    tdir.mkdir()
    for i, (name, arr) in enumerate(feeds.items()):
        (tdir / f"input_{i}.pb").write_bytes(numpy_helper.from_array(arr, name=name).SerializeToString())
    for i, (name, arr) in enumerate(zip(spec.outputs, outputs)):
        (tdir / f"output_{i}.pb").write_bytes(numpy_helper.from_array(arr, name=name).SerializeToString())

    return {
        "name": spec.name, "description": spec.description, "atol": atol, "rtol": rtol,
        "opset": spec.opset, "committed": not spec.large,
        "params": sum(p.numel() for p in model.parameters()),
        "model_bytes": len(data), "folder_bytes": common.fixture_size(folder), "git_bytes": git_size(folder),
        "on_grid": on_grid_fraction(onnx_model), "torch_vs_ort": torch_vs_ort, "sensitivity": sensitivity,
        "seconds": time.time() - t0,
    }


# ---------------------------------------------------------------------------
# Manifest, README, check
# ---------------------------------------------------------------------------

MANIFEST_KEYS = ["name", "description", "atol", "rtol", "opset", "params", "model_bytes"]


def write_manifest(directory, rows):
    """cases.json: every model under `directory` with its tolerance (rows of this run replace older ones)."""
    path = directory / "cases.json"
    cases = {c["name"]: c for c in json.loads(path.read_text())["cases"]} if path.exists() else {}
    for row in rows:
        cases[row["name"]] = {k: row[k] for k in MANIFEST_KEYS}
    known = {m.name for m in MODELS}
    ordered = [cases[m.name] for m in MODELS if m.name in cases and (directory / m.name).is_dir()]
    ordered += [c for n, c in sorted(cases.items()) if n not in known]
    path.write_text(json.dumps({"cases": ordered}, indent=1) + "\n")
    return ordered


README = """# Real models

Generated by `Scripts/make_real_models.sh` (`Scripts/real_models.py`, pinned
venv `Scripts/.venv-models` from `Scripts/requirements-models.txt`); do not
edit by hand. Real architectures with random weights, exported by PyTorch's
TorchScript exporter (`torch.onnx.export(..., dynamo=False)`) at opset 13
(17 for the encoder, for LayerNormalization), batch 1, static shapes, in the
layout of the other fixtures (`<name>/model.onnx`, `test_data_set_0/`).
Expected outputs: ONNX Runtime {ort_version}, CPU, graph optimizations off,
one thread.

Only models whose `model.onnx` is at most 5 MB live here; the Swift tests
run them with the other fixtures. The larger ones (ShuffleNetV2,
MobileNetV3-Small, EfficientNet-B0, GoogLeNet, DenseNet-121) are written to
`.build/real-models/` by `Scripts/make_real_models.sh --large`.

Weights are drawn on a coarse grid (power-of-two steps of about std/16) and
BatchNorm scales are powers of two, so the weights folded into each Conv keep
7 significant bits and git compresses them well.

`cases.json` gives each model's tolerance, `|got - want| <= atol + rtol *
|want|`: 1e-4 + 1e-4 for the float models, one quantization step of the
output for the int8 QDQ model.

| model | what | opset | parameters | model.onnx | tolerance |
| --- | --- | --- | ---: | ---: | --- |
"""


def write_readme(cases):
    text = README.format(ort_version=ort.__version__)
    for c in cases:
        tol = f"{c['atol']:.3g} + {c['rtol']:.3g}·\\|want\\|" if c["rtol"] else f"{c['atol']:.3g} (1 step)"
        text += (f"| `{c['name']}` | {c['description']} | {c['opset']} | {c['params']:,} | "
                 f"{c['model_bytes'] / 2**20:.2f} MiB | {tol} |\n")
    (REAL_DIR / "README.md").write_text(text)


def check(kilnc, rows):
    """kilnc verify on every model of this run, one at a time; returns the failures."""
    failures = []
    print(f"\n{'model':22s} {'kilnc verify':>12s}  result")
    for row in rows:
        folder = (REAL_DIR if row["committed"] else LARGE_DIR) / row["name"]
        cmd = [kilnc, "verify", str(folder / "model.onnx"), "--data", str(folder / "test_data_set_0"),
               "--atol", repr(row["atol"]), "--rtol", repr(row["rtol"])]
        t0 = time.time()
        done = subprocess.run(cmd, capture_output=True, text=True)
        text = (done.stdout + done.stderr).strip().replace("\n", " | ")
        print(f"{row['name']:22s} {time.time() - t0:11.1f}s  {'ok' if done.returncode == 0 else 'FAILED'}: {text}")
        if done.returncode != 0:
            failures.append(row["name"])
    return failures


def main():
    parser = argparse.ArgumentParser(
        description="Export real model architectures to ONNX with ONNX Runtime reference data.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models (* = large, written by --large to .build/real-models/):\n" + "\n".join(
            f"  {m.name:20s}{'*' if m.large else ' '} {m.description}" for m in MODELS))
    parser.add_argument("--large", action="store_true",
                        help="the large models (into .build/real-models/) instead of the committed ones")
    parser.add_argument("--only", help="comma-separated model names, from either set")
    parser.add_argument("--check", metavar="KILNC", help="afterwards run `KILNC verify` on each model")
    args = parser.parse_args()

    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {m.name for m in MODELS}
        if unknown:
            parser.error(f"unknown model(s): {', '.join(sorted(unknown))}")
        specs = [m for m in MODELS if m.name in wanted]
    else:
        specs = [m for m in MODELS if m.large == args.large]

    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}, "
          f"numpy {np.__version__}")
    t0 = time.time()
    rows = [make(spec) for spec in specs]
    for directory, committed in ((REAL_DIR, True), (LARGE_DIR, False)):
        mine = [r for r in rows if r["committed"] == committed]
        if mine:
            cases = write_manifest(directory, mine)
            if committed:
                write_readme(cases)

    print(f"\n{'model':22s} {'params':>10s} {'model.onnx':>11s} {'git ~':>9s} {'on grid':>7s} "
          f"{'torch/ORT':>9s} {'sensitivity':>11s} {'time':>6s}")
    for r in rows:
        tvo = "-" if r["torch_vs_ort"] is None else f"{r['torch_vs_ort']:.3f}"
        print(f"{r['name']:22s} {r['params']:10,d} {r['model_bytes'] / 2**20:9.2f}Mi {r['git_bytes'] / 2**20:7.2f}Mi "
              f"{r['on_grid']:7.1%} {tvo:>9s} {r['sensitivity']:11.3f} {r['seconds']:5.1f}s")
    print("(torch/ORT, sensitivity: largest deviation of PyTorch's output, and of ORT with all graph "
          "optimizations, from the reference, as a fraction of the tolerance)")
    committed = [r for r in rows if r["committed"]]
    if committed:
        print(f"Fixtures/real: {sum(r['folder_bytes'] for r in committed) / 2**20:.2f} MiB on disk, "
              f"~{sum(r['git_bytes'] for r in committed) / 2**20:.2f} MiB in git")
    print(f"done in {time.time() - t0:.1f}s")

    if args.check:
        failures = check(args.check, rows)
        if failures:
            print(f"kilnc verify FAILED on: {', '.join(failures)}")
            return 1
        print(f"kilnc verify: all {len(rows)} match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
