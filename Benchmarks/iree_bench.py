#!/usr/bin/env python3
"""Times IREE on Vulkan on one model the way `kilnc bench --device vulkan` times Kiln.

The model runs as IREE compiled it: Benchmarks/vulkan_compare.sh runs
`iree-import-onnx --opset-version 17` on <dir>/model.onnx (at the generated
models' opset 13, iree-compile fails on BatchNormalization) and
`iree-compile --iree-hal-target-backends=vulkan-spirv` (IREE's default Vulkan
target; IREE_COMPILE_FLAGS there changes it) into <dir>/iree/model.vmfb.

IREE's Python runtime as its users call it: a Config for the "vulkan"
driver, the module loaded once (VmModule.mmap) into one SystemContext, and
its one synchronous entry point (the graph's name; not the "$async" one). A
call takes the input as a host numpy array and returns the output read back
into host memory, as a call of Kiln or ncnn does. DeviceArray.to_host() in
iree-base-runtime 3.13 fails on Vulkan (it imports a numpy buffer that is
not 4096-byte aligned, which the driver refuses), so the readback here is
the runtime's own other path: a host-visible staging buffer, queue_copy,
then map.

Checked, then timed, as Benchmarks/ncnn_bench.py describes: the first call
on test_data_set_0/input_0.pb must match output_0.pb (bench_common.matches),
else the line says "wrong output" and nothing is timed; then `--runs` calls
on `kilnc bench`'s input fill after `--warmup` untimed ones.
--threads is accepted and recorded; IREE's Vulkan driver has no CPU threads
to set.

Prints one JSON line with the keys of `kilnc bench --json` plus "engine",
"mode", "status" ("ok" or "wrong output"), "max_error", "load_ms" (Config,
module and context creation), "first_call_ms" (the first call, on the
reference input; on lavapipe this is where most pipelines are compiled) and
"iree_version"; "device" names the Vulkan device. Progress ("step: ...")
goes to standard error; with STEP_TIMEOUT=S in the environment, a step that
runs longer than S seconds ends the process, even inside a native call (exit
status 1, faulthandler's "Timeout (h:mm:ss)!" and a traceback on standard
error).

Usage: iree_bench.py <dir>/model.onnx [--runs N] [--warmup N]
"""

import faulthandler
import sys
import time
from importlib.metadata import version
from pathlib import Path

import iree.runtime as rt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import arguments, input_values, matches, read_tensor, report, step, time_calls  # noqa: E402

def to_host(device, array):
    """The output in host memory: copied into a mappable staging buffer, then mapped."""
    view = array._buffer_view
    source = view.get_buffer()
    staging = device.allocator.allocate_buffer(
        memory_type=int(rt.MemoryType.HOST_LOCAL | rt.MemoryType.DEVICE_VISIBLE),
        allowed_usage=int(rt.BufferUsage.TRANSFER_TARGET | rt.BufferUsage.MAPPING_SCOPED),
        allocation_size=source.byte_length(),
    )
    semaphore = device.create_semaphore(0)
    device.queue_copy(source, staging, wait_semaphores=rt.HalFence.create_at(semaphore, 0),
                      signal_semaphores=rt.HalFence.create_at(semaphore, 1))
    rt.HalFence.create_at(semaphore, 1).wait()
    dtype = rt.HalElementType.map_to_dtype(view.element_type)
    return np.array(staging.map().asarray(view.shape, dtype))


def main():
    args = arguments(__doc__, "accepted and recorded; the Vulkan driver has none")
    model = Path(args.model)
    vmfb = model.parent / "iree" / "model.vmfb"
    data = model.parent / "test_data_set_0"

    step("load")
    start = time.perf_counter()
    config = rt.Config("vulkan")
    module = rt.VmModule.mmap(config.vm_instance, str(vmfb))
    context = rt.SystemContext(config=config, vm_modules=[module])
    entries = [n for n in module.function_names if not n.startswith("__") and not n.endswith("$async")]
    if len(entries) != 1:
        sys.exit(f"iree_bench: expected one entry point in {vmfb}, found {entries}")
    function = context.modules[module.name][entries[0]]
    load_ms = (time.perf_counter() - start) * 1e3

    def call(x):
        return to_host(config.device, function(x))

    step("first call")
    x = np.ascontiguousarray(read_tensor(data / "input_0.pb"))
    want = read_tensor(data / "output_0.pb")
    start = time.perf_counter()
    got = call(x)
    first_ms = (time.perf_counter() - start) * 1e3

    step("check")
    ok, max_error = matches(got, want) if got.shape == want.shape else (False, float("inf"))
    names = [d["name"] for d in rt.get_driver("vulkan").query_available_devices()]
    extra = dict(device=f"vulkan ({names[0] if names else 'unknown'})", first_call_ms=first_ms,
                 iree_version=version("iree-base-runtime"), load_ms=load_ms, max_error=max_error,
                 mode="invoke+readback")
    if not ok:
        faulthandler.cancel_dump_traceback_later()
        report("iree", args, [], status="wrong output", **extra)
        return

    step("timed runs")
    fill = input_values(x.shape, np.float32)
    samples = time_calls(lambda: call(fill), args.runs, args.warmup)
    faulthandler.cancel_dump_traceback_later()
    report("iree", args, samples, status="ok", **extra)


if __name__ == "__main__":
    main()
