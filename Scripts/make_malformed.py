"""Writes Fixtures/Malformed/: malformed, hostile and edge-case ONNX models,
each with what Kiln must answer (Fixtures/Malformed/cases.json). The Swift
tests run every case (MalformedCorpusTests): an "error" case must fail with
a message holding every `error_contains` string, never crash or hang; a
"compiles" case must compile. Deterministic: no timestamps, fixed data.

    Scripts/.venv/bin/python Scripts/make_malformed.py     (make malformed)
"""

import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "Malformed")
CASES = []


def vi(name, dtype=T.FLOAT, shape=(4,)):
    return h.make_tensor_value_info(name, dtype, None if shape is None else list(shape))


def model(nodes, inputs, outputs, inits=(), opset=13, **kwargs):
    graph = h.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="kiln-malformed", **kwargs)
    m.ir_version = 8
    return m


def case(name, cls, description, expect, contains=(), data=None, build=None):
    """Registers a case; `build` returns a ModelProto or raw bytes."""
    CASES.append({"name": name, "class": cls, "description": description, "expect": expect,
                  "error_contains": list(contains), "build": build})


def const(name, array):
    return nh.from_array(np.asarray(array), name)


def node(op, inputs, outputs, name, **attrs):
    return h.make_node(op, inputs, outputs, name=name, **attrs)


# ---- names: hostile names must stay inside comments and escaped identifiers
NAMES = ["await", "self", "class\n#error injected", "a-b", "a_b", "a.b", "*/ /*", "Type", "init", "default",
         "\u540d\u5b57", "e\u202eX", "z\u200dw", "x" * 4000]
case("names_hostile_inputs", "names", "Inputs named after keywords, with newlines, comment terminators, bidi "
     "controls and 4,000 characters: the generated code escapes them and still compiles", "compiles",
     build=lambda: model([node("Sum", NAMES, ["out\nput"], "sum\r\n#error x")], [vi(n) for n in NAMES],
                         [vi("out\nput")], doc_string="*/\n#error doc"))
case("names_many_inputs", "names", "240 inputs into one Sum: predict takes an Inputs struct", "compiles",
     build=lambda: model([node("Sum", [f"x{i}" for i in range(240)], ["y"], "sum")],
                         [vi(f"x{i}", shape=(1,)) for i in range(240)], [vi("y", shape=(1,))]))
case("names_empty_intermediate_output", "names", "An intermediate node output with an empty name is an "
     "unused optional output", "compiles",
     build=lambda: model([node("Dropout", ["x"], ["d", ""], "drop"), node("Relu", ["d"], ["y"], "relu")],
                         [vi("x")], [vi("y")]))
case("names_hostile_producer", "names", "doc_string and producer_name hold comment terminators", "compiles",
     build=lambda: model([node("Relu", ["x"], ["y"], "r")], [vi("x")], [vi("y")],
                         doc_string="*/ #error x /*"))

# ---- traps: values that used to trap must be errors or defined results
def cast_into(op_builder, value, name):
    def build():
        c = const("c", np.array(value, np.float32))
        return model([node("Cast", ["c"], ["k"], "cast", to=T.INT64)] + op_builder(), [vi("x", shape=(2, 3))],
                     [vi("y", shape=None)], [c])
    return build


for label, value in [("nan", [np.nan, 3]), ("inf", [np.inf, 3]), ("huge", [1e30, 3])]:
    case(f"traps_reshape_shape_{label}", "traps", f"Reshape to a shape cast from {label} floats", "error",
         ["node 'reshape'", "Reshape"], build=cast_into(lambda: [node("Reshape", ["x", "k"], ["y"], "reshape")],
                                                          value, label))
case("traps_gather_index_nan", "traps", "Gather with an index cast from NaN", "error",
     ["node 'gather'", "out of range"],
     build=cast_into(lambda: [node("Gather", ["x", "k"], ["y"], "gather")], [np.nan], "nan"))
case("traps_gather_scalar_data", "traps", "Gather from a rank-0 tensor", "error", ["node 'gather'", "axis 0"],
     build=lambda: model([node("Gather", ["s", "i"], ["y"], "gather")], [vi("s", shape=())], [vi("y", shape=None)],
                         [const("i", np.array(0, np.int64))]))
