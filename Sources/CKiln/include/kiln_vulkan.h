// Finding Vulkan devices without linking libvulkan: the loader is opened
// with dlopen at run time (KILN_VULKAN_LOADER names another file, for tests),
// so a binary runs where Vulkan is absent and learns why instead of failing
// to start. Built only where the Vulkan headers were present at build time.
#ifndef KILN_VULKAN_H
#define KILN_VULKAN_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of device, as VkPhysicalDeviceType numbers them.
enum {
  KILN_VULKAN_OTHER = 0,
  KILN_VULKAN_INTEGRATED_GPU = 1,
  KILN_VULKAN_DISCRETE_GPU = 2,
  KILN_VULKAN_VIRTUAL_GPU = 3,
  KILN_VULKAN_CPU = 4,
};

/// One physical device.
typedef struct KilnVulkanDevice {
  char name[256];
  uint32_t type;        ///< KILN_VULKAN_*.
  uint32_t apiVersion;  ///< VK_MAKE_API_VERSION packing.
  uint32_t vendorID;
  uint32_t deviceID;
  /// 1 when it runs subgroup arithmetic in compute shaders (optional in
  /// Vulkan 1.1): the executor then takes the shaders' subgroup variants.
  uint32_t subgroupArithmetic;
  /// 1 when it computes in float64 in shaders (shaderFloat64, optional):
  /// a model whose shaders compute in float64 runs only on such a device.
  uint32_t shaderFloat64;
} KilnVulkanDevice;

/// Memory properties, as VkMemoryPropertyFlagBits numbers them.
enum {
  KILN_VULKAN_DEVICE_LOCAL = 1,
  KILN_VULKAN_HOST_VISIBLE = 2,
  KILN_VULKAN_HOST_COHERENT = 4,
  KILN_VULKAN_HOST_CACHED = 8,
};

/// The memory an executor makes its arena in on a device of kind `type`
/// (KILN_VULKAN_*), most wanted first: writes up to 3 sets of memory
/// properties (KILN_VULKAN_DEVICE_LOCAL ...) to `preferences` and returns
/// how many. Where the chosen memory is host visible the host maps the
/// arena; otherwise it stages. Uncached host-visible memory is taken only
/// on devices that share the host's memory (integrated GPUs, CPU devices):
/// on any other it is the device's own memory behind a PCIe window
/// (resizable BAR), write-combined, so reading outputs and every call the
/// CPU takes over would run on uncached memory, and after a device loss,
/// when the CPU redoes the call from the arena, its contents are undefined.
uint32_t kiln_vulkan_arena_memory(uint32_t type, uint32_t preferences[3]);

/// 1 when the host maps an arena made in memory with properties `flags` on
/// a device of kind `type`: the memory is host visible and has every
/// property of one of kiln_vulkan_arena_memory's host-visible preferences.
/// (A device whose only device-local memory is host visible, uncached, gets
/// its arena there and stages it all the same.)
int32_t kiln_vulkan_arena_mappable(uint32_t type, uint32_t flags);

/// Fills up to `capacity` devices and returns how many there are (possibly
/// more than `capacity`), or -1 with a sentence in `error` saying why
/// Vulkan cannot be used (no loader, no driver, no Vulkan 1.1, or a
/// runtime built without the Vulkan headers).
int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize);

/// Runs one compute shader once on the best device, for checks and tests
/// (the executor of compiled models builds its pipelines once and reuses
/// them): SPIR-V `code` (`codeSize` bytes, entry point "main") with storage
/// buffers at bindings 0 ..< `bufferCount` of set 0, each `bufferBytes[i]`
/// long and copied in from and back out to `buffers[i]`, `pushSize` bytes of
/// push constants, over `groups` workgroups in x. Returns 0, or -1 with a
/// sentence in `error`; `deviceName` (256 bytes) gets the device used.
int32_t kiln_vulkan_run_once(
    const uint32_t *code, size_t codeSize, void *const *buffers, const uint64_t *bufferBytes, uint32_t bufferCount,
    const void *push, uint32_t pushSize, uint32_t groups, char *deviceName, char *error, size_t errorSize);

