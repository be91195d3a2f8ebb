#!/usr/bin/env python3
"""Writes Fixtures/Malformed/: a corpus of malformed, hostile and edge-case
ONNX models, each with what a correct compiler must answer.

Why: Kiln compiles model files that come from anywhere. A file must never
crash, trap, hang or exhaust the compiler, inject text into the generated
Swift/C, or read files outside its folder; it must either compile or stop
with an error that names the offending node, input or initializer. The Swift
tests (Tests/KilnDriverTests/MalformedCorpusTests.swift) run every case through
`kilnc compile` as a separate process and check the answer.

Usage (from the repository root):

    Scripts/.venv/bin/python Scripts/make_malformed.py        (or: make malformed)

Outputs (paths relative to the repository root):
  Fixtures/Malformed/<case>.onnx        one per case (bytes, possibly not even protobuf)
  Fixtures/Malformed/<case>.kiln.json   the case's config, where it has one
  Fixtures/Malformed/external_*.bin     side files the external-data cases point to,
                                        and two symbolic links that lead outside the folder
  Fixtures/Malformed/cases.json         the manifest (see README.md there)
  Fixtures/Malformed/README.md

Most models are deliberately invalid, so nothing here runs onnx.checker; they
are serialized as built, and some are raw protobuf bytes put together by hand
(truncated, wrong wire types, lengths claiming 2 GB, 16,000-deep nesting).
Every "compiles" case is run through ONNX Runtime (when it is installed) to
prove it is a valid model; that check writes nothing.

Deterministic: fixed data, no timestamps, no random state; re-running it
rewrites byte-identical files. Every file stays under 64 KB and the folder
under 1 MB, which is why three cases are smaller than their ideal: the Relu/Neg
chain has 3,800 nodes (10,000 would need ~170 KB), and the nesting cases stop
at 5,500 GraphProto levels (16,500 nested messages) and 8,000 TypeProto levels.

One function per case or per small table of cases, grouped by class in the
order of the manifest's classes: names, traps, budget, meaning, external, bytes.
To add a case, call `case(...)` with a builder; main() does the rest.
"""

import gzip
import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from google.protobuf import text_format
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Fixtures" / "Malformed"

OPSET = 13
IR_VERSION = 8
PRODUCER = "kiln-make-malformed"
MAX_FILE_BYTES = 64 * 1024
MAX_TOTAL_BYTES = 1 << 20

F32 = TensorProto.FLOAT
I32 = TensorProto.INT32
I64 = TensorProto.INT64
U64 = TensorProto.UINT64

INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)
CLASSES = ["names", "traps", "budget", "meaning", "external", "bytes"]

# The one side file the external-data cases read: 4 float32 values (16 bytes).
WEIGHTS_FILE = "external_weights.bin"
WEIGHTS = np.array([1.0, 2.0, 3.0, 4.0], np.float32)


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------

class Symlink:
    """A side file that is a symbolic link to `target`."""

    def __init__(self, target):
        self.target = target


class Case:
    def __init__(self, name, cls, expect, description, build, error_contains, config, ort_check):
        self.name = name
        self.cls = cls
        self.expect = expect
        self.description = description
        self.build = build
        self.error_contains = list(error_contains)
        self.config = config
        self.ort_check = ort_check


CASES = []


def case(name, cls, expect, description, build, error_contains=(), config=None, ort_check=True):
    """Registers one case.

    build() returns a ModelProto or raw bytes, or a (model, {file name: bytes | Symlink})
    pair for cases that need side files. `config` (a dict) is written beside the
    model as <name>.kiln.json. `ort_check=False` skips the ONNX Runtime check of
    a "compiles" case that ONNX Runtime itself cannot run.
    """
    assert cls in CLASSES, cls
    assert expect in ("error", "compiles"), expect
    assert expect == "compiles" or error_contains, f"{name}: an error case needs error_contains"
    assert expect == "error" or not error_contains, f"{name}: a compiles case takes no error_contains"
    assert all(c.name != name for c in CASES), f"duplicate case {name}"
    CASES.append(Case(name, cls, expect, description, build, error_contains, config, ort_check))


def vi(name, dims=(4,), elem=F32):
    """A tensor ValueInfo. dims: a sequence (static sizes), an int (that rank with
    unknown sizes: the outputs of error cases, whose sizes are not defined), or
    None (no shape at all, itself a defect of a graph input or output)."""
    if isinstance(dims, int):
        dims = [None] * dims
    return helper.make_tensor_value_info(name, elem, None if dims is None else list(dims))


def node(op, inputs, outputs, name, domain=None, **attrs):
    return helper.make_node(op, list(inputs), list(outputs), name=name, domain=domain, **attrs)


def tensor(name, array, dtype=None):
    return numpy_helper.from_array(np.asarray(array, dtype=dtype), name)


def const(name, output, array, dtype=None):
    """A Constant node `name` whose value (array) is written to `output`."""
    return helper.make_node("Constant", [], [output], name=name, value=tensor("", array, dtype))


def i64(*values):
    return np.array(values, np.int64)


def f32(*values):
    return np.array(values, np.float32)


def model(nodes, inputs, outputs, inits=(), opset=OPSET, graph_name="malformed", opsets=None, ir_version=IR_VERSION,
          functions=(), doc_string=None, producer=PRODUCER):
    """A ModelProto built without any checking. `opsets` replaces the default
    [("", opset)] import list when given (list of (domain, version))."""
    graph = helper.make_graph(list(nodes), graph_name, list(inputs), list(outputs), initializer=list(inits))
    imports = [helper.make_opsetid(domain, version) for domain, version in (opsets or [("", opset)])]
    m = helper.make_model(graph, opset_imports=imports, producer_name=producer, producer_version="1",
                          functions=list(functions))
    m.ir_version = ir_version
    if doc_string is not None:
        m.doc_string = doc_string
    return m


def unary(op, in_name, out_name, node_name, dims=(2, 3), **attrs):
    """One node `op` from a graph input to a graph output, both float [dims]."""
    return model([node(op, [in_name], [out_name], node_name, **attrs)], [vi(in_name, dims)], [vi(out_name, dims)])


def sum_of(input_names, out_name, node_name, dims=(2,)):
    """Sum of many float graph inputs of one shape into one output."""
    return model([node("Sum", input_names, [out_name], node_name)], [vi(n, dims) for n in input_names],
                 [vi(out_name, dims)])


# Raw protobuf encoding, for bytes that no ModelProto can hold.

def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def ld(field, payload):
    """A length-delimited field (wire type 2)."""
    return key(field, 2) + varint(len(payload)) + payload


def vfield(field, value):
    """A varint field (wire type 0)."""
    return key(field, 0) + varint(value)


def header_bytes(ir_version=IR_VERSION, opset=OPSET):
    """ModelProto fields 1 (ir_version) and 8 (opset_import {version})."""
    return vfield(1, ir_version) + ld(8, vfield(2, opset))


def decodes(data):
    try:
        onnx.ModelProto().ParseFromString(data)
        return True
    except Exception:  # noqa: BLE001 - any decode failure counts
        return False


# ---------------------------------------------------------------------------
# 1. names: hostile value, node and model names (compile unless invalid)
# ---------------------------------------------------------------------------

def names_cases():
    case("names_newline_error_injection", "names", "compiles",
         "Input, output and node names hold a newline followed by '#error injected'; the generated Swift and C must "
         "keep them inside comments and string literals and still compile.",
         lambda: unary("Relu", "x\n#error injected", "y\n#error injected", "relu\n#error injected"))
    case("names_comment_terminators", "names", "compiles",
         "Names hold '*/' and '/*' (a name that closes the comment it is quoted in); generated code must still "
         "compile.",
         lambda: unary("Relu", "in*/x", "out/*y", "relu*/ /*"))
    keywords = ["await", "self", "class", "Type", "init", "default", "Self", "Protocol", "Any", "nil", "true",
                "inout", "subscript", "deinit"]
    case("names_swift_keywords", "names", "compiles",
         "Fourteen inputs named after Swift keywords (await, self, class, Type, init, default, ...) summed into an "
         "output named 'return'; the generated API must rename or escape them and type-check.",
         lambda: sum_of(keywords, "return", "sum_keywords"))
    reserved = ["run", "predict", "model", "runtime", "Inputs", "Outputs", "inputShapes", "outputShapes",
                "inputDTypes", "outputDTypes", "description", "init_"]
    case("names_generated_members", "names", "compiles",
         "Inputs named like the generated class's own members (run, predict, runtime, Inputs, description, ...) and "
         "an output 'runtime_' that sanitises to one of them; no member may be shadowed or declared twice.",
         lambda: sum_of(reserved, "runtime_", "sum_members"))
    case("names_sanitise_collision", "names", "compiles",
         "Three inputs 'a-b', 'a_b' and 'a.b' and the output 'aB' all sanitise to one identifier; the generated "
         "members must stay distinct.",
         lambda: sum_of(["a-b", "a_b", "a.b"], "aB", "sum_collision"))
    case("names_suffix_collision", "names", "compiles",
         "Inputs 'v', 'v2', 'v-', 'V' and 'v_2' collide with the numeric suffixes a uniquing scheme adds; all "
         "members must stay distinct.",
         lambda: sum_of(["v", "v2", "v-", "V", "v_2"], "v3", "sum_suffixes"))
    case("names_keywords_after_sanitising", "names", "compiles",
         "Names that become keywords only after sanitising ('_in', 'for-', 'self_', 'Self.', '.init', 'Type!'); the "
         "generated API must still type-check.",
         lambda: sum_of(["_in", "for-", "self_", "Self.", ".init", "Type!"], "_await", "sum_late_keywords"))
    case("names_leading_digits_and_underscores", "names", "compiles",
         "Names '3d', '0', '_', '__' and output '1' start with digits or have no letters at all; identifiers must be "
         "valid.",
         lambda: sum_of(["3d", "0", "_", "__"], "1", "sum_digits"))
    case("names_quotes_and_backslashes", "names", "compiles",
         "Names hold quotes, backslashes, an escape sequence, '$(...)' and backticks; string literals must be "
         "escaped and nothing may reach a shell.",
         lambda: sum_of(['x"\\', "\\u{41}", "$(touch pwned)", "`id`", "'"], '"""', "sum_quotes"))
    case("names_c_keywords", "names", "compiles",
         "Inputs named after C keywords and library names (int, void, static, main, errno, NULL); the generated C "
         "must not use them as identifiers unprefixed.",
         lambda: sum_of(["int", "void", "static", "main", "errno", "NULL"], "register", "sum_c_keywords"))
    case("names_empty_intermediate_output", "names", "compiles",
         "An intermediate Dropout writes its optional mask output with the empty name '' (not produced); the "
         "compiler must treat it as absent.",
         lambda: model([node("Dropout", ["x"], ["dropped", ""], "dropout_no_mask"),
                        node("Relu", ["dropped"], ["y"], "relu_after_dropout")], [vi("x")], [vi("y")]))
    long_in = ("long_input_" + "0123456789" * 400)[:4000]
    long_out = ("long_output_" + "abcdefghij" * 400)[:4000]
    long_node = ("long_node_" + "ABCDEFGHIJ" * 400)[:4000]
    case("names_very_long", "names", "compiles",
         "Input, output and node names of 4,000 characters each; the compiler must not truncate them into "
         "collisions or overflow fixed buffers.",
         lambda: unary("Relu", long_in, long_out, long_node))
    case("names_chinese", "names", "compiles",
         "Chinese input, output and node names; identifiers must be ASCII-safe and distinct.",
         lambda: sum_of(["输入张量", "权重"], "输出张量", "激活函数"))
    case("names_emoji", "names", "compiles",
         "Emoji names (including a ZWJ family sequence); identifiers must be ASCII-safe and distinct.",
         lambda: sum_of(["🙂x", "👨\u200d👩\u200d👧"], "🔥y", "🚀sum"))
    case("names_rtl_override", "names", "compiles",
         "Names hold U+202E RIGHT-TO-LEFT OVERRIDE (a Trojan Source attack on comments); generated comments must "
         "escape it.",
         lambda: unary("Relu", "x\u202egnp.exe", "y\u202e//", "relu\u202e*/"))
    case("names_zero_width_joiner", "names", "compiles",
         "Names 'a\\u200db' and 'ab' differ only by an invisible zero-width joiner; they must stay two distinct "
         "members.",
         lambda: sum_of(["a\u200db", "ab"], "a\u200dc", "sum\u200dzwj"))
    case("names_line_separators", "names", "compiles",
         "Names hold U+2028 and U+2029 (line and paragraph separators, which end a Swift comment line); comments "
         "must escape them.",
         lambda: unary("Relu", "x\u2028#error injected", "y\u2029#error injected", "relu\u2028"))
    case("names_nul_byte", "names", "compiles",
         "Names hold a NUL byte ('x\\0hidden'); C strings built from them must not be cut short or collide.",
         lambda: sum_of(["x\0hidden", "x"], "y\0", "sum\0evil"))
    case("names_crlf_node_name", "names", "compiles",
         "A node name and value names hold '\\r\\n' followed by '#error injected'; generated comments must escape "
         "the carriage return as well as the newline.",
         lambda: unary("Relu", "x\r", "y\r\n", "relu\r\n#error injected\r\n"))

    def doc_strings():
        m = unary("Relu", "x", "y", "relu_doc")
        hostile = "*/ #error x /*\n#error injected\n"
        m.doc_string = hostile
        m.producer_name = hostile
        m.producer_version = hostile
        m.domain = hostile
        m.graph.name = hostile
        m.graph.doc_string = hostile
        m.graph.node[0].doc_string = hostile
        m.graph.input[0].doc_string = hostile
        m.metadata_props.add(key=hostile, value=hostile)
        return m

    case("names_doc_string_injection", "names", "compiles",
         "doc_string, producer_name, producer_version, domain, graph name and metadata hold '*/ #error x /*' and "
         "newlines; none of it may leak unescaped into generated code.",
         doc_strings)
    # names_hostile_inputs and names_many_inputs are also built into a user's package
    # by Scripts/check-plugin-errors.sh: keep their names.
    case("names_many_inputs", "names", "compiles",
         "240 graph inputs (PyTorch-style names 'input.0' ... 'input.239') added by one Sum; the generated API "
         "(an Inputs struct) must still type-check quickly.",
         lambda: sum_of([f"input.{i}" for i in range(240)], "output.0", "sum_240", dims=(1,)))
    hostile = ["await", "self", "class\n#error injected", "a-b", "a_b", "a.b", "*/ /*", "Type", "init", "default",
               "\u540d\u5b57", "e\u202eX", "z\u200dw", "x" * 4000]
    case("names_hostile_inputs", "names", "compiles",
         "Fourteen hostile names in one model (keywords, a newline with '#error injected', comment terminators, "
         "sanitising collisions, Chinese, a bidi override, a zero-width joiner, 4,000 characters) into one Sum; "
         "the generated class must compile in a user's package.",
         lambda: model([node("Sum", hostile, ["out\nput"], "sum\r\n#error x")], [vi(n) for n in hostile],
                       [vi("out\nput")], doc_string="*/\n#error doc"))
    case("names_input_is_output", "names", "compiles",
         "A graph input 'x' is also a graph output (a pass-through) next to a computed output; the API must expose "
         "two distinct outputs.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_passthrough")], [vi("x")], [vi("x"), vi("y")]))
    case("names_duplicate_node_names", "names", "compiles",
         "Two nodes share the name 'same_name' (onnx.checker accepts it, node names being diagnostic only, though "
         "ONNX Runtime refuses it); both must be compiled without their names colliding.",
         lambda: model([node("Relu", ["x"], ["h"], "same_name"), node("Neg", ["h"], ["y"], "same_name")],
                       [vi("x")], [vi("y")]),
         ort_check=False)
    case("names_synthesized_name_collision", "names", "compiles",
         "An unnamed Relu (index 0) is followed by a node explicitly named 'Relu_0', the name a compiler might "
         "synthesize for the first; both must be compiled.",
         lambda: model([node("Relu", ["x"], ["h"], ""), node("Neg", ["h"], ["y"], "Relu_0")], [vi("x")], [vi("y")]))
    case("names_empty_input_name", "names", "error",
         "A graph input named '' (the empty name means 'no value' in ONNX) read by a Relu; the compiler must refuse "
         "the model naming the node.",
         lambda: model([node("Relu", [""], ["y"], "relu_reads_empty")], [vi("")], [vi("y")]),
         ["node 'relu_reads_empty'", "input"])