case("traps_gather_scalar_index", "traps", "Gather with a rank-0 index (valid)", "compiles",
     build=lambda: model([node("Gather", ["x", "i"], ["y"], "gather")], [vi("x", shape=(4, 3))],
                         [vi("y", shape=(3,))], [const("i", np.array(2, np.int64))]))
case("traps_concat_scalars", "traps", "Concat of rank-0 tensors", "error", ["node 'concat'", "rank 0"],
     build=lambda: model([node("Concat", ["s", "s"], ["y"], "concat", axis=0)], [vi("s", shape=())],
                         [vi("y", shape=None)]))
case("traps_matmul_zero_rows", "traps", "MatMul [0,4]x[4,3] (valid: an empty result)", "compiles",
     build=lambda: model([node("MatMul", ["a", "b"], ["y"], "mm")], [vi("a", shape=(0, 4)), vi("b", shape=(4, 3))],
                         [vi("y", shape=(0, 3))]))
case("traps_matmul_zero_depth", "traps", "MatMul [2,0]x[0,3] (valid: zeros)", "compiles",
     build=lambda: model([node("MatMul", ["a", "b"], ["y"], "mm")], [vi("a", shape=(2, 0)), vi("b", shape=(0, 3))],
                         [vi("y", shape=(2, 3))]))
case("traps_zero_outputs", "traps", "A node with no outputs", "error", ["node 'nothing'", "outputs"],
     build=lambda: model([node("Relu", ["x"], [], "nothing"), node("Neg", ["x"], ["y"], "neg")], [vi("x")],
                         [vi("y")]))
case("traps_reshape_two_minus_one", "traps", "Reshape with two -1 dims", "error", ["node 'reshape'"],
     build=lambda: model([node("Reshape", ["x", "s"], ["y"], "reshape")], [vi("x", shape=(2, 6))],
                         [vi("y", shape=None)], [const("s", np.array([-1, -1], np.int64))]))
case("traps_slice_step_zero", "traps", "Slice with step 0", "error", ["node 'slice'"],
     build=lambda: model([node("Slice", ["x", "st", "en", "ax", "sp"], ["y"], "slice")], [vi("x", shape=(8,))],
                         [vi("y", shape=None)], [const("st", np.array([0], np.int64)),
                                                  const("en", np.array([8], np.int64)),
                                                  const("ax", np.array([0], np.int64)),
                                                  const("sp", np.array([0], np.int64))]))
case("traps_range_delta_zero", "traps", "Range with delta 0", "error", ["node 'range'"],
     build=lambda: model([node("Range", ["a", "b", "d"], ["y"], "range")], [], [vi("y", T.INT64, None)],
                         [const("a", np.array(0, np.int64)), const("b", np.array(10, np.int64)),
                          const("d", np.array(0, np.int64))]))
case("traps_tile_negative", "traps", "Tile with negative repeats", "error", ["node 'tile'"],
     build=lambda: model([node("Tile", ["x", "r"], ["y"], "tile")], [vi("x")], [vi("y", shape=None)],
                         [const("r", np.array([-2], np.int64))]))
case("traps_constantofshape_negative", "traps", "ConstantOfShape with a negative dim", "error",
     ["node 'fill'"], build=lambda: model([node("ConstantOfShape", ["s"], ["y"], "fill")], [],
                                         [vi("y", shape=None)], [const("s", np.array([3, -2], np.int64))]))
case("traps_expand_negative", "traps", "Expand to a negative dim", "error", ["node 'expand'"],
     build=lambda: model([node("Expand", ["x", "s"], ["y"], "expand")], [vi("x")], [vi("y", shape=None)],
                         [const("s", np.array([-4, 4], np.int64))]))
case("traps_topk_too_large", "traps", "TopK with k larger than the axis", "error", ["node 'topk'"],
     build=lambda: model([node("TopK", ["x", "k"], ["v", "i"], "topk")], [vi("x")],
                         [vi("v", shape=None), vi("i", T.INT64, None)], [const("k", np.array([9], np.int64))]))
case("traps_split_sizes", "traps", "Split sizes that do not sum to the axis", "error", ["node 'split'"],
     build=lambda: model([node("Split", ["x", "s"], ["a", "b"], "split")], [vi("x", shape=(6,))],
                         [vi("a", shape=None), vi("b", shape=None)], [const("s", np.array([2, 2], np.int64))]))
