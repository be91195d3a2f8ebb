#!/usr/bin/env python3
"""Writes ONNX's own backend node tests as files Kiln can verify.

The onnx wheel ships the node tests only as Python (``onnx.backend.test.case
.node``: numpy snippets that call ``expect``); the ``data/node`` directory of
the source tree is not in the wheel, and ``backend-test-tools generate-data``
only writes the "real model" cases. So this script collects the node cases
itself and writes each one in the ONNX backend-test layout::

    <out>/<case>/model.onnx
    <out>/<case>/test_data_set_<N>/input_<K>.pb, output_<K>.pb

plus ``<out>/cases.json``, the manifest ``run.py`` reads (one entry per case:
name, op, tolerance, whether it has non-tensor inputs or outputs).

Deterministic and idempotent: ONNX reseeds numpy before every test snippet,
files are rewritten only when their bytes change, and case folders that no
longer exist upstream are removed.

Usage: generate_cases.py [--out DIR]   (default .build/conformance/cases)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import warnings
from pathlib import Path

import onnx
from onnx import TensorProto, numpy_helper

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "Scripts" / "requirements.txt"
DEFAULT_OUT = REPO / ".build" / "conformance" / "cases"

# Every node case gets these from onnx's ``expect()``, hard-coded: they are
# ONNX's generic values, not a tolerance the case chose. A case "defines its
# own" tolerance only if it differs from them.
ONNX_GENERIC_TOLERANCE = (1e-3, 1e-7)
# What we use for cases without their own: float32 kernels with a different
# summation order or a different exp/log approximation miss 1e-7 absolute on
# results near zero, which says nothing about their correctness.
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-5

DEFAULT_DOMAINS = ("", "ai.onnx")
# Function-expanded variants are named <case>_expanded or <case>_expanded_verN.
EXPANDED_SUFFIX = re.compile(r"_expanded(_ver\d+)?$")


def pinned_onnx_version() -> str | None:
    """The ``onnx==X`` pin in Scripts/requirements.txt, if any."""
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.fullmatch(r"\s*onnx==([^\s#]+)\s*(#.*)?", line)
        if match:
            return match.group(1)
    return None


def collect_cases() -> list:
    """ONNX's node test cases, in its own (deterministic) collection order."""
    # Imported here so that the version check runs first.
    from onnx.backend.test.case import node

    # Several snippets compute their references with deliberate overflows,
    # log(0), 0/0...: expected, and not worth a screenful of warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return node.collect_testcases()


def qualified_op(node_proto: onnx.NodeProto) -> str:
    """``Relu`` for the default domain, ``ai.onnx.ml.Binarizer`` otherwise."""
    if node_proto.domain in DEFAULT_DOMAINS:
        return node_proto.op_type
    return f"{node_proto.domain}.{node_proto.op_type}"


def tested_ops(cases: list) -> dict[str, onnx.NodeProto]:
    """The node each case tests, by case name.

    A plain node case is a one-node graph. Its function-expanded variant is
    the op's function body (many nodes, none of them the op itself), so it is
    attributed to the node of the case it was expanded from.
    """
    plain = {}
    for case in cases:
        if EXPANDED_SUFFIX.search(case.name):
            continue
        nodes = [n for n in case.model.graph.node if n.op_type != "Constant"]
        # Constant's own tests are the only ones whose tested node is Constant.
        nodes = nodes or list(case.model.graph.node)
        if len(nodes) != 1:
            raise SystemExit(f"error: {case.name}: expected one tested node, found {len(nodes)}")
        plain[case.name] = nodes[0]
    tested = dict(plain)
    for case in cases:
        if case.name not in plain:
            base = EXPANDED_SUFFIX.sub("", case.name)
            if base not in plain:
                raise SystemExit(f"error: {case.name}: no plain case {base} to take its op from")
            tested[case.name] = plain[base]
    return tested


def non_tensor_io(model: onnx.ModelProto) -> list[str]:
    """Descriptions of the graph inputs and outputs that are not tensors."""
    found = []
    for role, values in (("input", model.graph.input), ("output", model.graph.output)):
        for value in values:
            kind = value.type.WhichOneof("value")
            if kind != "tensor_type":
                kind = kind.removesuffix("_type")
                article = "an" if kind[0] in "aeiou" else "a"
                found.append(f"{role} '{value.name}' is {article} {kind}")
    return found