# ---------------------------------------------------------------------------
# 2. traps: values that trap naive Swift/C arithmetic (NaN→Int, /0, overflow, bad axes)
# ---------------------------------------------------------------------------

def reshape_from_cast(label, values):
    """x [2,4] reshaped to a shape cast from float constants (NaN, inf, 1e30)."""
    def build():
        return model([const(f"const_{label}_shape", "shape_f", f32(*values)),
                      node("Cast", ["shape_f"], ["shape"], f"cast_{label}_shape", to=I64),
                      node("Reshape", ["x", "shape"], ["y"], f"reshape_{label}_shape")],
                     [vi("x", (2, 4))], [vi("y", 2)])
    return build


def binary_folded(op, a, b, elem, node_name, out_dims, **attrs):
    """op(Constant a, Constant b) with no graph input: the compiler folds it."""
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    return model([const(f"{node_name}_a", "a", np.array(a, dtype)), const(f"{node_name}_b", "b", np.array(b, dtype)),
                  node(op, ["a", "b"], ["y"], node_name, **attrs)], [], [vi("y", out_dims, elem)])


def unary_folded(op, values, elem, node_name, out_elem=None, **attrs):
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    return model([const(f"{node_name}_input", "a", np.array(values, dtype)),
                  node(op, ["a"], ["y"], node_name, **attrs)], [], [vi("y", (len(values),), out_elem or elem)])


def conv_model(node_name, x_dims=(1, 1, 5, 5), w_dims=(1, 1, 3, 3), op="Conv", out_rank=4, **attrs):
    return model([node(op, ["x", "w"], ["y"], node_name, **attrs)], [vi("x", x_dims)], [vi("y", out_rank)],
                 [tensor("w", np.ones(w_dims, np.float32))])


def pool_model(op, node_name, out_rank=4, **attrs):
    return model([node(op, ["x"], ["y"], node_name, **attrs)], [vi("x", (1, 1, 4, 4))], [vi("y", out_rank)])