case("traps_transpose_repeated_perm", "traps", "Transpose with a repeated axis", "error", ["node 'transpose'"],
     build=lambda: model([node("Transpose", ["x"], ["y"], "transpose", perm=[0, 0])], [vi("x", shape=(2, 3))],
                         [vi("y", shape=None)]))
case("traps_transpose_perm_range", "traps", "Transpose with an axis out of range", "error", ["node 'transpose'"],
     build=lambda: model([node("Transpose", ["x"], ["y"], "transpose", perm=[0, 5])], [vi("x", shape=(2, 3))],
                         [vi("y", shape=None)]))
case("traps_concat_axis_range", "traps", "Concat axis out of range", "error", ["node 'concat'"],
     build=lambda: model([node("Concat", ["x", "x"], ["y"], "concat", axis=3)], [vi("x")], [vi("y", shape=None)]))
case("traps_gather_axis_range", "traps", "Gather axis out of range", "error", ["node 'gather'"],
     build=lambda: model([node("Gather", ["x", "i"], ["y"], "gather", axis=2)], [vi("x")], [vi("y", shape=None)],
                         [const("i", np.array([0], np.int64))]))
case("traps_onehot_depth_zero", "traps", "OneHot with depth 0", "error", ["node 'onehot'"],
     build=lambda: model([node("OneHot", ["i", "d", "v"], ["y"], "onehot")], [vi("i", T.INT64, (3,))],
                         [vi("y", shape=None)], [const("d", np.array([0], np.int64)),
                                                  const("v", np.array([0, 1], np.float32))]))
case("traps_div_by_zero_folded", "traps", "int64 division by a constant zero, folded", "error", ["node 'div'"],
     build=lambda: model([node("Div", ["a", "b"], ["y"], "div")], [], [vi("y", T.INT64, None)],
                         [const("a", np.array([7], np.int64)), const("b", np.array([0], np.int64))]))
case("traps_mod_by_zero_folded", "traps", "int64 Mod by a constant zero, folded: 0, as the kernels compute",
     "compiles",
     build=lambda: model([node("Mod", ["a", "b"], ["y"], "mod")], [], [vi("y", T.INT64, None)],
                         [const("a", np.array([7], np.int64)), const("b", np.array([0], np.int64))]))
case("traps_mul_overflow_folded", "traps", "int64 Mul overflowing when folded wraps, as ONNX Runtime does",
     "compiles", build=lambda: model([node("Mul", ["a", "b"], ["y"], "mul")], [], [vi("y", T.INT64, (1,))],
                                     [const("a", np.array([2**62], np.int64)), const("b", np.array([4], np.int64))]))
case("traps_constantofshape_huge", "traps", "ConstantOfShape [2^40, 2^40]", "error", ["node 'fill'"],
     build=lambda: model([node("ConstantOfShape", ["s"], ["y"], "fill")], [], [vi("y", shape=None)],
                         [const("s", np.array([2**40, 2**40], np.int64))]))

# ---- budget: compile-time work is bounded
case("budget_expand_bomb", "budget", "Expand of one constant to [4096, 4096, 64]", "error",
     ["node 'bomb'", "folding"], build=lambda: model(
         [node("Expand", ["c", "s"], ["e"], "bomb"), node("ReduceSum", ["e"], ["y"], "sum", keepdims=0)], [],
         [vi("y", shape=None)], [const("c", np.array([1], np.float32)),
                                 const("s", np.array([4096, 4096, 64], np.int64))]))
case("budget_tile_bomb", "budget", "Tile of a constant by [16384, 16384]", "error", ["node 'tile'", "folding"],
     build=lambda: model([node("Tile", ["c", "r"], ["t"], "tile"), node("ReduceSum", ["t"], ["y"], "sum",
                                                                       keepdims=0)],
                         [], [vi("y", shape=None)], [const("c", np.ones((2, 2), np.float32)),
                                                     const("r", np.array([1 << 14, 1 << 14], np.int64))]))