def serialize_value(value, value_info: onnx.ValueInfoProto) -> bytes:
    """One input or output as the .pb file ONNX's own data generator writes.

    Mirrors ``onnx.backend.test.cmd_tools.generate_data``: sequences, maps and
    optionals become SequenceProto / MapProto / OptionalProto, tensors become
    TensorProto (some cases already hand over a TensorProto, e.g. float8).
    """
    kind = value_info.type.WhichOneof("value")
    if kind == "map_type":
        proto = numpy_helper.from_dict(value, value_info.name)
    elif kind == "sequence_type":
        proto = numpy_helper.from_list(value, value_info.name)
    elif kind == "optional_type":
        proto = numpy_helper.from_optional(value, value_info.name)
    elif isinstance(value, TensorProto):
        proto = value
    else:
        proto = numpy_helper.from_array(value, value_info.name)
    return proto.SerializeToString()


def write_if_changed(path: Path, data: bytes) -> None:
    """Writes only new bytes, so a rerun leaves files (and mtimes) alone."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def remove_except(directory: Path, keep: set[str]) -> None:
    """Deletes every entry of ``directory`` not named in ``keep``."""
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def write_case(out: Path, case) -> None:
    """Writes one case folder and drops files a previous version left."""
    directory = out / case.name
    write_if_changed(directory / "model.onnx", case.model.SerializeToString())
    graph = case.model.graph
    data_sets = []
    for index, (inputs, outputs) in enumerate(case.data_sets):
        name = f"test_data_set_{index}"
        data_sets.append(name)
        files = []
        roles = (("input", inputs, graph.input), ("output", outputs, graph.output))
        for prefix, values, infos in roles:
            # ONNX pairs values with graph inputs/outputs by position; an
            # omitted optional input is absent from both.
            for k, (value, info) in enumerate(zip(values, infos, strict=True)):
                files.append(f"{prefix}_{k}.pb")
                write_if_changed(directory / name / files[-1], serialize_value(value, info))
        remove_except(directory / name, set(files))
    remove_except(directory, {"model.onnx", *data_sets})


def tolerance(case) -> tuple[float, float, str]:
    """(rtol, atol, source): the case's own tolerance, else our default."""
    if (case.rtol, case.atol) != ONNX_GENERIC_TOLERANCE:
        return case.rtol, case.atol, "case"
    return DEFAULT_RTOL, DEFAULT_ATOL, "default"


def manifest_entry(case, tested: onnx.NodeProto) -> dict:
    rtol, atol, source = tolerance(case)
    opset = next(
        (o.version for o in case.model.opset_import if o.domain in DEFAULT_DOMAINS), None
    )
    non_tensor = non_tensor_io(case.model)
    return {
        "name": case.name,
        "op": qualified_op(tested),
        "op_type": tested.op_type,
        "domain": tested.domain,
        "expanded": case.name != EXPANDED_SUFFIX.sub("", case.name),
        "opset": opset,
        "rtol": rtol,
        "atol": atol,
        "tolerance": source,
        "data_sets": len(case.data_sets),
        "non_tensor_io": bool(non_tensor),
        "non_tensor_reason": "; ".join(non_tensor),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: %(default)s)")
    args = parser.parse_args()

    pinned = pinned_onnx_version()
    if pinned is not None and onnx.__version__ != pinned:
        # Other versions have other cases: the report would not be comparable.
        print(f"error: onnx {onnx.__version__} is installed, {REQUIREMENTS} pins {pinned}; "
              "run through Scripts/conformance.sh", file=sys.stderr)
        return 1

    cases = collect_cases()
    tested = tested_ops(cases)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for case in cases:
        write_case(out, case)

    entries = sorted((manifest_entry(c, tested[c.name]) for c in cases), key=lambda e: e["name"])
    manifest = {
        "onnx_version": onnx.__version__,
        "default_rtol": DEFAULT_RTOL,
        "default_atol": DEFAULT_ATOL,
        "cases": entries,
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    write_if_changed(out / "cases.json", text.encode())
    remove_except(out, {"cases.json", *(c.name for c in cases)})

    ops = {e["op"] for e in entries}
    non_tensor = sum(e["non_tensor_io"] for e in entries)
    print(f"onnx {onnx.__version__}: {len(entries)} node cases, {len(ops)} ops "
          f"({non_tensor} with non-tensor inputs or outputs) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
