#!/usr/bin/env python3
"""Builds the kit a GPU machine without Swift, clang or LLVM runs Kiln's
Vulkan checks from (Scripts/device-kit.sh calls it; Benchmarks/DeviceCheck
is the program that runs it).

Every fixture and conformance case with a reference data set, and the
benchmark networks, compiled here with a CPU and a Vulkan build into one
shared object each, their inputs and reference outputs as raw little-endian
files, and manifest.tsv (one case per line, as kiln-device-check reads it).
Cases without a Vulkan build, or with bounded dims (whose reference inputs
are shorter than the bound), are listed in skipped.txt instead.

  device_kit.py --kilnc K --clang C --kit DIR [--networks DIR [--timed NAME,...]] [--no-fixtures]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "Fixtures"
SKIPPED_FOLDERS = {"Malformed", "invalid"}


# Types ONNX packs several to a byte and the runtime holds one per byte:
# as what numpy type (the integers' values; float4e2m1's code as is).
UNPACKED = {
    onnx.TensorProto.UINT4: np.uint8, onnx.TensorProto.INT4: np.int8, onnx.TensorProto.FLOAT4E2M1: None,
    onnx.TensorProto.UINT2: np.uint8, onnx.TensorProto.INT2: np.int8,
}


def raw_bytes(path: Path) -> bytes:
    """The tensor's elements as the runtime lays them out."""
    tensor = onnx.TensorProto()
    tensor.ParseFromString(path.read_bytes())
    if tensor.data_type in UNPACKED:
        values = numpy_helper.to_array(tensor)
        wanted = UNPACKED[tensor.data_type]
        return (values.astype(wanted) if wanted else values).tobytes()
    # Raw data is already the runtime's little-endian layout; typed fields go through numpy.
    return tensor.raw_data if tensor.raw_data else numpy_helper.to_array(tensor).tobytes()


def cases():
    """(name, folder, rtol, atol, timed) of every fixture and conformance case,
    with the tolerances the folders' cases.json give (as the tests take them)."""
    tolerances = {
        folder: {c["name"]: (c["rtol"], c["atol"]) for c in json.loads((FIXTURES / folder / "cases.json").read_text())["cases"]}
        for folder in ("conformance", "real")
    }
    for model in sorted(FIXTURES.rglob("model.onnx")):
        folder = model.parent
        relative = folder.relative_to(FIXTURES)
        if relative.parts[0] in SKIPPED_FOLDERS or not (folder / "test_data_set_0").is_dir():
            continue
        fallback = (1e-3, 1e-5) if relative.parts[0] == "conformance" else (1e-4, 1e-4)
        rtol, atol = tolerances.get(relative.parts[0], {}).get(folder.name, fallback)
        yield str(relative).replace("/", "."), folder, rtol, atol, False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kilnc", required=True)
    parser.add_argument("--clang", required=True)
    parser.add_argument("--kit", required=True, type=Path)
    parser.add_argument("--networks", type=Path, help="Benchmarks/make_networks.py's folder")
    parser.add_argument("--timed", default="transformer", help="networks to check and time (comma-separated)")
    parser.add_argument("--no-fixtures", action="store_true", help="the networks alone")
    args = parser.parse_args()

    kit: Path = args.kit
    shutil.rmtree(kit, ignore_errors=True)
    (kit / "cases").mkdir(parents=True)
    all_cases = [] if args.no_fixtures else list(cases())
    if args.networks:
        for name in filter(None, args.timed.split(",")):
            all_cases.append((f"network.{name}", args.networks / name, 1e-4, 1e-4, True))

    lines, skipped = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for name, folder, rtol, atol, timed in all_cases:
            config = {}
            if (folder / "model.kiln.json").exists():
                config = json.loads((folder / "model.kiln.json").read_text())
            if "dims" in config:
                skipped.append(f"{name}: bounded dims")
                continue
            config["backends"] = ["cpu", "vulkan"]
            build = Path(scratch) / name
            build.mkdir()
            (build / "config.json").write_text(json.dumps(config))
            compiled = subprocess.run(
                [args.kilnc, "compile", str(folder / "model.onnx"), "--config", str(build / "config.json"),
                 "--output-dir", str(build)], capture_output=True, text=True)
            if compiled.returncode != 0:
                skipped.append(f"{name}: does not compile: {compiled.stderr.strip().splitlines()[-1:]}")
                continue
            said = compiled.stdout + compiled.stderr
            if "no Vulkan build:" in said:
                skipped.append(f"{name}: {said[said.index('no Vulkan build:'):].splitlines()[0]}")
                continue
            library = Path("cases") / f"{name}.so"
            assembly = next(build.glob("*.kiln.S"))
            subprocess.run([args.clang, "-shared", "-fPIC", "-o", str(kit / library), str(assembly)],
                           check=True, cwd=build)
            data = folder / "test_data_set_0"
            files = {"input": [], "output": []}
            for kind in files:
                index = 0
                while (data / f"{kind}_{index}.pb").exists():
                    raw = Path("cases") / f"{name}.{kind}_{index}.raw"
                    (kit / raw).write_bytes(raw_bytes(data / f"{kind}_{index}.pb"))
                    files[kind].append(str(raw))
                    index += 1
            lines.append("\t".join([name, str(library), assembly.name.removesuffix(".kiln.S"), repr(rtol),
                                    repr(atol), "1" if timed else "0", ",".join(files["input"]),
                                    ",".join(files["output"])]))
            print(f"{len(lines):4d} {name}", flush=True)
    (kit / "manifest.tsv").write_text("\n".join(lines) + "\n")
    (kit / "skipped.txt").write_text("\n".join(skipped) + "\n")
    print(f"{len(lines)} cases in {kit} ({len(skipped)} skipped: {kit / 'skipped.txt'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
