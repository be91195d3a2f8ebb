// Finding Vulkan devices without linking libvulkan: the loader is opened
// with dlopen at run time (KILN_VULKAN_LOADER names another file, for tests),
// so a binary runs where Vulkan is absent and learns why instead of failing
// to start. Built only where the Vulkan headers were present at build time.
#ifndef KILN_VULKAN_H
#define KILN_VULKAN_H

#include <stddef.h>
#include <stdint.h>

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
} KilnVulkanDevice;

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

#ifdef __cplusplus
}
#endif

#endif