def traps_cases():
    for label, values, word, what in [("nan", (np.nan, 2), "NaN", "NaN"), ("inf", (np.inf, 2), "inf", "+Inf"),
                                      ("huge", (1e30, 2), "range", "1e30")]:
        case(f"traps_reshape_shape_cast_{label}", "traps", "error",
             f"Reshape's shape is Cast({what} float constant to int64), folded at compile time; converting it must not "
             f"trap, and the compiler must refuse the model naming the Cast (or the Reshape).",
             reshape_from_cast(label, values), [f"node 'cast_{label}_shape'", word])
    case("traps_gather_index_cast_nan", "traps", "error",
         "Gather's index is Cast(NaN float constant to int64), folded; the compiler must refuse it naming the Cast "
         "instead of trapping or reading out of bounds.",
         lambda: model([const("const_nan_index", "index_f", f32(np.nan)),
                        node("Cast", ["index_f"], ["index"], "cast_nan_index", to=I64),
                        node("Gather", ["x", "index"], ["y"], "gather_nan_index")],
                       [vi("x", (4, 3))], [vi("y", 2)]),
         ["node 'cast_nan_index'", "NaN"])
    case("traps_cast_inf_folded", "traps", "error",
         "A graph output is Cast([+Inf, -Inf, 1] float constant to int64) with no graph input; folding must not trap "
         "(ONNX leaves the value undefined), so the compiler refuses it naming the Cast.",
         lambda: unary_folded("Cast", [np.inf, -np.inf, 1.0], F32, "cast_inf", out_elem=I64, to=I64),
         ["node 'cast_inf'", "inf"])
    case("traps_cast_nan_to_int32_folded", "traps", "error",
         "Cast([NaN] float constant to int32), folded; must not trap, the compiler refuses it naming the Cast.",
         lambda: unary_folded("Cast", [np.nan], F32, "cast_nan_int32", out_elem=I32, to=I32),
         ["node 'cast_nan_int32'", "NaN"])
    case("traps_cast_big_to_int32_folded", "traps", "error",
         "Cast([1e10] float constant to int32), out of int32's range, folded; must not trap, the compiler refuses it "
         "naming the Cast.",
         lambda: unary_folded("Cast", [1e10], F32, "cast_big_int32", out_elem=I32, to=I32),
         ["node 'cast_big_int32'", "range"])
    case("traps_cast_negative_to_uint64_folded", "traps", "error",
         "Cast([-1.5] float constant to uint64), out of range, folded (UInt64(-1.5) traps in Swift); the compiler "
         "refuses it naming the Cast.",
         lambda: unary_folded("Cast", [-1.5], F32, "cast_negative_uint64", out_elem=U64, to=U64),
         ["node 'cast_negative_uint64'", "range"])
    case("traps_cast_int64_to_int32_wraps_folded", "traps", "compiles",
         "Cast([2^40 + 5, -1] int64 constant to int32), folded: integer narrowing wraps ([5, -1]) as ONNX Runtime "
         "does; Int32(x) would trap, the compiler must use truncation.",
         lambda: unary_folded("Cast", [(1 << 40) + 5, -1], I64, "cast_narrow_int32", out_elem=I32, to=I32))
    case("traps_gather_scalar_data", "traps", "error",
         "Gather from a rank-0 (scalar) input is invalid (data must have rank >= 1); refuse it naming the node.",
         lambda: model([const("const_scalar_data_index", "index", i64(0)),
                        node("Gather", ["x_scalar", "index"], ["y"], "gather_scalar_data")],
                       [vi("x_scalar", ())], [vi("y", 1)]),
         ["node 'gather_scalar_data'", "rank"])
    case("traps_gather_scalar_index", "traps", "compiles",
         "Gather of x [4,3] with a rank-0 constant index 2 is valid and yields row 2, shape [3].",
         lambda: model([const("const_scalar_index", "index", np.array(2, np.int64)),
                        node("Gather", ["x", "index"], ["y"], "gather_scalar_index")],
                       [vi("x", (4, 3))], [vi("y", (3,))]))
    case("traps_concat_scalars", "traps", "error",
         "Concat of two rank-0 inputs is invalid (no axis to join on); refuse it naming the node.",
         lambda: model([node("Concat", ["a", "b"], ["y"], "concat_scalars", axis=0)], [vi("a", ()), vi("b", ())],
                       [vi("y", 1)]),
         ["node 'concat_scalars'", "rank"])
    case("traps_softmax_scalar", "traps", "error",
         "Softmax (opset 13) of a rank-0 input has no axis -1 (ONNX's shape inference and ONNX Runtime refuse it); "
         "the compiler must refuse it naming the node, not index an axis that does not exist.",
         lambda: unary("Softmax", "x", "y", "softmax_scalar", dims=()),
         ["node 'softmax_scalar'", "rank"])
    case("traps_matmul_empty_rows", "traps", "compiles",
         "MatMul [0,4] x [4,3] is valid and yields an empty [0,3] result; no kernel may divide by or loop on zero "
         "rows badly.",
         lambda: model([node("MatMul", ["a", "b"], ["y"], "matmul_empty_rows")], [vi("a", (0, 4))], [vi("y", (0, 3))],
                       [tensor("b", np.arange(12, dtype=np.float32).reshape(4, 3))]))
    case("traps_matmul_empty_inner", "traps", "compiles",
         "MatMul [2,0] x [0,3] is valid: the inner dimension is empty and the [2,3] result is all zeros.",
         lambda: model([node("MatMul", ["a", "b"], ["y"], "matmul_empty_inner")], [vi("a", (2, 0))], [vi("y", (2, 3))],
                       [tensor("b", np.zeros((0, 3), np.float32))]))
    case("traps_conv_batch_zero", "traps", "compiles",
         "Conv over a batch of 0 images ([0,1,5,5] with a [2,1,3,3] kernel) is valid and yields [0,2,3,3].",
         lambda: model([node("Conv", ["x", "w"], ["y"], "conv_batch_zero")], [vi("x", (0, 1, 5, 5))],
                       [vi("y", (0, 2, 3, 3))], [tensor("w", np.ones((2, 1, 3, 3), np.float32))]))
    case("traps_node_zero_outputs", "traps", "error",
         "A Relu with no outputs at all (the schema requires one); refuse it naming the node.",
         lambda: model([node("Relu", ["x"], [], "relu_no_outputs"), node("Neg", ["x"], ["y"], "neg_live")],
                       [vi("x")], [vi("y")]),
         ["node 'relu_no_outputs'", "output"])
    case("traps_reshape_two_minus_one", "traps", "error",
         "Reshape to [-1, -1] (at most one -1 is allowed); refuse it naming the node.",
         lambda: model([const("const_two_minus_one", "shape", i64(-1, -1)),
                        node("Reshape", ["x", "shape"], ["y"], "reshape_two_minus_one")],
                       [vi("x", (2, 3, 4))], [vi("y", 2)]),
         ["node 'reshape_two_minus_one'", "-1"])
    case("traps_reshape_allowzero_with_minus_one", "traps", "error",
         "Reshape (opset 14) with allowzero=1 to [0, -1]: a literal 0 next to -1 is invalid (the -1 would divide by "
         "zero); refuse it naming the node.",
         lambda: model([const("const_allowzero_shape", "shape", i64(0, -1)),
                        node("Reshape", ["x", "shape"], ["y"], "reshape_allowzero", allowzero=1)],
                       [vi("x", (2, 3))], [vi("y", 2)], opset=14),
         ["node 'reshape_allowzero'", "allowzero"])
    case("traps_slice_step_zero", "traps", "error",
         "Slice with steps [0] never advances; refuse it naming the node.",
         lambda: model([const("slice_starts", "starts", i64(0)), const("slice_ends", "ends", i64(8)),
                        const("slice_axes", "axes", i64(0)), const("slice_steps", "steps", i64(0)),
                        node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], "slice_step_zero")],
                       [vi("x", (8,))], [vi("y", 1)]),
         ["node 'slice_step_zero'", "step"])
    case("traps_slice_extreme_bounds", "traps", "compiles",
         "Slice of x [5] from INT64_MAX down to INT64_MIN with step -1 is valid (bounds clamp, the result is x "
         "reversed); computing end - start must not overflow.",
         lambda: model([const("extreme_starts", "starts", i64(INT64_MAX)),
                        const("extreme_ends", "ends", i64(INT64_MIN)), const("extreme_axes", "axes", i64(0)),
                        const("extreme_steps", "steps", i64(-1)),
                        node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], "slice_extreme_bounds")],
                       [vi("x", (5,))], [vi("y", (5,))]))
    case("traps_slice_step_int64_min", "traps", "compiles",
         "Slice of x [5] from INT64_MAX to INT64_MIN with step INT64_MIN is valid and keeps only the last element; "
         "dividing by or negating the step must not overflow.",
         lambda: model([const("min_step_starts", "starts", i64(INT64_MAX)),
                        const("min_step_ends", "ends", i64(INT64_MIN)), const("min_step_axes", "axes", i64(0)),
                        const("min_step_steps", "steps", i64(INT64_MIN)),
                        node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"], "slice_step_int64_min")],
                       [vi("x", (5,))], [vi("y", (1,))]))
    case("traps_range_delta_zero", "traps", "error",
         "Range(0, 10, delta 0) would never end (its length divides by zero); refuse it naming the node.",
         lambda: model([const("range_start", "start", np.array(0, np.int64)),
                        const("range_limit", "limit", np.array(10, np.int64)),
                        const("range_delta", "delta", np.array(0, np.int64)),
                        node("Range", ["start", "limit", "delta"], ["y"], "range_delta_zero")],
                       [], [vi("y", 1, I64)]),
         ["node 'range_delta_zero'", "delta"])
    case("traps_range_limit_nan", "traps", "error",
         "Range(0, NaN, 1) in float has no length (Int(NaN) traps); refuse it naming the node.",
         lambda: model([const("nan_range_start", "start", np.array(0, np.float32)),
                        const("nan_range_limit", "limit", np.array(np.nan, np.float32)),
                        const("nan_range_delta", "delta", np.array(1, np.float32)),
                        node("Range", ["start", "limit", "delta"], ["y"], "range_limit_nan")],
                       [], [vi("y", 1)]),
         ["node 'range_limit_nan'", "finite"])
    case("traps_tile_negative_repeats", "traps", "error",
         "Tile of x [2,3] with repeats [-1, 2]; refuse it naming the node.",
         lambda: model([const("const_negative_repeats", "repeats", i64(-1, 2)),
                        node("Tile", ["x", "repeats"], ["y"], "tile_negative")], [vi("x", (2, 3))], [vi("y", 2)]),
         ["node 'tile_negative'", "negative"])
    case("traps_constant_of_shape_negative", "traps", "error",
         "ConstantOfShape with shape [2, -3]; refuse it naming the node.",
         lambda: model([const("const_negative_shape", "shape", i64(2, -3)),
                        node("ConstantOfShape", ["shape"], ["y"], "constant_of_shape_negative")], [], [vi("y", 2)]),
         ["node 'constant_of_shape_negative'", "negative"])
    case("traps_expand_negative_dim", "traps", "error",
         "Expand of x [1,3] to shape [-2, 3]; refuse it naming the node.",
         lambda: model([const("const_expand_negative", "shape", i64(-2, 3)),
                        node("Expand", ["x", "shape"], ["y"], "expand_negative")], [vi("x", (1, 3))], [vi("y", 2)]),
         ["node 'expand_negative'", "negative"])
    case("traps_topk_k_too_large", "traps", "error",
         "TopK with k = 10 on an axis of 5 elements; refuse it naming the node.",
         lambda: model([const("const_topk_k", "k", i64(10)),
                        node("TopK", ["x", "k"], ["values", "indices"], "topk_k_too_large")],
                       [vi("x", (5,))], [vi("values", 1), vi("indices", 1, I64)]),
         ["node 'topk_k_too_large'", "k"])
    case("traps_topk_k_negative", "traps", "error",
         "TopK with k = -1; refuse it naming the node.",
         lambda: model([const("const_topk_negative_k", "k", i64(-1)),
                        node("TopK", ["x", "k"], ["values", "indices"], "topk_k_negative")],
                       [vi("x", (5,))], [vi("values", 1), vi("indices", 1, I64)]),
         ["node 'topk_k_negative'", "k"])
    case("traps_split_sizes_do_not_sum", "traps", "error",
         "Split of x [6] into sizes [2, 2] (sum 4, not 6); refuse it naming the node.",
         lambda: model([const("const_split_sizes", "split", i64(2, 2)),
                        node("Split", ["x", "split"], ["a", "b"], "split_bad_sizes")],
                       [vi("x", (6,))], [vi("a", 1), vi("b", 1)]),
         ["node 'split_bad_sizes'", "split"])
    case("traps_transpose_perm_repeated", "traps", "error",
         "Transpose of x [2,3] with perm [0, 0]; refuse it naming the node.",
         lambda: model([node("Transpose", ["x"], ["y"], "transpose_perm_repeated", perm=[0, 0])], [vi("x", (2, 3))],
                       [vi("y", 2)]),
         ["node 'transpose_perm_repeated'", "perm"])
    case("traps_transpose_perm_out_of_range", "traps", "error",
         "Transpose of x [2,3] with perm [0, 2]; refuse it naming the node.",
         lambda: model([node("Transpose", ["x"], ["y"], "transpose_perm_out_of_range", perm=[0, 2])],
                       [vi("x", (2, 3))], [vi("y", 2)]),
         ["node 'transpose_perm_out_of_range'", "perm"])
    case("traps_concat_axis_out_of_range", "traps", "error",
         "Concat of two [2,3] inputs on axis 2; refuse it naming the node.",
         lambda: model([node("Concat", ["x", "x"], ["y"], "concat_axis_out_of_range", axis=2)], [vi("x", (2, 3))],
                       [vi("y", 2)]),
         ["node 'concat_axis_out_of_range'", "axis"])
    case("traps_gather_axis_out_of_range", "traps", "error",
         "Gather on axis 3 of x [2,3]; refuse it naming the node.",
         lambda: model([const("const_gather_axis_index", "index", i64(0)),
                        node("Gather", ["x", "index"], ["y"], "gather_axis_out_of_range", axis=3)],
                       [vi("x", (2, 3))], [vi("y", 2)]),
         ["node 'gather_axis_out_of_range'", "axis"])
    case("traps_gather_index_out_of_range", "traps", "error",
         "Gather of x [4,3] with constant indices [1, 7] (7 is past the end); refuse it naming the node rather than "
         "read out of bounds.",
         lambda: model([const("const_far_index", "index", i64(1, 7)),
                        node("Gather", ["x", "index"], ["y"], "gather_index_out_of_range")],
                       [vi("x", (4, 3))], [vi("y", 2)]),
         ["node 'gather_index_out_of_range'", "7"])
    for label, depth in [("zero", 0), ("negative", -3)]:
        case(f"traps_onehot_depth_{label}", "traps", "error",
             f"OneHot with depth {depth}; refuse it naming the node.",
             lambda depth=depth, label=label: model(
                 [const(f"const_onehot_depth_{label}", "depth", i64(depth)),
                  const(f"const_onehot_values_{label}", "values", f32(0, 1)),
                  node("OneHot", ["indices", "depth", "values"], ["y"], f"onehot_depth_{label}")],
                 [vi("indices", (3,), I64)], [vi("y", 2)]),
             [f"node 'onehot_depth_{label}'", "depth"])
    case("traps_pad_negative_beyond_input", "traps", "error",
         "Pad of x [2,3] with pads [0, -5, 0, 0]: removing 5 columns of 3 leaves a negative size; refuse it naming "
         "the node.",
         lambda: model([const("const_negative_pads", "pads", i64(0, -5, 0, 0)),
                        node("Pad", ["x", "pads"], ["y"], "pad_negative")], [vi("x", (2, 3))], [vi("y", 2)]),
         ["node 'pad_negative'", "pad"])
    case("traps_div_int64_by_zero_folded", "traps", "error",
         "Div of int64 constants [6, 7] / [2, 0], folded: integer division by zero at compile time must be an "
         "error naming the node, not a trap.",
         lambda: binary_folded("Div", [6, 7], [2, 0], I64, "div_by_zero", (2,)),
         ["node 'div_by_zero'", "zero"])
    case("traps_div_int64_input_by_zero_constant", "traps", "error",
         "Div of an int64 graph input by a constant [0, 0]: the generated code would trap (SIGFPE) on every run, so "
         "the compiler must refuse it naming the node.",
         lambda: model([const("const_zero_divisor", "zero", i64(0, 0)),
                        node("Div", ["x", "zero"], ["y"], "div_input_by_zero")],
                       [vi("x", (2,), I64)], [vi("y", (2,), I64)]),
         ["node 'div_input_by_zero'", "zero"])
    case("traps_mod_int64_by_zero_folded", "traps", "error",
         "Mod (fmod=0) of int64 constants [5, -5] by [0, 3], folded: the remainder by zero must be an error naming "
         "the node, not a trap.",
         lambda: binary_folded("Mod", [5, -5], [0, 3], I64, "mod_by_zero", (2,), fmod=0),
         ["node 'mod_by_zero'", "zero"])
    case("traps_div_int64_min_by_minus_one_folded", "traps", "error",
         "Div of int64 constants INT64_MIN / -1, folded: the quotient overflows (x86 idiv traps); refuse it naming "
         "the node.",
         lambda: binary_folded("Div", [INT64_MIN], [-1], I64, "div_min_by_minus_one", (1,)),
         ["node 'div_min_by_minus_one'", "overflow"])
    case("traps_mod_int64_min_by_minus_one_folded", "traps", "compiles",
         "Mod (fmod=0) of int64 constants INT64_MIN by -1, folded: the remainder is well defined (0) although "
         "Swift's % and x86 idiv trap on it; the compiler must fold it to 0.",
         lambda: binary_folded("Mod", [INT64_MIN], [-1], I64, "mod_min_by_minus_one", (1,), fmod=0))
    case("traps_mul_int64_overflow_folded", "traps", "compiles",
         "Mul of int64 constants INT64_MAX * 2, folded: ONNX Runtime wraps to -2; the fold must wrap, not trap.",
         lambda: binary_folded("Mul", [INT64_MAX], [2], I64, "mul_overflow", (1,)))
    case("traps_add_int32_overflow_folded", "traps", "compiles",
         "Add of int32 constants INT32_MAX + 1, folded: wraps to INT32_MIN as ONNX Runtime does; must not trap.",
         lambda: binary_folded("Add", [2**31 - 1], [1], I32, "add_int32_overflow", (1,)))
    case("traps_neg_int64_min_folded", "traps", "compiles",
         "Neg of the int64 constant INT64_MIN, folded: wraps to INT64_MIN as ONNX Runtime does; Swift's unary minus "
         "would trap.",
         lambda: unary_folded("Neg", [INT64_MIN, 5], I64, "neg_int64_min"))
    case("traps_abs_int64_min_folded", "traps", "compiles",
         "Abs of the int64 constant INT64_MIN, folded: wraps to INT64_MIN as ONNX Runtime does; Swift's abs() "
         "would trap.",
         lambda: unary_folded("Abs", [INT64_MIN, -5], I64, "abs_int64_min"))
    case("traps_eyelike_k_int64_min", "traps", "compiles",
         "EyeLike of x [3,3] with k = INT64_MIN is valid (all zeros); offset arithmetic on k must not overflow.",
         lambda: model([node("EyeLike", ["x"], ["y"], "eyelike_k_min", k=INT64_MIN)], [vi("x", (3, 3))],
                       [vi("y", (3, 3))]))
    case("traps_trilu_k_int64_min", "traps", "compiles",
         "Trilu (opset 14, upper) of x [3,3] with k = INT64_MIN keeps everything; offset arithmetic on k must not "
         "overflow.",
         lambda: model([const("const_trilu_k", "k", np.array(INT64_MIN, np.int64)),
                        node("Trilu", ["x", "k"], ["y"], "trilu_k_min")], [vi("x", (3, 3))], [vi("y", (3, 3))],
                       opset=14))
    case("traps_constant_of_shape_huge_product", "traps", "error",
         "ConstantOfShape of Shape(x) * [2^40, 2^40] ([2^41, 2^41]): shape arithmetic whose element count overflows "
         "int64; refuse it naming the ConstantOfShape.",
         lambda: model([node("Shape", ["x"], ["shape"], "shape_of_x"),
                        const("const_huge_factor", "factor", i64(1 << 40, 1 << 40)),
                        node("Mul", ["shape", "factor"], ["huge_shape"], "mul_shape_huge"),
                        node("ConstantOfShape", ["huge_shape"], ["y"], "constant_of_shape_huge")],
                       [vi("x", (2, 2))], [vi("y", 2)]),
         ["node 'constant_of_shape_huge'", "large"])
    case("traps_constant_of_shape_count_wraps_to_zero", "traps", "error",
         "ConstantOfShape [2^32, 2^32]: the element count 2^64 wraps to 0 in 64-bit arithmetic; refuse it naming "
         "the node instead of treating it as empty.",
         lambda: model([const("const_wrapping_shape", "shape", i64(1 << 32, 1 << 32)),
                        node("ConstantOfShape", ["shape"], ["y"], "constant_of_shape_wraps")], [], [vi("y", 2)]),
         ["node 'constant_of_shape_wraps'", "large"])
    case("traps_argmax_empty_axis", "traps", "error",
         "ArgMax over axis 0 of x [0,3] has no element to pick; refuse it naming the node.",
         lambda: model([node("ArgMax", ["x"], ["y"], "argmax_empty", axis=0)], [vi("x", (0, 3))],
                       [vi("y", 2, I64)]),
         ["node 'argmax_empty'", "empty"])
    for label, scales, word in [("nan", (1, 1, np.nan, np.nan), "NaN"), ("huge", (1, 1, 1e30, 1e30), "large")]:
        case(f"traps_resize_scale_{label}", "traps", "error",
             f"Resize of x [1,1,4,4] with constant scales {list(scales)}: the output size is not a valid integer; "
             "refuse it naming the node.",
             lambda scales=scales, label=label: model(
                 [const(f"const_resize_scales_{label}", "scales", f32(*scales)),
                  node("Resize", ["x", "", "scales"], ["y"], f"resize_scale_{label}")],
                 [vi("x", (1, 1, 4, 4))], [vi("y", 4)]),
             [f"node 'resize_scale_{label}'", word])
    case("traps_depth_to_space_blocksize_zero", "traps", "error",
         "DepthToSpace with blocksize 0 divides the channels by zero; refuse it naming the node.",
         lambda: pool_model("DepthToSpace", "depth_to_space_zero", blocksize=0),
         ["node 'depth_to_space_zero'", "blocksize"])
    case("traps_space_to_depth_blocksize_zero", "traps", "error",
         "SpaceToDepth with blocksize 0 divides the spatial size by zero; refuse it naming the node.",
         lambda: pool_model("SpaceToDepth", "space_to_depth_zero", blocksize=0),
         ["node 'space_to_depth_zero'", "blocksize"])
    case("traps_conv_stride_zero", "traps", "error",
         "Conv with strides [0, 0] divides the output size by zero; refuse it naming the node.",
         lambda: conv_model("conv_stride_zero", strides=[0, 0]), ["node 'conv_stride_zero'", "stride"])
    case("traps_conv_dilation_zero", "traps", "error",
         "Conv with dilations [0, 0]; refuse it naming the node.",
         lambda: conv_model("conv_dilation_zero", dilations=[0, 0]), ["node 'conv_dilation_zero'", "dilation"])
    case("traps_conv_group_zero", "traps", "error",
         "Conv with group 0 divides the channels by zero; refuse it naming the node.",
         lambda: conv_model("conv_group_zero", group=0), ["node 'conv_group_zero'", "group"])
    case("traps_maxpool_stride_zero", "traps", "error",
         "MaxPool 2x2 with strides [0, 0] divides the output size by zero; refuse it naming the node.",
         lambda: pool_model("MaxPool", "maxpool_stride_zero", kernel_shape=[2, 2], strides=[0, 0]),
         ["node 'maxpool_stride_zero'", "stride"])
    case("traps_averagepool_kernel_zero", "traps", "error",
         "AveragePool with kernel_shape [0, 0] averages over no element (divides by zero); refuse it naming the "
         "node.",
         lambda: pool_model("AveragePool", "averagepool_kernel_zero", kernel_shape=[0, 0]),
         ["node 'averagepool_kernel_zero'", "kernel"])
    case("traps_lrn_size_zero", "traps", "error",
         "LRN with size 0 divides alpha by zero; refuse it naming the node.",
         lambda: pool_model("LRN", "lrn_size_zero", size=0), ["node 'lrn_size_zero'", "size"])
    case("traps_flatten_axis_out_of_range", "traps", "error",
         "Flatten of a rank-4 input at axis 7; refuse it naming the node.",
         lambda: pool_model("Flatten", "flatten_axis_out_of_range", out_rank=2, axis=7),
         ["node 'flatten_axis_out_of_range'", "axis"])
    case("traps_unsqueeze_duplicate_axes", "traps", "error",
         "Unsqueeze of x [2,3] with axes [0, 0]; refuse it naming the node.",
         lambda: model([const("const_duplicate_axes", "axes", i64(0, 0)),
                        node("Unsqueeze", ["x", "axes"], ["y"], "unsqueeze_duplicate_axes")],
                       [vi("x", (2, 3))], [vi("y", 4)]),
         ["node 'unsqueeze_duplicate_axes'", "axes"])
    case("traps_config_shape_constant_negative", "traps", "error",
         "Reshape's target shape is a graph input that the config fixes to [-1, -1]; the folded value is as hostile "
         "as a constant and must be refused naming the node.",
         lambda: model([node("Reshape", ["x", "target_shape"], ["y"], "reshape_config_shape")],
                       [vi("x", (2, 3)), vi("target_shape", (2,), I64)], [vi("y", 2)]),
         ["node 'reshape_config_shape'", "-1"], config={"constants": {"target_shape": [-1, -1]}})


# ---------------------------------------------------------------------------
# 3. budget: a few bytes that ask for gigabytes, or for a very long compile
# ---------------------------------------------------------------------------

def chain_value_names(count):
    """Short distinct value names: 0-9a-zA-Z, then two characters (62 + 3844)."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = list(alphabet) + [a + b for a in alphabet for b in alphabet]
    assert count <= len(names)
    return names[:count]


# 10,000 nodes would need ~170 KB; this is the longest chain that stays under 64 KB.
CHAIN_NODES = 3800


def relu_neg_chain():
    names = chain_value_names(CHAIN_NODES + 1)
    # Unnamed nodes: a name per node would not fit the 64 KB limit.
    nodes = [node("Relu" if i % 2 == 0 else "Neg", [names[i]], [names[i + 1]], "") for i in range(CHAIN_NODES)]
    return model(nodes, [vi(names[0])], [vi(names[-1])])


def doubling_concats(steps):
    nodes = [const("const_one_1m", "one", f32(1)), const("const_shape_1m", "shape_1m", i64(1 << 20)),
             node("Expand", ["one", "shape_1m"], ["c0"], "expand_1m")]
    for i in range(1, steps + 1):
        nodes.append(node("Concat", [f"c{i - 1}", f"c{i - 1}"], [f"c{i}"], f"concat_double_{i}", axis=0))
    nodes.append(node("Add", [f"c{steps}", "x"], ["y"], "add_input"))
    return model(nodes, [vi("x", (1,))], [vi("y", 1)])


def broadcast_doubling_adds(steps):
    nodes = [const("const_one_bcast", "one", f32(1)), const("const_shape_bcast", "shape_1m", i64(1 << 20)),
             node("Expand", ["one", "shape_1m"], ["c0"], "expand_bcast_1m")]
    for i in range(1, steps + 1):
        # [2, 1, ..., 1] with rank i: adding it prepends a 2 to the shape, doubling the elements.
        nodes.append(const(f"const_pair_{i}", f"pair{i}", np.zeros([2] + [1] * i, np.float32)))
        nodes.append(node("Add", [f"c{i - 1}", f"pair{i}"], [f"c{i}"], f"add_double_{i}"))
    nodes.append(node("Add", [f"c{steps}", "x"], ["y"], "add_input"))
    return model(nodes, [vi("x", (1,))], [vi("y", steps + 1)])


def budget_cases():
    case("budget_expand_bomb", "budget", "error",
         "Expand of a 1-element constant to [4096, 4096, 64] (4 GiB of float32) added to an input: folding it would "
         "allocate gigabytes; refuse it naming the Expand before allocating.",
         lambda: model([const("const_bomb_value", "one", f32(1)),
                        const("const_bomb_shape", "shape", i64(4096, 4096, 64)),
                        node("Expand", ["one", "shape"], ["big"], "expand_bomb"),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 3)]),
         ["node 'expand_bomb'", "bytes"])
    case("budget_concat_64_expands", "budget", "error",
         "Concat of 64 copies of a constant that is itself an Expand to [1<<24] (64 MiB each, 4 GiB in all; [1<<20] "
         "would fit the 1 GiB budget); refuse it naming the Concat.",
         lambda: model([const("const_copy_value", "one", f32(1)), const("const_copy_shape", "shape", i64(1 << 24)),
                        node("Expand", ["one", "shape"], ["block"], "expand_16m"),
                        node("Concat", ["block"] * 64, ["big"], "concat_64_copies", axis=0),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 1)]),
         ["node 'concat_64_copies'", "bytes"])
    case("budget_tile_bomb", "budget", "error",
         "Tile of a [2,2] constant by [1<<16, 1<<16] (2^34 elements, 64 GiB); refuse it naming the Tile before "
         "allocating.",
         lambda: model([const("const_tile_value", "small", np.ones((2, 2), np.float32)),
                        const("const_tile_repeats", "repeats", i64(1 << 16, 1 << 16)),
                        node("Tile", ["small", "repeats"], ["big"], "tile_bomb"),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 2)]),
         ["node 'tile_bomb'", "large"])
    case("budget_gather_bomb", "budget", "error",
         "Gather of a [4,1024] constant table with constant zero indices [4096,4096] (128 MiB, within budget) "
         "gives [4096,4096,1024] (64 GiB); refuse it naming the Gather.",
         lambda: model([const("const_table_shape", "table_shape", i64(4, 1024)),
                        node("ConstantOfShape", ["table_shape"], ["table"], "table_ones",
                             value=helper.make_tensor("one", F32, [1], [1.0])),
                        const("const_indices_shape", "indices_shape", i64(4096, 4096)),
                        node("ConstantOfShape", ["indices_shape"], ["indices"], "indices_zeros",
                             value=helper.make_tensor("zero", I64, [1], [0])),
                        node("Gather", ["table", "indices"], ["big"], "gather_bomb"),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 3)]),
         ["node 'gather_bomb'", "bytes"])
    case("budget_gather_20m_indices", "budget", "compiles",
         "ConstantOfShape makes 20 M zero int64 indices (160 MB, within the fold budget) that pick from a [4] "
         "float table; folding the Gather (80 MB more) must take seconds, not the half minute a fuzzer allows "
         "(libFuzzer found a 30 M-index Gather that took 41 s under ASan).",
         lambda: model([const("const_20m_shape", "indices_shape", i64(20_000_000)),
                        node("ConstantOfShape", ["indices_shape"], ["indices"], "indices_zeros_20m",
                             value=helper.make_tensor("zero", I64, [1], [0])),
                        const("const_small_table", "table", np.array([1, 2, 3, 4], np.float32)),
                        node("Gather", ["table", "indices"], ["picked"], "gather_20m"),
                        node("Add", ["picked", "x"], ["y"], "add_input")],
                       [vi("x", (1,))], [vi("y", (20_000_000,))]))
    case("budget_constant_of_shape_2g", "budget", "error",
         "ConstantOfShape [1<<31] of float32 (8 GiB); refuse it naming the node before allocating.",
         lambda: model([const("const_2g_shape", "shape", i64(1 << 31)),
                        node("ConstantOfShape", ["shape"], ["big"], "constant_of_shape_2g"),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 1)]),
         ["node 'constant_of_shape_2g'", "bytes"])
    case("budget_range_bomb", "budget", "error",
         "Range(0, 1e10, 1) in float32 (40 GB); refuse it naming the node before allocating.",
         lambda: model([const("bomb_range_start", "start", np.array(0, np.float32)),
                        const("bomb_range_limit", "limit", np.array(1e10, np.float32)),
                        const("bomb_range_delta", "delta", np.array(1, np.float32)),
                        node("Range", ["start", "limit", "delta"], ["big"], "range_bomb"),
                        node("Add", ["big", "x"], ["y"], "add_input")], [vi("x", (1,))], [vi("y", 1)]),
         ["node 'range_bomb'", "large"])
    case("budget_concat_doubling", "budget", "error",
         "Ten Concat(c, c) steps double an Expand to [1<<20] up to 2^30 float32 elements (4 GiB); the total folded "
         "budget must stop it at one of the Concats.",
         lambda: doubling_concats(10), ["node 'concat_double_", "bytes"])
    case("budget_add_broadcast_doubling", "budget", "error",
         "Ten Adds each broadcast a constant against a [2,1,...,1] zero constant, doubling an Expand to [1<<20] "
         "up to 2^30 elements (4 GiB); the folding budget must stop it at one of the Adds.",
         lambda: broadcast_doubling_adds(10), ["node 'add_double_", "bytes"])
    case("budget_relu_neg_chain", "budget", "compiles",
         f"A chain of {CHAIN_NODES} alternating unnamed Relu/Neg nodes on a [4] input (the longest that fits in "
         "64 KB); must compile in seconds with no recursion proportional to depth blowing the stack.",
         relu_neg_chain)
    case("budget_concat_5000_inputs", "budget", "compiles",
         "One Concat of 5,000 inputs (the same [1] graph input listed 5,000 times) into [5000]; must compile in "
         "seconds.",
         lambda: model([node("Concat", ["x"] * 5000, ["y"], "concat_5000", axis=0)], [vi("x", (1,))],
                       [vi("y", (5000,))]))
    case("budget_symbolic_dim_huge", "budget", "error",
         "Input 'x' [batch, 4] with batch = 2^40 from the config (16 TiB); refuse it naming the input.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_huge_batch")], [vi("x", ("batch", 4))],
                       [vi("y", ("batch", 4))]),
         ["input 'x'", "shape"], config={"dims": {"batch": 1 << 40}})
    case("budget_static_input_huge", "budget", "error",
         "Input 'x_huge' of static shape [1<<24, 1<<24] (2^48 floats, 1 PiB): no machine can hold its arena; "
         "refuse it naming the input.",
         lambda: unary("Relu", "x_huge", "y", "relu_huge_input", dims=(1 << 24, 1 << 24)),
         ["input 'x_huge'", "shape"])


# ---------------------------------------------------------------------------
# 4. meaning: models whose meaning is undefined or would silently change
# ---------------------------------------------------------------------------

def with_attribute(op, inputs, attr_name, value, x_dims, inits=(), node_name="n", out_rank=2):
    """One node whose attribute `attr_name` is built by make_attribute(value) (any type)."""
    n = node(op, inputs, ["y"], node_name)
    n.attribute.append(helper.make_attribute(attr_name, value))
    return model([n], [vi("x", x_dims)], [vi("y", out_rank)], inits)


def raw_tensor(name, data_type, dims, raw):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def add_initializer(init, node_name, x_dims=(4,)):
    """x + initializer, the initializer being the hostile part."""
    return model([node("Add", ["x", init.name], ["y"], node_name)], [vi("x", x_dims)], [vi("y", len(x_dims))], [init])


def sparse_initializer():
    values = tensor("w_sparse", f32(5.0))
    indices = tensor("w_sparse_indices", i64(2))
    sparse = helper.make_sparse_tensor(values, indices, [4])
    m = model([node("Add", ["x", "w_sparse"], ["y"], "add_sparse")], [vi("x")], [vi("y")])
    m.graph.sparse_initializer.append(sparse)
    return m


def local_function():
    body = [node("Relu", ["fx"], ["fh"], "function_relu"), node("Neg", ["fh"], ["fy"], "function_neg")]
    function = helper.make_function("custom.local", "relu_neg", ["fx"], ["fy"], body,
                                    [helper.make_opsetid("", OPSET)])
    return model([node("relu_neg", ["x"], ["y"], "call_relu_neg", domain="custom.local")], [vi("x")], [vi("y")],
                 opsets=[("", OPSET), ("custom.local", 1)], functions=[function])


def graph_attribute():
    body = helper.make_graph([node("Neg", ["bx"], ["by"], "body_neg")], "body", [vi("bx")], [vi("by")])
    n = node("Relu", ["x"], ["y"], "relu_graph_attr")
    n.attribute.append(helper.make_attribute("body", body))
    return model([n], [vi("x")], [vi("y")])


def sequence_input():
    seq = helper.make_tensor_sequence_value_info("s_seq", F32, [4])
    return model([node("SequenceAt", ["s_seq", "position"], ["y"], "sequence_at"),
                  ], [seq], [vi("y", 1)], [tensor("position", np.array(0, np.int64))], opset=OPSET)


def meaning_cases():
    case("meaning_two_writers", "meaning", "error",
         "Two nodes ('relu_writer' and 'neg_writer') both write the value 'y'; refuse it naming both.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_writer"), node("Neg", ["x"], ["y"], "neg_writer")],
                       [vi("x")], [vi("y")]),
         ["node 'neg_writer'", "twice"])
    case("meaning_output_shadows_input", "meaning", "error",
         "A node writes 'x', which is already the graph input 'x'; refuse it naming the node.",
         lambda: model([node("Relu", ["x"], ["x"], "relu_shadow_input"), node("Neg", ["x"], ["y"], "neg_after")],
                       [vi("x")], [vi("y")]),
         ["node 'relu_shadow_input'", "twice"])
    case("meaning_output_shadows_initializer", "meaning", "error",
         "A node writes 'w', which is already an initializer; refuse it naming the node.",
         lambda: model([node("Relu", ["x"], ["w"], "relu_shadow_init"), node("Add", ["x", "w"], ["y"], "add_w")],
                       [vi("x")], [vi("y")], [tensor("w", f32(1, 2, 3, 4))]),
         ["node 'relu_shadow_init'", "twice"])
    case("meaning_input_listed_twice", "meaning", "error",
         "The graph input 'x_twice' is listed twice; refuse it naming the input.",
         lambda: model([node("Relu", ["x_twice"], ["y"], "relu_once")], [vi("x_twice"), vi("x_twice")], [vi("y")]),
         ["graph input 'x_twice'", "twice"])
    case("meaning_initializer_twice", "meaning", "error",
         "Two initializers named 'w_dup' with different values; refuse it naming the initializer.",
         lambda: model([node("Add", ["x", "w_dup"], ["y"], "add_dup")], [vi("x")], [vi("y")],
                       [tensor("w_dup", f32(1, 1, 1, 1)), tensor("w_dup", f32(2, 2, 2, 2))]),
         ["initializer 'w_dup'", "twice"])
    case("meaning_relu_two_inputs", "meaning", "error",
         "Relu with two inputs; refuse it naming the node.",
         lambda: model([node("Relu", ["x", "x2"], ["y"], "relu_two_inputs")], [vi("x"), vi("x2")], [vi("y")]),
         ["node 'relu_two_inputs'", "input"])
    case("meaning_add_three_inputs", "meaning", "error",
         "Add with three inputs; refuse it naming the node.",
         lambda: model([node("Add", ["x", "x", "x"], ["y"], "add_three_inputs")], [vi("x")], [vi("y")]),
         ["node 'add_three_inputs'", "input"])
    case("meaning_relu_two_outputs", "meaning", "error",
         "Relu with two outputs; refuse it naming the node.",
         lambda: model([node("Relu", ["x"], ["y", "z"], "relu_two_outputs")], [vi("x")], [vi("y"), vi("z")]),
         ["node 'relu_two_outputs'", "output"])
    case("meaning_required_input_empty", "meaning", "error",
         "Add whose second input is the empty name '' (omitted), though it is required; refuse it naming the node.",
         lambda: model([node("Add", ["x", ""], ["y"], "add_missing_input")], [vi("x")], [vi("y")]),
         ["node 'add_missing_input'", "input"])
    case("meaning_input_undefined", "meaning", "error",
         "A Relu reads 'nowhere', which nothing defines; refuse it naming the node and the value.",
         lambda: model([node("Relu", ["nowhere"], ["y"], "relu_reads_nowhere")], [vi("x")], [vi("y")]),
         ["node 'relu_reads_nowhere'", "'nowhere'"])
    case("meaning_opset_99", "meaning", "error",
         "The model imports opset 99 of the default domain, which does not exist; refuse it.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_opset99")], [vi("x")], [vi("y")], opset=99),
         ["opset 99"])
    case("meaning_opset_0", "meaning", "error",
         "The model imports opset 0 of the default domain and uses Relu; refuse it.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_opset0")], [vi("x")], [vi("y")], opset=0),
         ["opset 0"])
    case("meaning_opset_imported_twice", "meaning", "error",
         "The default domain is imported twice, at opsets 13 and 17; which one applies is undefined, refuse it.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_two_opsets")], [vi("x")], [vi("y")],
                       opsets=[("", 13), ("", 17)]),
         ["13", "17"])
    case("meaning_unknown_attribute", "meaning", "error",
         "Relu with an attribute 'alpha' that Relu does not have; refuse it naming the node and the attribute.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_alpha", alpha=0.1)], [vi("x")], [vi("y")]),
         ["node 'relu_alpha'", "alpha"])
    case("meaning_attribute_twice", "meaning", "error",
         "Transpose with the attribute 'perm' given twice, with different values; refuse it naming the node.",
         lambda: (lambda m: (m.graph.node[0].attribute.append(helper.make_attribute("perm", [0, 1])), m)[1])(
             model([node("Transpose", ["x"], ["y"], "transpose_perm_twice", perm=[1, 0])], [vi("x", (2, 3))],
                   [vi("y", 2)])),
         ["node 'transpose_perm_twice'", "perm"])
    conv_w = [tensor("w", np.ones((1, 1, 3, 3), np.float32))]
    for name, op, inputs, attr, value, x_dims, inits in [
        ("conv_strides_floats", "Conv", ["x", "w"], "strides", [1.0, 1.0], (1, 1, 5, 5), conv_w),
        ("conv_pads_int", "Conv", ["x", "w"], "pads", 1, (1, 1, 5, 5), conv_w),
        ("transpose_perm_floats", "Transpose", ["x"], "perm", [1.0, 0.0], (2, 3), []),
        ("gemm_transb_float", "Gemm", ["x", "w"], "transB", 1.0, (2, 3), [tensor("w", np.ones((4, 3), np.float32))]),
        ("softmax_axis_string", "Softmax", ["x"], "axis", "1", (2, 3), []),
        ("cast_to_string", "Cast", ["x"], "to", "FLOAT16", (2, 3), []),
    ]:
        kind = helper.make_attribute(attr, value).type
        case(f"meaning_{name}", "meaning", "error",
             f"{op} with '{attr}' of type {onnx.AttributeProto.AttributeType.Name(kind)}, which the schema does not "
             f"allow; refuse it naming the node and the attribute.",
             lambda op=op, inputs=inputs, attr=attr, value=value, x_dims=x_dims, inits=inits, name=name:
             with_attribute(op, inputs, attr, value, x_dims, inits, node_name=name, out_rank=len(x_dims)),
             [f"node '{name}'", attr])
    case("meaning_squeeze_size_not_one", "meaning", "error",
         "Squeeze of axis 1 of x [2,3], whose size is 3, not 1; refuse it naming the node.",
         lambda: model([const("const_squeeze_axes", "axes", i64(1)),
                        node("Squeeze", ["x", "axes"], ["y"], "squeeze_size_three")], [vi("x", (2, 3))],
                       [vi("y", 1)]),
         ["node 'squeeze_size_three'", "size"])
    case("meaning_maxpool_pads_ge_kernel", "meaning", "error",
         "MaxPool with kernel 2x2 and pads 2 on every side: some windows see only padding; refuse it naming the "
         "node.",
         lambda: pool_model("MaxPool", "maxpool_big_pads", kernel_shape=[2, 2], pads=[2, 2, 2, 2]),
         ["node 'maxpool_big_pads'", "pad"])
    case("meaning_conv_valid_kernel_too_big", "meaning", "error",
         "Conv with auto_pad VALID and a 5x5 kernel over a 3x3 input (negative output size); refuse it naming the "
         "node.",
         lambda: conv_model("conv_valid_5x5", x_dims=(1, 1, 3, 3), w_dims=(1, 1, 5, 5), auto_pad="VALID"),
         ["node 'conv_valid_5x5'", "kernel"])
    case("meaning_conv_kernel_exceeds_padded_input", "meaning", "error",
         "Conv with a 7x7 kernel over a 3x3 input padded by 1 (5x5); refuse it naming the node.",
         lambda: conv_model("conv_kernel_7x7", x_dims=(1, 1, 3, 3), w_dims=(1, 1, 7, 7), pads=[1, 1, 1, 1]),
         ["node 'conv_kernel_7x7'", "kernel"])
    case("meaning_add_mixed_types", "meaning", "error",
         "Add of a float input and an int64 input (ONNX does not promote); refuse it naming the node.",
         lambda: model([node("Add", ["x", "n"], ["y"], "add_mixed_types")], [vi("x"), vi("n", (4,), I64)],
                       [vi("y", 1)]),
         ["node 'add_mixed_types'", "type"])
    case("meaning_add_broadcast_mismatch", "meaning", "error",
         "Add of [2,3] and [4], which do not broadcast; refuse it naming the node.",
         lambda: model([node("Add", ["x", "z"], ["y"], "add_bad_broadcast")], [vi("x", (2, 3)), vi("z", (4,))],
                       [vi("y", 2)]),
         ["node 'add_bad_broadcast'", "broadcast"])
    case("meaning_matmul_inner_mismatch", "meaning", "error",
         "MatMul of [2,3] and [4,5] (inner dimensions 3 and 4); refuse it naming the node.",
         lambda: model([node("MatMul", ["x", "w"], ["y"], "matmul_mismatch")], [vi("x", (2, 3))], [vi("y", 2)],
                       [tensor("w", np.ones((4, 5), np.float32))]),
         ["node 'matmul_mismatch'", "3"])
    case("meaning_output_not_produced", "meaning", "error",
         "The graph output 'ghost' is produced by no node and is no input or initializer; refuse it naming it.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_real")], [vi("x")], [vi("y"), vi("ghost")]),
         ["'ghost'", "produced"])
    case("meaning_no_outputs", "meaning", "error",
         "A graph with a node but no graph outputs at all; refuse it (there is nothing to compute).",
         lambda: model([node("Relu", ["x"], ["y"], "relu_unused")], [vi("x")], []),
         ["output"])
    case("meaning_not_topologically_sorted", "meaning", "error",
         "A node reads 'h' before the node that defines it (ONNX requires topological order); refuse it naming the "
         "node.",
         lambda: model([node("Neg", ["h"], ["y"], "neg_reads_later"), node("Relu", ["x"], ["h"], "relu_defines_h")],
                       [vi("x")], [vi("y")]),
         ["node 'neg_reads_later'", "'h'"])
    case("meaning_cycle", "meaning", "error",
         "Two nodes read each other's outputs (a cycle); refuse it naming a node of the cycle.",
         lambda: model([node("Add", ["x", "b"], ["a"], "add_cycle_a"), node("Relu", ["a"], ["b"], "relu_cycle_b")],
                       [vi("x")], [vi("b")]),
         ["node 'add_cycle_a'", "'b'"])
    case("meaning_initializer_as_output_only", "meaning", "compiles",
         "The initializer 'w_out' is also a graph output, next to a computed one; valid: the output is the constant.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_beside_const")], [vi("x")], [vi("y"), vi("w_out")],
                       [tensor("w_out", f32(1, 2, 3, 4))]))
    case("meaning_initializer_listed_as_input", "meaning", "compiles",
         "The initializer 'w_default' is also listed as a graph input (older exporters' defaults); valid, the "
         "compiler may treat it as a constant.",
         lambda: model([node("Add", ["x", "w_default"], ["y"], "add_default")], [vi("x"), vi("w_default")],
                       [vi("y")], [tensor("w_default", f32(1, 2, 3, 4))]))
    case("meaning_initializer_raw_data_short", "meaning", "error",
         "Initializer 'w_short' has dims [2,3] (24 bytes of float32) but 12 bytes of raw_data; refuse it naming the "
         "initializer.",
         lambda: add_initializer(raw_tensor("w_short", F32, [2, 3], f32(1, 2, 3).tobytes()), "add_short", (2, 3)),
         ["initializer 'w_short'", "bytes"])
    case("meaning_initializer_negative_dim", "meaning", "error",
         "Initializer 'w_negative' has dims [-2, 3]; refuse it naming the initializer.",
         lambda: add_initializer(raw_tensor("w_negative", F32, [-2, 3], b""), "add_negative", (2, 3)),
         ["initializer 'w_negative'", "negative"])
    case("meaning_initializer_dtype_undefined", "meaning", "error",
         "Initializer 'w_undefined' has data_type 0 (UNDEFINED); refuse it naming the initializer.",
         lambda: add_initializer(raw_tensor("w_undefined", 0, [4], bytes(16)), "add_undefined"),
         ["initializer 'w_undefined'", "type"])
    case("meaning_initializer_dtype_99", "meaning", "error",
         "Initializer 'w_type99' has data_type 99, which ONNX does not define; refuse it naming the initializer.",
         lambda: add_initializer(raw_tensor("w_type99", 99, [4], bytes(16)), "add_type99"),
         ["initializer 'w_type99'", "type"])
    case("meaning_input_dim_negative", "meaning", "error",
         "Graph input 'x_negative_dim' has dim_value -3; refuse it naming the input.",
         lambda: unary("Relu", "x_negative_dim", "y", "relu_negative_dim", dims=(2, -3)),
         ["input 'x_negative_dim'", "dimension"])
    case("meaning_input_dim_zero", "meaning", "compiles",
         "Graph input 'x_empty' has shape [0, 4]: valid, with zero elements; Relu of it is an empty output.",
         lambda: unary("Relu", "x_empty", "y", "relu_empty_input", dims=(0, 4)))
    case("meaning_input_no_shape", "meaning", "error",
         "Graph input 'x_no_shape' has no shape at all (not even a rank); refuse it naming the input.",
         lambda: model([node("Relu", ["x_no_shape"], ["y"], "relu_no_shape")], [vi("x_no_shape", None)],
                       [vi("y", None)]),
         ["input 'x_no_shape'", "shape"])
    case("meaning_input_elem_type_undefined", "meaning", "error",
         "Graph input 'x_untyped' has elem_type 0 (UNDEFINED); refuse it naming the input.",
         lambda: model([node("Relu", ["x_untyped"], ["y"], "relu_untyped")], [vi("x_untyped", (4,), 0)],
                       [vi("y", 1)]),
         ["input 'x_untyped'", "type"])
    case("meaning_input_not_a_tensor", "meaning", "error",
         "Graph input 's_seq' is a sequence, not a tensor; refuse it naming the input.",
         sequence_input, ["input 's_seq'", "tensor"])
    case("meaning_output_type_disagrees", "meaning", "error",
         "The graph output 'y' is declared int64 but Relu of a float input produces float; refuse it naming 'y'.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_float")], [vi("x")], [vi("y", (4,), I64)]),
         ["'y'", "int64"])
    case("meaning_output_shape_disagrees", "meaning", "error",
         "The graph output 'y' is declared [5,5] but Relu of x [2,3] produces [2,3]; refuse it naming 'y'.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_shape")], [vi("x", (2, 3))], [vi("y", (5, 5))]),
         ["'y'", "shape"])
    case("meaning_sparse_initializer", "meaning", "error",
         "The Add reads 'w_sparse', a sparse_initializer; unless supported, refuse it naming the initializer.",
         sparse_initializer, ["'w_sparse'", "sparse"])
    case("meaning_local_function", "meaning", "error",
         "A node calls 'relu_neg', a model-local function in domain 'custom.local'; unless functions are inlined, "
         "refuse it naming the node.",
         local_function, ["node 'call_relu_neg'", "custom.local"])
    case("meaning_com_microsoft_op", "meaning", "error",
         "A Gelu node in the 'com.microsoft' domain (an ONNX Runtime contrib op); refuse it naming the node and "
         "domain.",
         lambda: model([node("Gelu", ["x"], ["y"], "ms_gelu", domain="com.microsoft")], [vi("x")], [vi("y")],
                       opsets=[("", OPSET), ("com.microsoft", 1)]),
         ["node 'ms_gelu'", "com.microsoft"])
    case("meaning_unknown_op", "meaning", "error",
         "A node of op 'NotAnOp' in the default domain; refuse it naming the node and the op.",
         lambda: model([node("NotAnOp", ["x"], ["y"], "not_an_op")], [vi("x")], [vi("y")]),
         ["node 'not_an_op'", "NotAnOp"])
    case("meaning_op_newer_than_opset", "meaning", "error",
         "Gelu (added in opset 20) in an opset 13 model; refuse it naming the node.",
         lambda: model([node("Gelu", ["x"], ["y"], "gelu_too_new")], [vi("x")], [vi("y")]),
         ["node 'gelu_too_new'", "opset"])
    case("meaning_op_removed_in_opset", "meaning", "error",
         "Scatter (removed in opset 11, replaced by ScatterElements) in an opset 13 model; refuse it naming the node.",
         lambda: model([const("const_scatter_indices", "indices", np.zeros((1, 3), np.int64)),
                        const("const_scatter_updates", "updates", np.ones((1, 3), np.float32)),
                        node("Scatter", ["x", "indices", "updates"], ["y"], "scatter_removed")],
                       [vi("x", (2, 3))], [vi("y", 2)]),
         ["node 'scatter_removed'", "opset"])
    case("meaning_graph_attribute_on_relu", "meaning", "error",
         "Relu carrying an attribute 'body' of type GRAPH (Relu has no attributes); refuse it naming the node.",
         graph_attribute, ["node 'relu_graph_attr'", "body"])
    case("meaning_config_unknown_constant", "meaning", "error",
         "The config fixes 'nope', which is not a graph input; a silently ignored typo must be an error naming it.",
         lambda: unary("Relu", "x", "y", "relu_config"), ["'nope'"], config={"constants": {"nope": [1]}})
    case("meaning_config_dim_zero", "meaning", "error",
         "The config sizes the symbolic dim 'batch' as 0; refuse it naming the dim.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_config_batch")], [vi("x", ("batch", 4))],
                       [vi("y", ("batch", 4))]),
         ["batch"], config={"dims": {"batch": 0}})
    case("meaning_config_unknown_key", "meaning", "error",
         "The config has a misspelt key 'dimz'; refuse it naming the key.",
         lambda: model([node("Relu", ["x"], ["y"], "relu_config_key")], [vi("x", ("batch", 4))],
                       [vi("y", ("batch", 4))]),
         ["'dimz'"], config={"dimz": {"batch": 1}})


# ---------------------------------------------------------------------------
# 5. external: external data that reads outside the folder or past the file
# ---------------------------------------------------------------------------

def external_tensor(name, entries, raw=None):
    t = TensorProto()
    t.name = name
    t.data_type = F32
    t.dims.extend([4])
    t.data_location = TensorProto.EXTERNAL
    for k, v in entries:
        t.external_data.add(key=k, value=v)
    if raw is not None:
        t.raw_data = raw
    return t


def external_model(init_name, entries, raw=None):
    init = external_tensor(init_name, entries, raw)
    return model([node("Add", ["x", init_name], ["y"], f"add_{init_name}")], [vi("x")], [vi("y")], [init])


def external_cases():
    def ext(name, init_name, entries, description, word, side=None, raw=None, expect="error"):
        def build():
            m = external_model(init_name, entries, raw)
            return (m, side) if side else m
        case(name, "external", expect, description, build,
             [f"initializer '{init_name}'", word] if expect == "error" else ())

    w = WEIGHTS_FILE
    ext("external_valid_control", "w_valid", [("location", w), ("offset", "0"), ("length", "16")],
        f"A valid external initializer (16 bytes of {w}); the control case: must compile.", None, expect="compiles")
    ext("external_absolute_path", "w_absolute", [("location", "/etc/passwd")],
        "External data location '/etc/passwd' (absolute); refuse it naming the initializer, reading nothing.",
        "outside")
    ext("external_parent_dir", "w_parent", [("location", "../outside.bin")],
        "External data location '../outside.bin' (leaves the model's folder); refuse it naming the initializer.",
        "outside")
    ext("external_backslash_parent", "w_backslash", [("location", "..\\outside.bin")],
        "External data location '..\\outside.bin' (a Windows-style escape; on POSIX a missing file); refuse it "
        "naming the initializer.", "outside.bin")
    ext("external_double_slash", "w_double_slash", [("location", "//etc/passwd")],
        "External data location '//etc/passwd' (absolute through a double slash); refuse it naming the "
        "initializer.", "outside")
    ext("external_file_url", "w_file_url", [("location", "file:///etc/passwd")],
        "External data location 'file:///etc/passwd' (a URL, not a relative path); refuse it naming the "
        "initializer, reading nothing.", "file:")
    ext("external_symlink_file", "w_symlink", [("location", "external_symlink_file.bin")],
        "External data location is a symbolic link in the model's folder to /etc/hostname; refuse it naming the "
        "initializer (links may not lead outside).", "outside",
        side={"external_symlink_file.bin": Symlink("/etc/hostname")})
    ext("external_symlink_dir", "w_symlink_dir", [("location", "external_symlink_dir/hostname")],
        "External data location goes through a symbolic link to the directory /etc; refuse it naming the "
        "initializer.", "outside", side={"external_symlink_dir": Symlink("/etc")})
    ext("external_location_dot", "w_dot", [("location", ".")],
        "External data location '.' names the model's folder, not a file; refuse it naming the initializer.",
        "folder")
    ext("external_location_empty", "w_empty_location", [("location", "")],
        "External data location is the empty string; refuse it naming the initializer.", "location")
    ext("external_no_location", "w_no_location", [("offset", "0"), ("length", "16")],
        "data_location EXTERNAL with offset and length but no 'location' entry; refuse it naming the initializer.",
        "location")
    ext("external_location_twice", "w_location_twice", [("location", w), ("location", "/etc/passwd")],
        "Two 'location' entries (a valid file, then /etc/passwd): which one applies is ambiguous; refuse it naming "
        "the initializer.", "location")
    ext("external_location_nul", "w_nul_location", [("location", w + "\0../../etc/passwd")],
        "External data location holds a NUL byte ('external_weights.bin\\0../../etc/passwd'); C APIs would cut it; "
        "refuse it naming the initializer.", "location")
    ext("external_missing_file", "w_missing", [("location", "external_missing_file.bin")],
        "External data location names a file that does not exist; refuse it naming the initializer and the file.",
        "external_missing_file.bin")
    ext("external_offset_huge", "w_huge_offset", [("location", w), ("offset", "9223372036854775000"),
                                                  ("length", "16")],
        "External data offset 9223372036854775000 in a 16-byte file; refuse it naming the initializer without "
        "seeking.", "offset")
    ext("external_offset_length_overflow", "w_overflow", [("location", w), ("offset", "9223372036854775800"),
                                                         ("length", "100")],
        "External data offset near INT64_MAX plus length 100 overflows int64; refuse it naming the initializer.",
        "offset")
    ext("external_offset_2_pow_64", "w_offset_2_64", [("location", w), ("offset", "18446744073709551616")],
        "External data offset 2^64 does not fit any integer type; refuse it naming the initializer.", "offset")
    ext("external_offset_negative", "w_negative_offset", [("location", w), ("offset", "-4"), ("length", "16")],
        "External data offset -4; refuse it naming the initializer.", "offset")
    ext("external_offset_not_a_number", "w_hex_offset", [("location", w), ("offset", "0x10")],
        "External data offset '0x10' is not a decimal integer; refuse it naming the initializer.", "offset")
    ext("external_length_not_a_number", "w_word_length", [("location", w), ("length", "sixteen")],
        "External data length 'sixteen' is not an integer; refuse it naming the initializer.", "length")
    ext("external_length_past_end", "w_too_long", [("location", w), ("offset", "0"), ("length", "4096")],
        "External data length 4096 in a 16-byte file; refuse it naming the initializer.", "length")
    ext("external_length_short", "w_short_external", [("location", w), ("offset", "0"), ("length", "8")],
        "External data length 8 where dims [4] of float32 need 16 bytes; refuse it naming the initializer.", "bytes")
    ext("external_unknown_key", "w_unknown_key", [("location", w), ("offset", "0"), ("length", "16"),
                                                  ("kiln_unknown_key", "1")],
        "An external-data entry with the unknown key 'kiln_unknown_key'; refuse it naming the initializer and the "
        "key (ONNX's own loader ignores unknown keys).", "kiln_unknown_key")
    ext("external_and_raw_data", "w_both", [("location", w), ("offset", "0"), ("length", "16")],
        "data_location EXTERNAL and a raw_data payload at once: which holds the weights is ambiguous; refuse it "
        "naming the initializer.", "raw_data", raw=f32(9, 9, 9, 9).tobytes())

    def external_attribute():
        value = external_tensor("", [("location", "/etc/passwd")])
        return model([node("Constant", [], ["c"], "const_external", value=value),
                      node("Add", ["x", "c"], ["y"], "add_external_const")], [vi("x")], [vi("y")])

    case("external_in_constant_attribute", "external", "error",
         "A Constant node's 'value' tensor stores its data externally at /etc/passwd; the folder check must cover "
         "attribute tensors too: refuse it naming the node.",
         external_attribute, ["node 'const_external'", "outside"])


# ---------------------------------------------------------------------------
# 6. bytes: files that are not (valid) ONNX protobuf
# ---------------------------------------------------------------------------

def small_valid_model():
    """x [64] + a 256-byte initializer: half of its bytes cuts inside the weights."""
    return model([node("Add", ["x", "w_half"], ["y"], "add_half")], [vi("x", (64,))], [vi("y", (64,))],
                 [tensor("w_half", np.arange(64, dtype=np.float32))])


def deep_graph_nesting(levels):
    """GraphProto.node → NodeProto.attribute → AttributeProto.g → GraphProto ..., `levels` deep
    (3 messages per level). The attributes carry only their `g` field: a name and
    type on every level would cost 5 bytes more each, and decoders recurse the same."""
    inner = b""
    for _ in range(levels):
        inner = ld(1, ld(5, ld(6, inner)))
    graph = inner + ld(12, ld(1, b"y"))   # ... plus a graph output 'y'
    return header_bytes() + ld(7, graph)


def deep_type_nesting(levels):
    """A graph input whose TypeProto is sequence(sequence(... tensor(float))), `levels` deep."""
    inner = ld(1, vfield(1, F32))                  # TypeProto.tensor_type {elem_type: FLOAT}
    for _ in range(levels):
        inner = ld(4, ld(1, inner))               # TypeProto.sequence_type {elem_type: inner}
    value_info = ld(1, b"x_deep_type") + ld(2, inner)
    relu = ld(1, b"x_deep_type") + ld(2, b"y") + ld(3, b"relu_deep_type") + ld(4, b"Relu")
    graph = ld(1, relu) + ld(11, value_info) + ld(12, ld(1, b"y"))
    return header_bytes() + ld(7, graph)


GRAPH_NESTING_LEVELS = 5500   # 16,500 nested messages in ~60 KB (10,000 levels would be ~114 KB)
TYPE_NESTING_LEVELS = 8000    # 16,000 nested messages in ~58 KB


def invalid_utf8_name():
    placeholder = "NAME_PLACEHOLDER"
    data = unary("Relu", "x", "y", placeholder).SerializeToString()
    bad = b"bad_utf8_\xff\xfe\xc0\x80___"
    assert len(bad) == len(placeholder) and data.count(placeholder.encode()) == 1
    return data.replace(placeholder.encode(), bad)


def unknown_fields():
    """A valid model with extra unknown fields in ModelProto, GraphProto and NodeProto (numbers 900+)."""
    m = unary("Relu", "x", "y", "relu_unknown_fields")
    node_bytes = m.graph.node[0].SerializeToString() + vfield(901, 7) + ld(902, b"ignored")
    graph = onnx.GraphProto()
    graph.CopyFrom(m.graph)
    del graph.node[:]
    graph_bytes = ld(1, node_bytes) + graph.SerializeToString() + vfield(903, 1)
    model_copy = onnx.ModelProto()
    model_copy.CopyFrom(m)
    model_copy.ClearField("graph")
    return model_copy.SerializeToString() + ld(7, graph_bytes) + ld(904, b"unknown") + key(905, 5) + b"\0\0\0\0"


def bytes_cases():
    def raw(name, description, build, words, expect="error"):
        case(name, "bytes", expect, description, build, words)

    raw("bytes_empty", "An empty file (protobuf decodes it as an empty ModelProto); refuse it saying it is empty or "
        "has no graph.", lambda: b"", ["empty"])
    raw("bytes_random_10", "Ten fixed 'random' bytes that are no valid protobuf; refuse them as not an ONNX model.",
        lambda: bytes([0x8F, 0x13, 0xFE, 0x01, 0x77, 0x00, 0xAA, 0x5C, 0x91, 0x42]), ["not a valid ONNX model"])
    raw("bytes_truncated_half", "The first half of a valid model's bytes (cut inside the weights); refuse it as "
        "truncated.", lambda: (lambda d: d[: len(d) // 2])(small_valid_model().SerializeToString()),
        ["not a valid ONNX model"])
    raw("bytes_trailing_garbage", "A valid model followed by three zero bytes (field number 0 is invalid); refuse "
        "it as not a valid model.", lambda: small_valid_model().SerializeToString() + b"\0\0\0",
        ["not a valid ONNX model"])
    raw("bytes_wrong_wire_type_graph", "ModelProto.graph (field 7) encoded as a varint (wire type 0) instead of a "
        "message: a decoder rejects it or skips it as unknown, leaving no graph; either way refuse it.",
        lambda: header_bytes() + vfield(7, 1), ["not a valid ONNX model"])
    raw("bytes_wrong_wire_type_ir_version", "ModelProto.ir_version (field 1) encoded as a length-delimited string "
        "in front of a valid model: a decoder rejects it or skips it, leaving no IR version; either way refuse it.",
        lambda: ld(1, b"8") + small_valid_model().SerializeToString()[2:], ["not a valid ONNX model"])
    raw("bytes_varint_too_long", "ir_version written as an 11-byte varint (at most 10 are valid); refuse it.",
        lambda: key(1, 0) + b"\xff" * 10 + b"\x01" + small_valid_model().SerializeToString()[2:],
        ["not a valid ONNX model"])
    raw("bytes_length_2gb", "ModelProto.graph's length prefix claims 2 GiB but 2 bytes follow; refuse it without "
        "allocating 2 GiB.", lambda: header_bytes() + key(7, 2) + varint(1 << 31) + b"\x0a\x00",
        ["not a valid ONNX model"])
    raw("bytes_length_negative", "ModelProto.graph's length prefix is 2^64-1 (-1 as a signed varint); refuse it.",
        lambda: header_bytes() + key(7, 2) + varint((1 << 64) - 1) + b"\x0a\x00", ["not a valid ONNX model"])
    raw("bytes_deep_graph_nesting", f"{GRAPH_NESTING_LEVELS} levels of GraphProto nested through a 'g' graph "
        f"attribute ({3 * GRAPH_NESTING_LEVELS} nested messages); the decoder must stop at a depth limit, not "
        "overflow the stack.", lambda: deep_graph_nesting(GRAPH_NESTING_LEVELS), ["not a valid ONNX model"])
    raw("bytes_deep_type_nesting", f"A graph input of type sequence(sequence(...)) {TYPE_NESTING_LEVELS} levels "
        "deep; the decoder must stop at a depth limit, not overflow the stack.",
        lambda: deep_type_nesting(TYPE_NESTING_LEVELS), ["not a valid ONNX model"])
    raw("bytes_jpeg_header", "The first bytes of a JPEG/JFIF file; refuse it as not an ONNX model.",
        lambda: bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\0" + bytes([1, 1, 0, 0, 1, 0, 1, 0, 0])
        + bytes([0xFF, 0xDB, 0x00, 0x43, 0x00]) + bytes(range(1, 65)) + bytes([0xFF, 0xD9]),
        ["not a valid ONNX model"])
    raw("bytes_gzip_model", "A valid model compressed with gzip; refuse it as not an ONNX model.",
        lambda: gzip.compress(small_valid_model().SerializeToString(), compresslevel=9, mtime=0),
        ["not a valid ONNX model"])
    raw("bytes_text_format", "A valid model in protobuf text format instead of binary; refuse it as not an ONNX "
        "model.", lambda: text_format.MessageToString(unary("Relu", "x", "y", "relu_text")).encode(),
        ["not a valid ONNX model"])
    raw("bytes_ir_version_99", "A valid model whose ir_version is 99 (newer than any ONNX release); refuse it "
        "naming the IR version.", lambda: (lambda m: (setattr(m, "ir_version", 99), m)[1])(
            unary("Relu", "x", "y", "relu_ir99")), ["IR version", "99"])
    raw("bytes_ir_version_missing", "A valid model without ir_version (0); refuse it naming the IR version.",
        lambda: (lambda m: (m.ClearField("ir_version"), m)[1])(unary("Relu", "x", "y", "relu_no_ir")),
        ["IR version"])
    raw("bytes_no_graph", "A ModelProto with ir_version and opset_import but no graph; refuse it.",
        lambda: header_bytes(), ["graph"])
    raw("bytes_no_opset_import", "A valid graph in a model that imports no opset; refuse it.",
        lambda: (lambda m: (m.ClearField("opset_import"), m)[1])(unary("Relu", "x", "y", "relu_no_opset")),
        ["opset"])
    raw("bytes_invalid_utf8_name", "A node name holding invalid UTF-8 bytes (ff fe c0 80); refuse it (or at least "
        "never copy the raw bytes into generated source).", invalid_utf8_name, ["UTF-8"])
    case("bytes_unknown_fields", "bytes", "compiles",
         "A valid model with unknown fields (numbers 901-905) in ModelProto, GraphProto and NodeProto; protobuf "
         "skips them, so it must compile.", unknown_fields)


# ---------------------------------------------------------------------------
# Writing the corpus
# ---------------------------------------------------------------------------

README = """\
# Malformed, hostile and edge-case models

Generated by `Scripts/make_malformed.py` (`make malformed`, or
`Scripts/.venv/bin/python Scripts/make_malformed.py` from the repository
root); do not edit by hand. The script wipes and rewrites this folder and is
deterministic: re-running it rewrites byte-identical files.

Each case is one `<name>.onnx` (sometimes not even valid protobuf), with a
`<name>.kiln.json` beside it where the case has a config. `external_weights.bin`
holds 16 bytes the external-data cases read; `external_symlink_file.bin` and
`external_symlink_dir` are symbolic links to `/etc/hostname` and `/etc` (they must
never be followed). Every file is under 64 KB, the folder under 1 MB.

`Tests/KilnDriverTests/MalformedCorpusTests.swift` runs every case through
`kilnc compile` as a separate process: an `error` case must end in a compile
error whose text holds every `error_contains` string, never in a crash, a
trap, a hang or an exhausted machine; a `compiles` case must compile (each is
a valid model that ONNX Runtime runs).

## `cases.json`

`{"cases": [...]}`, sorted by name, one object per case:

| field | meaning |
| --- | --- |
| `name` | the case, and the file `<name>.onnx` |
| `class` | `names` (hostile value/node/model names), `traps` (values that trap naive arithmetic: NaN to int, division by zero, overflow, bad axes), `budget` (a few bytes asking for gigabytes or a very long compile), `meaning` (models whose meaning is undefined or would silently change), `external` (external data leaving the folder or the file), `bytes` (files that are not valid ONNX protobuf) |
| `description` | one sentence: what is hostile and what a correct compiler must do |
| `expect` | `error` or `compiles` |
| `error_contains` | strings the error message must contain (the offending node, input or initializer, and a word about the problem); empty for `compiles` |
| `config` | `null`, or the JSON object written beside the model as `<name>.kiln.json` |

## Counts

{counts}
"""


def serialize(built):
    """(bytes of the model file, side files) from what a builder returned."""
    side = {}
    if isinstance(built, tuple):
        built, side = built
    data = built if isinstance(built, bytes) else built.SerializeToString()
    return data, side


def write_corpus():
    if OUT.is_symlink() or (OUT.exists() and not OUT.is_dir()):
        sys.exit(f"{OUT} is not a folder")
    if OUT.exists():
        shutil.rmtree(OUT)   # removes symbolic links themselves, never their targets
    OUT.mkdir(parents=True)
    (OUT / WEIGHTS_FILE).write_bytes(WEIGHTS.tobytes())

    manifest = []
    for c in sorted(CASES, key=lambda c: c.name):
        data, side = serialize(c.build())
        (OUT / f"{c.name}.onnx").write_bytes(data)
        for file_name, content in sorted(side.items()):
            path = OUT / file_name
            assert not os.path.lexists(path), f"{c.name}: side file {file_name} written twice"
            if isinstance(content, Symlink):
                os.symlink(content.target, path)
            else:
                path.write_bytes(content)
        if c.config is not None:
            (OUT / f"{c.name}.kiln.json").write_text(json.dumps(c.config, indent=1, sort_keys=True) + "\n")
        manifest.append({
            "name": c.name,
            "class": c.cls,
            "description": c.description,
            "expect": c.expect,
            "error_contains": c.error_contains,
            "config": c.config,
        })
    (OUT / "cases.json").write_text(json.dumps({"cases": manifest}, indent=1) + "\n")

    counts = ["| class | error | compiles |", "| --- | --- | --- |"]
    for cls in CLASSES:
        errors = sum(1 for c in CASES if c.cls == cls and c.expect == "error")
        compiles = sum(1 for c in CASES if c.cls == cls and c.expect == "compiles")
        counts.append(f"| `{cls}` | {errors} | {compiles} |")
    counts.append(f"| all | {sum(c.expect == 'error' for c in CASES)} | {sum(c.expect == 'compiles' for c in CASES)} |")
    (OUT / "README.md").write_text(README.replace("{counts}", "\n".join(counts)))


def check_sizes():
    total = 0
    for path in sorted(OUT.iterdir()):
        size = path.lstat().st_size
        total += size
        if not path.is_symlink():
            assert size < MAX_FILE_BYTES, f"{path.name} is {size} bytes (limit {MAX_FILE_BYTES})"
    assert total < MAX_TOTAL_BYTES, f"the corpus is {total} bytes (limit {MAX_TOTAL_BYTES})"
    return total


def check_bytes_cases():
    """The bytes cases meant to be undecodable really are (or at least hold no graph)."""
    for c in CASES:
        if c.cls != "bytes" or c.expect != "error":
            continue
        data = (OUT / f"{c.name}.onnx").read_bytes()
        if decodes(data):
            m = onnx.ModelProto()
            m.ParseFromString(data)
            assert (not m.HasField("graph") or not m.graph.output or m.ir_version in (0, 99)
                    or not m.opset_import or c.name in ("bytes_invalid_utf8_name",)), \
                f"{c.name} decodes into a plausible model"


def ort_inputs(session):
    feeds = {}
    for index, info in enumerate(session.get_inputs()):
        dtype = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32}[info.type]
        shape = [d if isinstance(d, int) else 1 for d in info.shape]
        count = math.prod(shape)
        feeds[info.name] = (np.arange(count) % 7 - 3 + index).astype(dtype).reshape(shape)
    return feeds


def check_with_onnxruntime():
    """Every "compiles" case must load and run in ONNX Runtime (a proof that it is a valid model)."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime is not installed: the compiles cases were not run")
        return
    ort.set_default_logger_severity(3)
    failures = []
    checked = 0
    for c in CASES:
        if c.expect != "compiles" or not c.ort_check:
            continue
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = 1
        try:
            session = ort.InferenceSession(str(OUT / f"{c.name}.onnx"), options, providers=["CPUExecutionProvider"])
            session.run(None, ort_inputs(session))
            checked += 1
        except Exception as error:  # noqa: BLE001 - report every failure
            failures.append(f"{c.name}: {str(error).splitlines()[0][:300]}")
    print(f"ONNX Runtime {ort.__version__} ran {checked} compiles cases")
    if failures:
        sys.exit("compiles cases that ONNX Runtime rejects:\n  " + "\n  ".join(failures))