/// What runs a compiled model's Vulkan build (`KilnModelDescriptor.vulkan`)
/// on one device: everything is made once when it is created (device,
/// queue, the arena and weights buffers, a pipeline per executable, the
/// descriptor set, and one command buffer recorded with every dispatch, and
/// the same again per slot of pipelined calls), so a call is one queue
/// submit and one fence wait.
typedef struct KilnVulkanExecutor KilnVulkanExecutor;

/// How many slots of pipelined calls an executor has: while the device runs
/// the call of one slot, the host writes the next call's inputs into the
/// other, or reads the outputs of the call before from it.
#define KILN_VULKAN_SLOTS 2

/// kiln_vulkan_executor_create's flag: synchronous calls record a device
/// timestamp around every dispatch (kiln_vulkan_executor_timestamps).
#define KILN_VULKAN_PROFILE 1u

/// kiln_vulkan_executor_create's flag: the arena stays in device memory
/// and the host's view of it is a staging copy, as on discrete GPUs, even
/// where it would be mapped (the
/// KILN_VULKAN_STAGING environment variable does the same).
#define KILN_VULKAN_STAGED 2u

/// kiln_vulkan_executor_create's flag, for tests: the executor treats every
/// module with subgroup operations as rejected, as a driver that reports
/// subgroup arithmetic but cannot compile such modules would, so
/// dispatches fall back to their other form.
#define KILN_VULKAN_REJECT_SUBGROUPS 4u

/// Creates the executor of `model` (a descriptor whose executables are all
/// SPIR-V) on physical device `deviceIndex`, in the order the loader
/// enumerates them (as kiln_vulkan_devices fills them). Uploads the weights
/// blob, compiling its pipelines on a thread per core (at most 16 and one per
/// pipeline; KILN_VULKAN_COMPILE_THREADS=n in the environment: n), joined
/// before it returns. `flags`: KILN_VULKAN_* above. Returns null with a sentence in
/// `error` saying why it cannot (no loader, no driver, no such device, no
/// compute queue, out of memory, a shader the driver rejects).
KilnVulkanExecutor *kiln_vulkan_executor_create(
    const struct KilnModelDescriptor *model, uint32_t deviceIndex, uint32_t flags, char *error, size_t errorSize);

/// A profiling executor's timestamps of its last synchronous call, in
/// nanoseconds from the first: `*count` is the descriptor's dispatchCount + 1,
/// and dispatch i took stamps[i + 1] − stamps[i] on the device (about 0 for
/// one with no workgroups: two timestamps back to back). Null, with `*count` 0, without KILN_VULKAN_PROFILE or
/// where the device's queue writes no timestamps. Pipelined calls record
/// none. Valid until destroy; each synchronous call overwrites it.
const uint64_t *kiln_vulkan_executor_timestamps(const KilnVulkanExecutor *executor, uint32_t *count);

/// The arena as the host reads and writes it between calls (`arenaSize`
/// bytes, zeroed at creation, valid until destroy): write inputs here before
/// a call and read outputs after. It is the device's own memory, mapped,
/// where the memory kiln_vulkan_arena_memory prefers on the device is host
/// visible (integrated GPUs, CPU devices); otherwise a staging copy
/// whose inputs, state and outputs each call copies to and from the device.
/// With `KILN_VULKAN_STAGING=1` set at creation it is always the staging
/// copy (for tests: lavapipe would map).
void *kiln_vulkan_executor_arena(KilnVulkanExecutor *executor);

/// The workgroups dispatch `index` of `model` (the executor's descriptor)
/// runs on the executor's device: its workgroupCount or, where the shaders
/// take their CPU-device shapes, its cpuDeviceWorkgroupCount, trimmed to
/// the extent synchronous calls run at, multiplied out; 0 for an index past the table.
uint64_t kiln_vulkan_executor_workgroups(
    const KilnVulkanExecutor *executor, const struct KilnModelDescriptor *model, uint32_t index);

/// 1 when the arena is the device's memory mapped (a call copies nothing), 0 when it stages.
int32_t kiln_vulkan_executor_maps_arena(const KilnVulkanExecutor *executor);

/// The device's name (valid until destroy).
const char *kiln_vulkan_executor_device_name(const KilnVulkanExecutor *executor);

/// 1 when dispatches run their subgroup executables (the device does
/// subgroup arithmetic and its driver compiled them), 0 when the others.
int32_t kiln_vulkan_executor_subgroups(const KilnVulkanExecutor *executor);