case("budget_concat_doubling", "budget", "Twenty Concats doubling a 4 KB constant", "error",
     ["node 'cat17'", "in all for this model"],
     build=lambda: model([node("Concat", [f"c{i}", f"c{i}"], [f"c{i + 1}"], f"cat{i}", axis=0) for i in range(20)]
                         + [node("ReduceSum", ["c20"], ["y"], "sum", keepdims=0)], [], [vi("y", shape=None)],
                         [const("c0", np.ones(1024, np.float32))]))
case("budget_gather_expansion", "budget", "Gather that expands a small table to 2^31 rows (the index "
     "tensor is refused first)", "error", ["node 'zeros'", "folding"], build=lambda: model(
         [node("ConstantOfShape", ["n"], ["idx"], "zeros", value=h.make_tensor("v", T.INT64, [1], [0])),
          node("Gather", ["table", "idx"], ["g"], "gather"), node("ReduceSum", ["g"], ["y"], "sum", keepdims=0)],
         [], [vi("y", shape=None)], [const("table", np.ones((4, 256), np.float32)),
                                     const("n", np.array([1 << 31], np.int64))]))
case("budget_concat_5000_inputs", "budget", "One Concat of 5,000 inputs", "compiles",
     build=lambda: model([node("Concat", ["x"] * 5000, ["y"], "concat", axis=0)], [vi("x", shape=(1,))],
                         [vi("y", shape=(5000,))]))