# Kiln's answers where the first proposal differed, after running every case
# through kilnc: (expect, error_contains, why). "compiles" here means Kiln
# gives the case a defined meaning that matches its run-time kernels.
DECISIONS = {
    "meaning_op_removed_in_opset": ("compiles", [], "Scatter at opset 13 is read as ScatterElements, its successor"),
    "traps_cast_inf_folded": ("compiles", [], "Inf to int64 is undefined in ONNX; folding saturates, no trap"),
    "traps_cast_nan_to_int32_folded": ("compiles", [], "undefined in ONNX; folding gives a value, no trap"),
    "traps_cast_big_to_int32_folded": ("compiles", [], "undefined in ONNX; folding gives a value, no trap"),
    "traps_cast_negative_to_uint64_folded": ("compiles", [], "undefined in ONNX; folding gives a value, no trap"),
    "traps_div_int64_input_by_zero_constant": ("compiles", [], "the kernels give 0 for x / 0 instead of trapping"),
    "traps_div_int64_min_by_minus_one_folded": ("compiles", [], "wraps to Int64.min, as the kernels do"),
    "traps_mod_int64_by_zero_folded": ("compiles", [], "0, as the kernels compute"),
    "budget_tile_bomb": ("error", ["node 'tile_bomb'", "folding"], None),
    "bytes_invalid_utf8_name": ("error", ["invalidUTF8"], None),
    "traps_gather_index_cast_nan": ("error", ["node 'gather_nan_index'", "out of range"], None),
    "traps_reshape_shape_cast_huge": ("error", ["node 'reshape_huge_shape'", "invalid target shape"], None),
    "traps_reshape_shape_cast_inf": ("error", ["node 'reshape_inf_shape'", "invalid target shape"], None),
    "traps_reshape_shape_cast_nan": ("error", ["node 'reshape_nan_shape'", "invalid target shape"], None),
    "traps_resize_scale_nan": ("error", ["node 'resize_scale_nan'", "positive scale"], None),
    "traps_gather_scalar_data": ("error", ["node 'gather_scalar_data'", "out of range"], None),
    "traps_softmax_scalar": ("error", ["node 'softmax_scalar'", "out of range"], None),
}

# Cases left out for now, each an open problem noted on issue 7.
DEFERRED: set[str] = set()


def apply_decisions():
    CASES[:] = [c for c in CASES if c.name not in DEFERRED]
    for c in CASES:
        if c.name in DECISIONS:
            c.expect, c.error_contains, why = DECISIONS[c.name]
            c.ort_check = False  # ONNX Runtime's answer differs or is undefined (one even traps)
            if why:
                c.description += f" Kiln: {why}."


def main():
    names_cases()
    traps_cases()
    budget_cases()
    meaning_cases()
    external_cases()
    bytes_cases()
    apply_decisions()
    write_corpus()
    total = check_sizes()
    check_bytes_cases()
    check_with_onnxruntime()
    by_class = {cls: sum(1 for c in CASES if c.cls == cls) for cls in CLASSES}
    print(f"{len(CASES)} cases ({', '.join(f'{k} {v}' for k, v in by_class.items())}), "
          f"{total} bytes in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