/// Runs every dispatch once: one vkQueueSubmit of the recorded command
/// buffer and one fence wait. Returns 0, or -1 with a sentence in `error`
/// (a lost device, a timeout, or a pipelined call still in flight, which
/// shares the arena: wait for the pipelined calls first); after a failure
/// the executor must not run again.
int32_t kiln_vulkan_executor_run(KilnVulkanExecutor *executor, char *error, size_t errorSize);

/// Where input `index` (`isOutput` 0) or output `index` (`isOutput` 1)
/// lies in every slot, in bytes from its start: a slot holds each input's
/// bytes (`byteCount` of the descriptor's `inputs[i]`), then each
/// output's, in table order, each at the next offset that is a multiple of
/// 64. UINT64_MAX when there is no such input or output.
uint64_t kiln_vulkan_executor_slot_offset(const KilnVulkanExecutor *executor, uint32_t isOutput, uint32_t index);

/// Slot `slot` (0 ..< KILN_VULKAN_SLOTS) as the host reads and writes it
/// (zeroed at creation, valid until destroy), or null when there is no such
/// slot. Host memory the device copies from and to: write a call's inputs
/// here, submit it, and after the wait read its outputs here.
void *kiln_vulkan_executor_slot(KilnVulkanExecutor *executor, uint32_t slot);

/// Sets the extent of the model's bounded dim at which calls run: region 0
/// for synchronous calls (kiln_vulkan_executor_run), 1 + slot for the
/// pipelined calls of that slot (not in flight). Dispatches whose
/// workgroups hold items in order along an axis (the descriptor's
/// itemAxes) then run only the workgroups that hold items below it.
/// Returns 0 (also for a model without such dispatches, and for the extent
/// the region has already), or -1 with a sentence in `error`: no such
/// region, an extent outside 1 ... the bound, or the slot in flight.
int32_t kiln_vulkan_executor_extent(KilnVulkanExecutor *executor, uint32_t region, uint64_t extent, char *error,
                                    size_t errorSize);

/// kiln_vulkan_executor_submit's flag: first copy the state the host holds
/// (its view of the arena) into the device's arena, because a synchronous
/// call, a reset or a restore changed it since the last pipelined call.
/// Only with no call in flight; a mapped arena needs no copy and ignores it.
#define KILN_VULKAN_SUBMIT_STATE 1u

/// Starts a pipelined call and returns without waiting for it: one
/// vkQueueSubmit of the slot's recorded command buffer, which copies the
/// slot's inputs into the arena, runs every dispatch, copies the outputs
/// back into the slot and carries the state, as a synchronous call's host
/// does (into the device's arena, and the host's view of it). Both slots
/// may be in flight at once: calls run in the order submitted. The slot's
/// memory, and the arena (the state too), must be left alone until
/// kiln_vulkan_executor_wait returns. Returns 0, or -1 with a sentence in
/// `error`: no such slot, the slot already in flight (wait for it first),
/// KILN_VULKAN_SUBMIT_STATE with a call in flight, or an earlier failure.
int32_t kiln_vulkan_executor_submit(KilnVulkanExecutor *executor, uint32_t slot, uint32_t flags, char *error,
                                    size_t errorSize);

/// Waits for the call in flight in slot `slot`, after which its outputs are
/// in the slot and it may be submitted again. Returns 0, or -1 with a
/// sentence in `error`: no such slot, no call in flight in it, or what
/// kiln_vulkan_executor_run fails with (a lost device, a timeout), after
/// which the executor must not run again.
int32_t kiln_vulkan_executor_wait(KilnVulkanExecutor *executor, uint32_t slot, char *error, size_t errorSize);

/// For tests of what callers do when a device fails: after the next
/// `calls` calls (synchronous, or pipelined as each is waited for) finish,
/// the one after fails as a lost device does, and so does every call after
/// it. A call counted here still ran; its caller is told it did not.
void kiln_vulkan_executor_lose_device_after(KilnVulkanExecutor *executor, uint64_t calls);

/// Waits for the device to finish and frees everything the executor made. Null is ignored.
void kiln_vulkan_executor_destroy(KilnVulkanExecutor *executor);

#ifdef __cplusplus
}
#endif

#endif