# ---- meaning: what would silently change the model's meaning is refused
case("meaning_two_writers", "meaning", "Two nodes write one value", "error", ["'y' is defined twice"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a"), node("Neg", ["x"], ["y"], "b")], [vi("x")], [vi("y")]))
case("meaning_shadow_input", "meaning", "A node output shadows a graph input", "error",
     ["'x' is defined twice", "graph input 'x'"],
     build=lambda: model([node("Relu", ["x"], ["x"], "a")], [vi("x")], [vi("x")]))
case("meaning_shadow_initializer", "meaning", "A node output shadows an initializer", "error",
     ["'w' is defined twice", "initializer 'w'"],
     build=lambda: model([node("Relu", ["x"], ["w"], "a")], [vi("x")], [vi("w")],
                         [const("w", np.ones(4, np.float32))]))
case("meaning_duplicate_input", "meaning", "A graph input listed twice", "error", ["graph input 'x' is listed twice"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a")], [vi("x"), vi("x")], [vi("y")]))
case("meaning_relu_two_inputs", "meaning", "Relu with two inputs", "error", ["Relu (version 13) takes 1 input"],
     build=lambda: model([node("Relu", ["x", "x"], ["y"], "a")], [vi("x")], [vi("y")]))
case("meaning_add_three_inputs", "meaning", "Add with three inputs", "error", ["Add (version 13) takes 2 inputs"],
     build=lambda: model([node("Add", ["x", "x", "x"], ["y"], "a")], [vi("x")], [vi("y")]))
case("meaning_relu_two_outputs", "meaning", "Relu with two outputs", "error", ["takes 1 output"],
     build=lambda: model([node("Relu", ["x"], ["y", "z"], "a")], [vi("x")], [vi("y")]))
case("meaning_opset_99", "meaning", "Opset 99 of the default domain", "error", ["opset 99"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a")], [vi("x")], [vi("y")], opset=99))
case("meaning_op_newer_than_opset", "meaning", "Gelu (opset 20) in an opset 13 model", "error",
     ["Gelu does not exist at opset 13"],
     build=lambda: model([node("Gelu", ["x"], ["y"], "a")], [vi("x")], [vi("y")]))
case("meaning_unknown_attribute", "meaning", "Relu with an alpha attribute", "error", ["unknown attribute(s) 'alpha'"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a", alpha=0.1)], [vi("x")], [vi("y")]))


def wrong_type(op, inputs, attr, value, shape=(1, 1, 4, 4), inits=()):
    def build():
        n = h.make_node(op, inputs, ["y"], name="n")
        n.attribute.append(h.make_attribute(attr, value))
        return model([n], [vi("x", shape=shape)], [vi("y", shape=None)], inits)
    return build


case("meaning_strides_as_floats", "meaning", "Conv strides written as floats", "error", ["'strides'"],
     build=wrong_type("Conv", ["x", "w"], "strides", [1.0, 1.0], inits=[const("w", np.ones((1, 1, 3, 3),
                                                                                           np.float32))]))
case("meaning_perm_as_floats", "meaning", "Transpose perm written as floats", "error", ["'perm'"],
     build=wrong_type("Transpose", ["x"], "perm", [1.0, 0.0], shape=(2, 3)))
case("meaning_transb_as_float", "meaning", "Gemm transB written as a float", "error", ["'transB'"],
     build=wrong_type("Gemm", ["x", "w"], "transB", 1.0, shape=(2, 3), inits=[const("w", np.ones((3, 3),
                                                                                                np.float32))]))
case("meaning_axis_as_string", "meaning", "Softmax axis written as a string", "error", ["'axis'"],
     build=wrong_type("Softmax", ["x"], "axis", "1", shape=(2, 3)))
case("meaning_squeeze_non_unit", "meaning", "Squeeze of an axis of size 3", "error", ["node 'sq'"],
     build=lambda: model([node("Squeeze", ["x", "a"], ["y"], "sq")], [vi("x", shape=(2, 3))], [vi("y", shape=None)],
                         [const("a", np.array([1], np.int64))]))
case("meaning_pool_pads_reach_kernel", "meaning", "MaxPool with pads as large as the kernel", "error",
     ["node 'pool'", "smaller than the kernel"],
     build=lambda: model([node("MaxPool", ["x"], ["y"], "pool", kernel_shape=[2, 2], pads=[2, 2, 2, 2])],
                         [vi("x", shape=(1, 1, 4, 4))], [vi("y", shape=None)]))
case("meaning_valid_conv_kernel_too_big", "meaning", "VALID Conv with a 5x5 kernel over a 4x4 input", "error",
     ["node 'conv'", "does not fit"],
     build=lambda: model([node("Conv", ["x", "w"], ["y"], "conv", auto_pad="VALID")], [vi("x", shape=(1, 1, 4, 4))],
                         [vi("y", shape=None)], [const("w", np.ones((1, 1, 5, 5), np.float32))]))
case("meaning_output_not_produced", "meaning", "A graph output no node produces", "error",
     ["graph output 'ghost' is not produced"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a")], [vi("x")], [vi("ghost")]))
case("meaning_not_topological", "meaning", "A node reads a value defined later", "error", ["topologically sorted"],
     build=lambda: model([node("Relu", ["t"], ["y"], "late"), node("Neg", ["x"], ["t"], "early")], [vi("x")],
                         [vi("y")]))
case("meaning_negative_input_dim", "meaning", "A graph input with dim -3", "error", ["input 'x'"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a")], [vi("x", shape=(-3,))], [vi("y", shape=None)]))
case("meaning_input_without_shape", "meaning", "A graph input with no shape", "error", ["input 'x' has no shape"],
     build=lambda: model([node("Relu", ["x"], ["y"], "a")], [vi("x", shape=None)], [vi("y", shape=None)]))
case("meaning_custom_domain", "meaning", "A node in the com.microsoft domain", "error", ["custom domain"],
     build=lambda: model([h.make_node("FusedGemm", ["x"], ["y"], name="a", domain="com.microsoft")], [vi("x")],
                         [vi("y")]))


def undefined_dtype(dtype):
    def build():
        t = onnx.TensorProto()
        t.name, t.data_type = "w", dtype
        t.dims.extend([4])
        t.raw_data = b"\0" * 16
        return model([node("Add", ["x", "w"], ["y"], "a")], [vi("x")], [vi("y")], [t])
    return build


case("meaning_initializer_dtype_undefined", "meaning", "An initializer of data type 0", "error", ["initializer 'w'"],
     build=undefined_dtype(0))
case("meaning_initializer_dtype_99", "meaning", "An initializer of data type 99", "error", ["initializer 'w'"],
     build=undefined_dtype(99))


def short_initializer():
    t = onnx.TensorProto()
    t.name, t.data_type = "w", T.FLOAT
    t.dims.extend([4])
    t.raw_data = b"\0" * 8
    return model([node("Add", ["x", "w"], ["y"], "a")], [vi("x")], [vi("y")], [t])


case("meaning_initializer_short", "meaning", "An initializer with fewer bytes than its shape", "error",
     ["initializer 'w'"], build=short_initializer)


# ---- external data
def external(entries):
    def build():
        t = onnx.TensorProto()
        t.name, t.data_type, t.data_location = "w", T.FLOAT, onnx.TensorProto.EXTERNAL
        t.dims.extend([4])
        for key, value in entries:
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        return model([node("Add", ["x", "w"], ["y"], "a")], [vi("x")], [vi("y")], [t])
    return build


case("external_absolute", "external", "External data at /etc/passwd", "error", ["leads outside the model's folder"],
     build=external([("location", "/etc/passwd")]))
case("external_parent", "external", "External data at ../outside.bin", "error", ["leads outside the model's folder"],
     build=external([("location", "../outside.bin")]))
case("external_huge_offset", "external", "External data offset near Int64.max", "error", ["offset 9223372036854775000"],
     build=external([("location", "external_weights.bin"), ("offset", "9223372036854775000")]))
case("external_offset_overflow", "external", "offset + length overflows", "error", ["reads 100 bytes"],
     build=external([("location", "external_weights.bin"), ("offset", "9223372036854775800"), ("length", "100")]))
case("external_too_long", "external", "A length past the end of the file", "error", ["reads 1000 bytes"],
     build=external([("location", "external_weights.bin"), ("length", "1000")]))
case("external_negative_offset", "external", "A negative offset", "error", ["offset '-4'"],
     build=external([("location", "external_weights.bin"), ("offset", "-4")]))
case("external_folder", "external", "A location naming the model's folder", "error", ["the model's folder, not a file"],
     build=external([("location", ".")]))
case("external_missing", "external", "A location naming a missing file", "error", ["does not exist"],
     build=external([("location", "missing.bin")]))
case("external_ok", "external", "A valid external file (control case)", "compiles",
     build=external([("location", "external_weights.bin"), ("offset", "0"), ("length", "16")]))

# ---- bytes: files that are not ONNX models
case("bytes_empty", "bytes", "An empty file", "error", ["bytes_empty.onnx"], build=lambda: b"")
case("bytes_random", "bytes", "Ten random bytes", "error", ["bytes_random.onnx"],
     build=lambda: bytes([0x8f, 0x13, 0xfe, 0x01, 0x77, 0x00, 0xaa, 0x5c, 0x91, 0x42]))
case("bytes_jpeg", "bytes", "A JPEG header", "error", ["bytes_jpeg.onnx"],
     build=lambda: bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]))
case("bytes_truncated", "bytes", "A valid model cut in half", "error", ["bytes_truncated.onnx"],
     build=lambda: (lambda data: data[: len(data) // 2])(
         model([node("Add", ["x", "w"], ["y"], "a")], [vi("x")], [vi("y")],
               [const("w", np.arange(64, dtype=np.float32))]).SerializeToString()))
case("bytes_wrong_wire_type", "bytes", "ModelProto.graph (field 7) written as a varint", "error",
     ["bytes_wrong_wire_type.onnx"], build=lambda: bytes([0x08, 0x08, 0x38, 0x05]))
case("bytes_huge_length", "bytes", "A length-delimited field claiming 2 GB", "error", ["bytes_huge_length.onnx"],
     build=lambda: bytes([0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00]))
case("bytes_no_opset", "bytes", "A model that imports no opset", "error", ["imports no opset"],
     build=lambda: (lambda m: (m.ClearField("opset_import"), m)[1])(
         model([node("Relu", ["x"], ["y"], "a")], [vi("x")], [vi("y")])))


def main():
    readme = os.path.join(OUT, "README.md")
    kept = open(readme).read() if os.path.exists(readme) else None
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    if kept is not None:
        with open(readme, "w") as handle:
            handle.write(kept)
    with open(os.path.join(OUT, "external_weights.bin"), "wb") as handle:
        handle.write(np.arange(16, dtype=np.float32).tobytes())
    manifest = []
    for entry in sorted(CASES, key=lambda c: c["name"]):
        built = entry.pop("build")()
        data = built if isinstance(built, bytes) else built.SerializeToString()
        with open(os.path.join(OUT, entry["name"] + ".onnx"), "wb") as handle:
            handle.write(data)
        manifest.append(entry)
    with open(os.path.join(OUT, "cases.json"), "w") as handle:
        json.dump({"cases": manifest}, handle, indent=1, ensure_ascii=True)
        handle.write("\n")
    print(f"{len(manifest)} cases in {OUT}")


if __name__ == "__main__":
    main()
