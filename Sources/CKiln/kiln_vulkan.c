// See kiln_vulkan.h. Every Vulkan entry point comes from the loader through
// vkGetInstanceProcAddr; nothing here is linked against libvulkan.
//
// KILN_VULKAN_STAGING=1 in the environment makes an executor stage its arena
// (and upload its weights through a staging buffer) even where the device
// could map them, so that tests on lavapipe, which maps everything, reach
// the path discrete GPUs take.

// sched_getaffinity: the cores this process may run on (compile threads).
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "kiln_vulkan.h"

#include <stdio.h>
#include <string.h>

uint32_t kiln_vulkan_arena_memory(uint32_t type, uint32_t preferences[3]) {
  const uint32_t local = KILN_VULKAN_DEVICE_LOCAL;
  const uint32_t shared = KILN_VULKAN_HOST_VISIBLE | KILN_VULKAN_HOST_COHERENT;
  uint32_t count = 0;
  preferences[count++] = local | shared | KILN_VULKAN_HOST_CACHED;
  if (type == KILN_VULKAN_INTEGRATED_GPU || type == KILN_VULKAN_CPU) preferences[count++] = local | shared;
  preferences[count++] = local;
  return count;
}

int32_t kiln_vulkan_arena_mappable(uint32_t type, uint32_t flags) {
  uint32_t preferences[3];
  uint32_t count = kiln_vulkan_arena_memory(type, preferences);
  for (uint32_t index = 0; index < count; index++) {
    uint32_t wanted = preferences[index];
    if ((wanted & KILN_VULKAN_HOST_VISIBLE) && (flags & wanted) == wanted) return 1;
  }
  return 0;
}

#if __has_include(<vulkan/vulkan.h>) && !defined(KILN_WITHOUT_VULKAN_HEADERS)
#define VK_NO_PROTOTYPES
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

_Static_assert(KILN_VULKAN_DEVICE_LOCAL == VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT &&
                   KILN_VULKAN_HOST_VISIBLE == VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT &&
                   KILN_VULKAN_HOST_COHERENT == VK_MEMORY_PROPERTY_HOST_COHERENT_BIT &&
                   KILN_VULKAN_HOST_CACHED == VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
               "kiln_vulkan.h numbers memory properties as Vulkan does");

/// How long one submission may take before the device counts as hung: far
/// longer than any model runs, yet finite, so a hung GPU becomes an error.
#define KILN_VULKAN_TIMEOUT_SECONDS 600
/// The most threads that compile an executor's pipelines at load, and
/// the stack each gets (a driver's compiler may recurse deeply; some C
/// libraries give new threads far less than the main thread's).
#define KILN_VULKAN_MOST_COMPILE_THREADS 16
#define KILN_VULKAN_COMPILE_STACK (8u << 20)
/// The most buffers one KilnVulkan holds (run_once's limit on bindings).
#define KILN_VULKAN_BUFFERS 16
/// The most physical devices looked at.
#define KILN_VULKAN_MAX_DEVICES 64

/// The loader's vkGetInstanceProcAddr, or null with `error` set.
static PFN_vkGetInstanceProcAddr kiln_vulkan_loader(char *error, size_t errorSize) {
  const char *name = getenv("KILN_VULKAN_LOADER");
  if (name == NULL || name[0] == 0) name = "libvulkan.so.1";
  void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    const char *reason = dlerror();
    snprintf(error, errorSize, "the Vulkan loader %s cannot be opened (%s); install it (Debian: libvulkan1) and a driver",
             name, reason ? reason : "not found");
    return NULL;
  }
  PFN_vkGetInstanceProcAddr getProcAddr = (PFN_vkGetInstanceProcAddr)dlsym(library, "vkGetInstanceProcAddr");
  if (getProcAddr == NULL) {
    snprintf(error, errorSize, "%s has no vkGetInstanceProcAddr: not a Vulkan loader", name);
    dlclose(library);
    return NULL;
  }
  // The loader stays open: instances made later keep using its code.
  return getProcAddr;
}

/// A Vulkan 1.1 instance from the loader, or VK_NULL_HANDLE with `error`
/// saying why (no driver is the usual reason).
static VkInstance kiln_vulkan_instance(PFN_vkGetInstanceProcAddr getProcAddr, char *error, size_t errorSize) {
  PFN_vkCreateInstance createInstance = (PFN_vkCreateInstance)getProcAddr(NULL, "vkCreateInstance");
  if (createInstance == NULL) {
    snprintf(error, errorSize, "the Vulkan loader has no vkCreateInstance");
    return VK_NULL_HANDLE;
  }
  VkApplicationInfo application = {
      .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
      .pApplicationName = "Kiln",
      .pEngineName = "Kiln",
      .apiVersion = VK_API_VERSION_1_1,
  };
  VkInstanceCreateInfo info = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &application};
  VkInstance instance = VK_NULL_HANDLE;
  VkResult result = createInstance(&info, NULL, &instance);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER) {
    snprintf(error, errorSize,
             "no Vulkan 1.1 driver is installed (the loader found no ICD; Debian: mesa-vulkan-drivers, or the GPU vendor's driver)");
    return VK_NULL_HANDLE;
  }
  if (result != VK_SUCCESS) {
    snprintf(error, errorSize, "vkCreateInstance failed with VkResult %d", (int)result);
    return VK_NULL_HANDLE;
  }
  return instance;
}

/// One device and what run_once or an executor makes on it, kept together
/// so that one function (kiln_vulkan_close) destroys it in reverse whatever
/// step failed.
typedef struct KilnVulkan {
  PFN_vkGetInstanceProcAddr gipa;
  PFN_vkGetDeviceProcAddr gdpa;
  VkInstance instance;
  VkPhysicalDevice physical;
  VkPhysicalDeviceProperties properties;
  VkPhysicalDeviceMemoryProperties memoryProperties;
  uint32_t family;
  VkDevice device;
  VkQueue queue;
  // Looked up once: a call should not search the loader's tables.
  PFN_vkResetFences resetFences;
  PFN_vkQueueSubmit queueSubmit;
  PFN_vkWaitForFences waitForFences;
  VkBuffer buffers[KILN_VULKAN_BUFFERS];
  VkDeviceMemory memory[KILN_VULKAN_BUFFERS];
  void *mapped[KILN_VULKAN_BUFFERS];  ///< Set where the memory is host visible and coherent.
  VkMemoryPropertyFlags memoryFlags[KILN_VULKAN_BUFFERS];  ///< The properties of each buffer's memory.
  /// Read-only views of buffers 0 and 1 (the arena and the weights), bound
  /// after the storage buffers as uniform texel buffers: one float per
  /// texel (views 0 and 1), then four (views 2 and 3).
  VkBufferView views[4];
  uint32_t viewCount;
  /// Specialization constants 0, 1 and 2 of every pipeline (kiln_abi.h):
  /// whether views[0] and views[1] cover their whole buffer, and whether
  /// shaders take their CPU-device shapes (a few long rows on one invocation
  /// each rather than a workgroup each; products in register tiles).
  VkBool32 constants[3];
  /// Whether dispatches run their subgroup executables: the device does
  /// subgroup arithmetic in compute shaders (and KILN_VULKAN_SUBGROUPS is not 0).
  int subgroups;
  /// The KILN_VULKAN_NEEDS_* features the device was created with.
  uint32_t features;
  VkDescriptorSetLayout setLayout;
  VkPipelineLayout pipelineLayout;
  VkDescriptorPool descriptorPool;
  VkDescriptorSet set;
  VkPipelineCache cache;
  VkPipeline *pipelines;
  uint32_t pipelineCount;
  VkCommandPool commandPool;
  VkCommandBuffer commands;
  VkFence fence;
  /// An executor's pipelined calls (kiln_vulkan_executor_submit): a command
  /// buffer from the same pool, and a fence, per slot.
  VkCommandBuffer slotCommands[KILN_VULKAN_SLOTS];
  VkFence slotFences[KILN_VULKAN_SLOTS];
  /// A model with state, where the arena is not mapped: copies the host's
  /// state into the device's arena, submitted before a slot's commands.
  VkCommandBuffer stateCommands;
  /// A profiling executor's timestamps around every dispatch of the
  /// synchronous command buffer (null when not profiling).
  VkQueryPool queries;
} KilnVulkan;

#define KILN_INSTANCE_FN(name) PFN_##name name = (PFN_##name)vk->gipa(vk->instance, #name)
#define KILN_DEVICE_FN(name) PFN_##name name = (PFN_##name)vk->gdpa(vk->device, #name)

/// Returns -1 from the enclosing function, with `error` naming the call, when the call fails.
#define KILN_TRY(call, what)                                                        \
  do {                                                                              \
    VkResult checked = (call);                                                      \
    if (checked != VK_SUCCESS) {                                                    \
      snprintf(error, errorSize, "%s failed with VkResult %d", what, (int)checked); \
      return -1;                                                                    \
    }                                                                               \
  } while (0)

static void kiln_vulkan_free_buffer(KilnVulkan *vk, uint32_t which) {
  KILN_DEVICE_FN(vkDestroyBuffer);
  KILN_DEVICE_FN(vkFreeMemory);
  if (vk->buffers[which]) vkDestroyBuffer(vk->device, vk->buffers[which], NULL);
  // Freeing mapped memory unmaps it.
  if (vk->memory[which]) vkFreeMemory(vk->device, vk->memory[which], NULL);
  vk->buffers[which] = VK_NULL_HANDLE;
  vk->memory[which] = VK_NULL_HANDLE;
  vk->mapped[which] = NULL;
  vk->memoryFlags[which] = 0;
}

static void kiln_vulkan_close(KilnVulkan *vk) {
  if (vk->device) {
    KILN_DEVICE_FN(vkDeviceWaitIdle);
    KILN_DEVICE_FN(vkDestroyFence);
    KILN_DEVICE_FN(vkDestroyCommandPool);
    KILN_DEVICE_FN(vkDestroyPipeline);
    KILN_DEVICE_FN(vkDestroyPipelineCache);
    KILN_DEVICE_FN(vkDestroyDescriptorPool);
    KILN_DEVICE_FN(vkDestroyPipelineLayout);
    KILN_DEVICE_FN(vkDestroyDescriptorSetLayout);
    KILN_DEVICE_FN(vkDestroyBufferView);
    KILN_DEVICE_FN(vkDestroyDevice);
    vkDeviceWaitIdle(vk->device);
    if (vk->fence) vkDestroyFence(vk->device, vk->fence, NULL);
    for (uint32_t slot = 0; slot < KILN_VULKAN_SLOTS; slot++) {
      if (vk->slotFences[slot]) vkDestroyFence(vk->device, vk->slotFences[slot], NULL);
    }
    if (vk->commandPool) vkDestroyCommandPool(vk->device, vk->commandPool, NULL);
    if (vk->queries) {
      KILN_DEVICE_FN(vkDestroyQueryPool);
      vkDestroyQueryPool(vk->device, vk->queries, NULL);
    }
    for (uint32_t index = 0; vk->pipelines && index < vk->pipelineCount; index++) {
      if (vk->pipelines[index]) vkDestroyPipeline(vk->device, vk->pipelines[index], NULL);
    }
    if (vk->cache) vkDestroyPipelineCache(vk->device, vk->cache, NULL);
    if (vk->descriptorPool) vkDestroyDescriptorPool(vk->device, vk->descriptorPool, NULL);
    if (vk->pipelineLayout) vkDestroyPipelineLayout(vk->device, vk->pipelineLayout, NULL);
    if (vk->setLayout) vkDestroyDescriptorSetLayout(vk->device, vk->setLayout, NULL);
    for (uint32_t view = 0; view < 4; view++) {
      if (vk->views[view]) vkDestroyBufferView(vk->device, vk->views[view], NULL);
    }
    for (uint32_t which = KILN_VULKAN_BUFFERS; which-- > 0;) kiln_vulkan_free_buffer(vk, which);
    vkDestroyDevice(vk->device, NULL);
  }
  free(vk->pipelines);
  if (vk->instance) {
    KILN_INSTANCE_FN(vkDestroyInstance);
    if (vkDestroyInstance) vkDestroyInstance(vk->instance, NULL);
  }
  memset(vk, 0, sizeof *vk);
}

/// Opens the loader and an instance that has every instance function used here.
static int kiln_vulkan_start(KilnVulkan *vk, char *error, size_t errorSize) {
  vk->gipa = kiln_vulkan_loader(error, errorSize);
  if (vk->gipa == NULL) return -1;
  vk->instance = kiln_vulkan_instance(vk->gipa, error, errorSize);
  if (vk->instance == VK_NULL_HANDLE) return -1;
  static const char *const needed[] = {
      "vkDestroyInstance",        "vkEnumeratePhysicalDevices",
      "vkGetPhysicalDeviceProperties", "vkGetPhysicalDeviceQueueFamilyProperties",
      "vkGetPhysicalDeviceMemoryProperties", "vkCreateDevice",
      "vkGetDeviceProcAddr", "vkGetPhysicalDeviceFeatures",
  };
  for (size_t index = 0; index < sizeof needed / sizeof needed[0]; index++) {
    if (vk->gipa(vk->instance, needed[index]) == NULL) {
      snprintf(error, errorSize, "the Vulkan loader lacks %s, an instance function Kiln needs", needed[index]);
      return -1;
    }
  }
  vk->gdpa = (PFN_vkGetDeviceProcAddr)vk->gipa(vk->instance, "vkGetDeviceProcAddr");
  return 0;
}

/// How many physical devices there are (the first KILN_VULKAN_MAX_DEVICES
/// of them, in the loader's order, go to `handles`, `*listed` of them), or
/// -1 with `error` set.
static int64_t kiln_vulkan_list(KilnVulkan *vk, VkPhysicalDevice *handles, uint32_t *listed, char *error,
                                size_t errorSize) {
  KILN_INSTANCE_FN(vkEnumeratePhysicalDevices);
  uint32_t count = 0;
  *listed = 0;
  VkResult result = vkEnumeratePhysicalDevices(vk->instance, &count, NULL);
  if (result == VK_SUCCESS && count > 0) {
    *listed = count < KILN_VULKAN_MAX_DEVICES ? count : KILN_VULKAN_MAX_DEVICES;
    result = vkEnumeratePhysicalDevices(vk->instance, listed, handles);
    if (result == VK_INCOMPLETE) result = VK_SUCCESS;
  }
  if (result != VK_SUCCESS) {
    snprintf(error, errorSize, "vkEnumeratePhysicalDevices failed with VkResult %d", (int)result);
    return -1;
  }
  return count;
}

/// The KILN_VULKAN_NEEDS_* features device `handle` has. KILN_VULKAN_FLOAT64=0
/// hides shaderFloat64, so the tests reach a device without it on lavapipe.
static uint32_t kiln_vulkan_features(KilnVulkan *vk, VkPhysicalDevice handle) {
  KILN_INSTANCE_FN(vkGetPhysicalDeviceFeatures);
  VkPhysicalDeviceFeatures features;
  memset(&features, 0, sizeof features);
  vkGetPhysicalDeviceFeatures(handle, &features);
  const char *float64 = getenv("KILN_VULKAN_FLOAT64");
  int hidden = float64 != NULL && strcmp(float64, "0") == 0;
  return features.shaderFloat64 && !hidden ? KILN_VULKAN_NEEDS_FLOAT64 : 0;
}

/// Why a device cannot run Kiln's shaders, or a model's whose shaders need
/// the optional features `needs` (KILN_VULKAN_NEEDS_*), or null when it
/// can (then `*family` is a queue family with compute).
static const char *kiln_vulkan_unfit(KilnVulkan *vk, VkPhysicalDevice handle,
                                     const VkPhysicalDeviceProperties *properties, uint32_t needs, uint32_t *family) {
  KILN_INSTANCE_FN(vkGetPhysicalDeviceQueueFamilyProperties);
  // Kiln's SPIR-V is version 1.3, which needs a Vulkan 1.1 device.
  if (properties->apiVersion < VK_API_VERSION_1_1) return "supports only Vulkan 1.0; Kiln needs 1.1";
  if ((needs & KILN_VULKAN_NEEDS_FLOAT64) && !(kiln_vulkan_features(vk, handle) & KILN_VULKAN_NEEDS_FLOAT64)) {
    return "lacks shaderFloat64, which this model's float64 shaders need (the CPU runs float64 models everywhere)";
  }
  VkQueueFamilyProperties families[32];
  uint32_t count = 32;
  vkGetPhysicalDeviceQueueFamilyProperties(handle, &count, families);
  for (uint32_t index = 0; index < count; index++) {
    if (families[index].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      *family = index;
      return NULL;
    }
  }
  return "has no compute queue";
}

/// Opens device `deviceIndex` in the loader's order, or with -1 the best
/// by kind (discrete, integrated, virtual, CPU, other) that can run Kiln's
/// shaders and has the features `needs`, with one compute queue and every
/// KILN_VULKAN_NEEDS_* feature it has enabled.
static int kiln_vulkan_open(KilnVulkan *vk, int64_t deviceIndex, uint32_t needs, char *error, size_t errorSize) {
  if (kiln_vulkan_start(vk, error, errorSize) != 0) return -1;
  KILN_INSTANCE_FN(vkGetPhysicalDeviceProperties);
  KILN_INSTANCE_FN(vkGetPhysicalDeviceMemoryProperties);
  KILN_INSTANCE_FN(vkCreateDevice);
  VkPhysicalDevice handles[KILN_VULKAN_MAX_DEVICES];
  uint32_t listed = 0;
  int64_t count = kiln_vulkan_list(vk, handles, &listed, error, errorSize);
  if (count < 0) return -1;
  if (count == 0) {
    snprintf(error, errorSize, "no Vulkan device: the installed drivers see no hardware they support");
    return -1;
  }
  if (deviceIndex >= 0) {
    if (deviceIndex >= listed) {
      snprintf(error, errorSize, "there is no Vulkan device %lld: the loader lists %lld, numbered from 0",
               (long long)deviceIndex, (long long)count);
      return -1;
    }
    vkGetPhysicalDeviceProperties(handles[deviceIndex], &vk->properties);
    const char *unfit = kiln_vulkan_unfit(vk, handles[deviceIndex], &vk->properties, needs, &vk->family);
    if (unfit) {
      snprintf(error, errorSize, "Vulkan device %lld (%s) %s", (long long)deviceIndex, vk->properties.deviceName,
               unfit);
      return -1;
    }
    vk->physical = handles[deviceIndex];
  } else {
    static const int rank[] = {4, 1, 0, 2, 3};  // by VkPhysicalDeviceType: other, integrated, discrete, virtual, CPU
    int chosenRank = 99;
    for (uint32_t index = 0; index < listed; index++) {
      VkPhysicalDeviceProperties properties;
      vkGetPhysicalDeviceProperties(handles[index], &properties);
      int kind = (uint32_t)properties.deviceType <= 4 ? rank[properties.deviceType] : 4;
      uint32_t family = 0;
      if (kind < chosenRank && kiln_vulkan_unfit(vk, handles[index], &properties, needs, &family) == NULL) {
        vk->physical = handles[index];
        vk->properties = properties;
        vk->family = family;
        chosenRank = kind;
      }
    }
    if (vk->physical == VK_NULL_HANDLE) {
      snprintf(error, errorSize, (needs & KILN_VULKAN_NEEDS_FLOAT64)
                                     ? "no Vulkan device has Vulkan 1.1, a compute queue and shaderFloat64, which this "
                                       "model's float64 shaders need (the CPU runs float64 models everywhere)"
                                     : "no Vulkan device has both Vulkan 1.1 and a compute queue");
      return -1;
    }
  }
  vkGetPhysicalDeviceMemoryProperties(vk->physical, &vk->memoryProperties);
  float priority = 1;
  VkDeviceQueueCreateInfo queueInfo = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                       .queueFamilyIndex = vk->family,
                                       .queueCount = 1,
                                       .pQueuePriorities = &priority};
  vk->features = kiln_vulkan_features(vk, vk->physical);
  VkPhysicalDeviceFeatures enabled;
  memset(&enabled, 0, sizeof enabled);
  enabled.shaderFloat64 = (vk->features & KILN_VULKAN_NEEDS_FLOAT64) ? VK_TRUE : VK_FALSE;
  VkDeviceCreateInfo deviceInfo = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                                   .queueCreateInfoCount = 1,
                                   .pQueueCreateInfos = &queueInfo,
                                   .pEnabledFeatures = &enabled};
  KILN_TRY(vkCreateDevice(vk->physical, &deviceInfo, NULL, &vk->device), "vkCreateDevice");
  KILN_DEVICE_FN(vkGetDeviceQueue);
  vkGetDeviceQueue(vk->device, vk->family, 0, &vk->queue);
  vk->resetFences = (PFN_vkResetFences)vk->gdpa(vk->device, "vkResetFences");
  vk->queueSubmit = (PFN_vkQueueSubmit)vk->gdpa(vk->device, "vkQueueSubmit");
  vk->waitForFences = (PFN_vkWaitForFences)vk->gdpa(vk->device, "vkWaitForFences");
  return 0;
}

/// The first memory type among `allowed` (a bit per type) with every flag of `wanted`, or UINT32_MAX.
static uint32_t kiln_vulkan_memory_type(const KilnVulkan *vk, uint32_t allowed, VkMemoryPropertyFlags wanted) {
  for (uint32_t type = 0; type < vk->memoryProperties.memoryTypeCount; type++) {
    if ((allowed & (1u << type)) && (vk->memoryProperties.memoryTypes[type].propertyFlags & wanted) == wanted) {
      return type;
    }
  }
  return UINT32_MAX;
}

/// Makes buffer `which`, `size` bytes, in the first memory type it allows
/// with every flag of one of `preferences`, tried in order (the next one
/// also when a heap has no room left), mapped where that memory is host
/// visible and coherent. `what` names the buffer in errors.
static int kiln_vulkan_buffer(KilnVulkan *vk, uint32_t which, VkDeviceSize size, VkBufferUsageFlags usage,
                              const VkMemoryPropertyFlags *preferences, uint32_t preferenceCount, const char *what,
                              char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkCreateBuffer);
  KILN_DEVICE_FN(vkGetBufferMemoryRequirements);
  KILN_DEVICE_FN(vkAllocateMemory);
  KILN_DEVICE_FN(vkBindBufferMemory);
  KILN_DEVICE_FN(vkMapMemory);
  VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                             .size = size,
                             .usage = usage,
                             .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
  KILN_TRY(vkCreateBuffer(vk->device, &info, NULL, &vk->buffers[which]), "vkCreateBuffer");
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(vk->device, vk->buffers[which], &requirements);
  uint32_t type = UINT32_MAX;
  int typed = 0;
  VkResult result = VK_SUCCESS;
  for (uint32_t preference = 0; preference < preferenceCount && vk->memory[which] == VK_NULL_HANDLE; preference++) {
    type = kiln_vulkan_memory_type(vk, requirements.memoryTypeBits, preferences[preference]);
    if (type == UINT32_MAX) continue;
    typed = 1;
    VkMemoryAllocateInfo allocation = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = requirements.size, .memoryTypeIndex = type};
    result = vkAllocateMemory(vk->device, &allocation, NULL, &vk->memory[which]);
    if (result == VK_SUCCESS) break;
    vk->memory[which] = VK_NULL_HANDLE;
    if (result != VK_ERROR_OUT_OF_DEVICE_MEMORY && result != VK_ERROR_OUT_OF_HOST_MEMORY) break;
  }
  if (!typed) {
    snprintf(error, errorSize, "the Vulkan device has no memory type suitable for %s", what);
    return -1;
  }
  if (vk->memory[which] == VK_NULL_HANDLE) {
    snprintf(error, errorSize, "vkAllocateMemory failed for %s (%llu bytes) with VkResult %d", what,
             (unsigned long long)size, (int)result);
    return -1;
  }
  KILN_TRY(vkBindBufferMemory(vk->device, vk->buffers[which], vk->memory[which], 0), "vkBindBufferMemory");
  const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  vk->memoryFlags[which] = vk->memoryProperties.memoryTypes[type].propertyFlags;
  if ((vk->memoryFlags[which] & shared) == shared) {
    KILN_TRY(vkMapMemory(vk->device, vk->memory[which], 0, VK_WHOLE_SIZE, 0, &vk->mapped[which]), "vkMapMemory");
  }
  return 0;
}

/// The descriptor set with buffers 0 ..< `bindingCount` as storage buffers
/// at the same bindings of set 0, then `vk->views` (vk->viewCount of them)
/// as uniform texel buffers at the next bindings, and a pipeline layout with
/// `pushSize` bytes of push constants.
static int kiln_vulkan_layout(KilnVulkan *vk, uint32_t bindingCount, uint32_t pushSize, char *error,
                              size_t errorSize) {
  KILN_DEVICE_FN(vkCreateDescriptorSetLayout);
  KILN_DEVICE_FN(vkCreatePipelineLayout);
  KILN_DEVICE_FN(vkCreateDescriptorPool);
  KILN_DEVICE_FN(vkAllocateDescriptorSets);
  KILN_DEVICE_FN(vkUpdateDescriptorSets);
  const uint32_t total = bindingCount + vk->viewCount;
  VkDescriptorSetLayoutBinding bindings[KILN_VULKAN_BUFFERS + 4];
  VkDescriptorBufferInfo bufferInfos[KILN_VULKAN_BUFFERS];
  VkWriteDescriptorSet writes[KILN_VULKAN_BUFFERS + 4];
  for (uint32_t index = 0; index < total; index++) {
    bindings[index] = (VkDescriptorSetLayoutBinding){
        .binding = index,
        .descriptorType =
            index < bindingCount ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
  }
  VkDescriptorSetLayoutCreateInfo setLayoutInfo = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                                   .bindingCount = total,
                                                   .pBindings = bindings};
  KILN_TRY(vkCreateDescriptorSetLayout(vk->device, &setLayoutInfo, NULL, &vk->setLayout),
           "vkCreateDescriptorSetLayout");
  VkPushConstantRange range = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = pushSize};
  VkPipelineLayoutCreateInfo layoutInfo = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                           .setLayoutCount = 1,
                                           .pSetLayouts = &vk->setLayout,
                                           .pushConstantRangeCount = pushSize ? 1 : 0,
                                           .pPushConstantRanges = &range};
  KILN_TRY(vkCreatePipelineLayout(vk->device, &layoutInfo, NULL, &vk->pipelineLayout), "vkCreatePipelineLayout");
  // A pool size must count at least one descriptor, even for a set with none.
  VkDescriptorPoolSize poolSizes[2] = {
      {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = bindingCount ? bindingCount : 1},
      {.type = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, .descriptorCount = vk->viewCount}};
  VkDescriptorPoolCreateInfo poolInfo = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                         .maxSets = 1,
                                         .poolSizeCount = vk->viewCount ? 2 : 1,
                                         .pPoolSizes = poolSizes};
  KILN_TRY(vkCreateDescriptorPool(vk->device, &poolInfo, NULL, &vk->descriptorPool), "vkCreateDescriptorPool");
  VkDescriptorSetAllocateInfo setInfo = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                         .descriptorPool = vk->descriptorPool,
                                         .descriptorSetCount = 1,
                                         .pSetLayouts = &vk->setLayout};
  KILN_TRY(vkAllocateDescriptorSets(vk->device, &setInfo, &vk->set), "vkAllocateDescriptorSets");
  for (uint32_t index = 0; index < total; index++) {
    writes[index] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                           .dstSet = vk->set,
                                           .dstBinding = index,
                                           .descriptorCount = 1};
    if (index < bindingCount) {
      bufferInfos[index] = (VkDescriptorBufferInfo){.buffer = vk->buffers[index], .offset = 0, .range = VK_WHOLE_SIZE};
      writes[index].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[index].pBufferInfo = &bufferInfos[index];
    } else {
      writes[index].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      writes[index].pTexelBufferView = &vk->views[index - bindingCount];
    }
  }
  vkUpdateDescriptorSets(vk->device, total, writes, 0, NULL);
  return 0;
}

/// vk->views: float views of the arena and the weights (R32_SFLOAT, then
/// R32G32B32A32_SFLOAT, whose uniform-texel-buffer use every device
/// supports), each covering as much of its buffer as the device lets one
/// view cover. constants[0] and [1] say whether the float views cover their buffers;
/// a four-float view then does too (it needs a quarter of the texels).
static int kiln_vulkan_views(KilnVulkan *vk, const VkDeviceSize bytes[2], char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkCreateBufferView);
  VkDeviceSize texels = vk->properties.limits.maxTexelBufferElements;
  // Tests reach the storage-buffer reads of devices with short views (the
  // spec's minimum is 65536 texels) on lavapipe, which allows 128 Mi.
  const char *limit = getenv("KILN_VULKAN_TEXEL_LIMIT");
  if (limit != NULL && limit[0] != 0) {
    unsigned long long requested = strtoull(limit, NULL, 10);
    if (requested < texels) texels = requested;
  }
  // A view of no texels is invalid; one texel covers nothing that matters.
  if (texels < 1) texels = 1;
  for (uint32_t view = 0; view < 4; view++) {
    VkDeviceSize texelBytes = view < 2 ? 4 : 16;
    VkDeviceSize most = texels * texelBytes;
    // The buffers are whole four-float texels, at least one (kiln_executor_build).
    VkDeviceSize range = bytes[view % 2] / texelBytes * texelBytes;
    VkBufferViewCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                                   .buffer = vk->buffers[view % 2],
                                   .format = view < 2 ? VK_FORMAT_R32_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT,
                                   .offset = 0,
                                   .range = range < most ? range : most};
    KILN_TRY(vkCreateBufferView(vk->device, &info, NULL, &vk->views[view]), "vkCreateBufferView");
    if (view < 2) vk->constants[view] = range <= most;
  }
  vk->viewCount = 4;
  return 0;
}

/// Room for `count` pipelines, made by kiln_vulkan_pipeline.
static int kiln_vulkan_reserve(KilnVulkan *vk, uint32_t count, char *error, size_t errorSize) {
  vk->pipelines = calloc(count ? count : 1, sizeof *vk->pipelines);
  if (vk->pipelines == NULL) {
    snprintf(error, errorSize, "out of memory for %u Vulkan pipelines", count);
    return -1;
  }
  vk->pipelineCount = count;
  return 0;
}

/// Compute pipeline `index` from `codeSize` bytes of SPIR-V (entry point
/// "main"), through the pipeline cache when there is one; `name` says
/// whose code it is in errors.
static int kiln_vulkan_pipeline(KilnVulkan *vk, uint32_t index, const void *code, size_t codeSize, const char *name,
                                char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkCreateShaderModule);
  KILN_DEVICE_FN(vkDestroyShaderModule);
  KILN_DEVICE_FN(vkCreateComputePipelines);
  // Vulkan reads the code as 32-bit words; a descriptor's bytes need not be aligned for that.
  void *aligned = NULL;
  if (((uintptr_t)code & 3) != 0) {
    aligned = malloc(codeSize);
    if (aligned == NULL) {
      snprintf(error, errorSize, "out of memory copying the SPIR-V of '%s' (%zu bytes)", name, codeSize);
      return -1;
    }
    memcpy(aligned, code, codeSize);
    code = aligned;
  }
  VkShaderModuleCreateInfo shaderInfo = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = codeSize, .pCode = (const uint32_t *)code};
  VkShaderModule shader = VK_NULL_HANDLE;
  VkResult result = vkCreateShaderModule(vk->device, &shaderInfo, NULL, &shader);
  free(aligned);
  if (result != VK_SUCCESS) {
    snprintf(error, errorSize, "vkCreateShaderModule failed for '%s' with VkResult %d", name, (int)result);
    return -1;
  }
  // Shaders without the constants ignore them.
  const VkSpecializationMapEntry entries[3] = {
      {.constantID = 0, .offset = 0, .size = sizeof(VkBool32)},
      {.constantID = 1, .offset = sizeof(VkBool32), .size = sizeof(VkBool32)},
      {.constantID = 2, .offset = 2 * sizeof(VkBool32), .size = sizeof(VkBool32)}};
  const VkSpecializationInfo specialization = {
      .mapEntryCount = 3, .pMapEntries = entries, .dataSize = sizeof vk->constants, .pData = vk->constants};
  VkComputePipelineCreateInfo pipelineInfo = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = shader,
                .pName = "main",
                .pSpecializationInfo = &specialization},
      .layout = vk->pipelineLayout};
  result = vkCreateComputePipelines(vk->device, vk->cache, 1, &pipelineInfo, NULL, &vk->pipelines[index]);
  // The pipeline keeps what it needs of the module.
  vkDestroyShaderModule(vk->device, shader, NULL);
  if (result != VK_SUCCESS) {
    vk->pipelines[index] = VK_NULL_HANDLE;
    snprintf(error, errorSize, "vkCreateComputePipelines failed for '%s' with VkResult %d", name, (int)result);
    return -1;
  }
  return 0;
}

/// The command pool, its one command buffer (which can be recorded again)
/// and the fence a submission signals.
static int kiln_vulkan_commands(KilnVulkan *vk, char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkCreateCommandPool);
  KILN_DEVICE_FN(vkAllocateCommandBuffers);
  KILN_DEVICE_FN(vkCreateFence);
  VkCommandPoolCreateInfo poolInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                      .queueFamilyIndex = vk->family};
  KILN_TRY(vkCreateCommandPool(vk->device, &poolInfo, NULL, &vk->commandPool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo bufferInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                            .commandPool = vk->commandPool,
                                            .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                            .commandBufferCount = 1};
  KILN_TRY(vkAllocateCommandBuffers(vk->device, &bufferInfo, &vk->commands), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fenceInfo = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  KILN_TRY(vkCreateFence(vk->device, &fenceInfo, NULL, &vk->fence), "vkCreateFence");
  return 0;
}

/// Starts recording command buffer `commands` afresh, for any number of submissions.
static int kiln_vulkan_begin(KilnVulkan *vk, VkCommandBuffer commands, char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkBeginCommandBuffer);
  VkCommandBufferBeginInfo beginInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  KILN_TRY(vkBeginCommandBuffer(commands, &beginInfo), "vkBeginCommandBuffer");
  return 0;
}

static int kiln_vulkan_end(KilnVulkan *vk, VkCommandBuffer commands, char *error, size_t errorSize) {
  KILN_DEVICE_FN(vkEndCommandBuffer);
  KILN_TRY(vkEndCommandBuffer(commands), "vkEndCommandBuffer");
  return 0;
}

/// Whether the opened device runs subgroup arithmetic (OpGroupNonUniformFAdd,
/// …) in compute shaders: optional in Vulkan 1.1, where only basic subgroup
/// operations are required.
static int kiln_vulkan_has_subgroup_arithmetic(KilnVulkan *vk, VkPhysicalDevice physical) {
  PFN_vkGetPhysicalDeviceProperties2 properties2 =
      (PFN_vkGetPhysicalDeviceProperties2)vk->gipa(vk->instance, "vkGetPhysicalDeviceProperties2");
  if (properties2 == NULL) return 0;
  VkPhysicalDeviceSubgroupProperties subgroup = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 properties = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &subgroup};
  properties2(physical, &properties);
  const VkSubgroupFeatureFlags needed = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
  return (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) && (subgroup.supportedOperations & needed) == needed;
}

/// The executable `dispatch` runs on this device: its subgroup one where the device takes it.
static uint32_t kiln_vulkan_executable(const KilnVulkan *vk, const KilnDispatchDescriptor *dispatch) {
  return vk->subgroups && dispatch->subgroupExecutable >= 0 ? (uint32_t)dispatch->subgroupExecutable
                                                              : dispatch->executable;
}

/// The vkCmdDispatch counts of `dispatch` in the shapes specialization constant 2 picks.
static const uint32_t *kiln_vulkan_groups(const KilnVulkan *vk, const KilnDispatchDescriptor *dispatch) {
  return vk->constants[2] ? dispatch->cpuDeviceWorkgroupCount : dispatch->workgroupCount;
}

/// The workgroup axis + 1 along which `dispatch`'s counts shrink with the
/// extent, in the shapes specialization constant 2 picks; 0 where they do not.
static uint32_t kiln_vulkan_item_axis(const KilnVulkan *vk, const KilnDispatchDescriptor *dispatch) {
  if (dispatch->itemDim < 0) return 0;
  return (vk->constants[2] ? dispatch->itemAxes >> 8 : dispatch->itemAxes) & 0xff;
}

/// `dispatch`'s counts at `extent` items of `bound`: along its item axis,
/// the first ceil(count * extent / bound) workgroups, which hold every item below the extent.
static void kiln_vulkan_trimmed_groups(const KilnVulkan *vk, const KilnDispatchDescriptor *dispatch, uint64_t extent,
                                       uint64_t bound, uint32_t counts[3]) {
  const uint32_t *groups = kiln_vulkan_groups(vk, dispatch);
  for (int axis = 0; axis < 3; axis++) counts[axis] = groups[axis];
  uint32_t item = kiln_vulkan_item_axis(vk, dispatch);
  if (item == 0 || bound == 0 || extent >= bound) return;
  // A count is below 2^32 and an extent below the bound: the product fits in 64 bits.
  counts[item - 1] = (uint32_t)(((uint64_t)groups[item - 1] * extent + bound - 1) / bound);
}

/// Records in `commands` that the accesses `accessed` of stages `to` wait
/// for, and see, the writes `written` of stages `from` (in this or an
/// earlier submission).
static void kiln_vulkan_barrier(KilnVulkan *vk, VkCommandBuffer commands, VkPipelineStageFlags from,
                                VkAccessFlags written, VkPipelineStageFlags to, VkAccessFlags accessed) {
  KILN_DEVICE_FN(vkCmdPipelineBarrier);
  VkMemoryBarrier barrier = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER, .srcAccessMask = written, .dstAccessMask = accessed};
  vkCmdPipelineBarrier(commands, from, to, 0, 1, &barrier, 0, NULL, 0, NULL);
}

/// Records in `commands` a copy of `bytes` bytes from offset `fromOffset`
/// of buffer `from` to offset `toOffset` of buffer `to`.
static void kiln_vulkan_copy(KilnVulkan *vk, VkCommandBuffer commands, uint32_t from, uint64_t fromOffset, uint32_t to,
                             uint64_t toOffset, uint64_t bytes) {
  KILN_DEVICE_FN(vkCmdCopyBuffer);
  if (bytes == 0) return;
  VkBufferCopy region = {.srcOffset = fromOffset, .dstOffset = toOffset, .size = bytes};
  vkCmdCopyBuffer(commands, vk->buffers[from], vk->buffers[to], 1, &region);
}

/// Submits `commands` to signal `fence`, which it resets first. Allocates
/// and creates nothing.
static int kiln_vulkan_send(KilnVulkan *vk, const VkCommandBuffer *commands, uint32_t count, VkFence fence,
                            char *error, size_t errorSize) {
  KILN_TRY(vk->resetFences(vk->device, 1, &fence), "vkResetFences");
  VkSubmitInfo submit = {
      .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = count, .pCommandBuffers = commands};
  KILN_TRY(vk->queueSubmit(vk->queue, 1, &submit, fence), "vkQueueSubmit");
  return 0;
}

/// Waits for `fence`, at most KILN_VULKAN_TIMEOUT_SECONDS. Allocates and creates nothing.
static int kiln_vulkan_wait(KilnVulkan *vk, VkFence fence, char *error, size_t errorSize) {
  VkResult result =
      vk->waitForFences(vk->device, 1, &fence, VK_TRUE, (uint64_t)KILN_VULKAN_TIMEOUT_SECONDS * 1000000000u);
  if (result == VK_TIMEOUT) {
    snprintf(error, errorSize, "the Vulkan device %s did not finish within %d seconds (vkWaitForFences timed out)",
             vk->properties.deviceName, KILN_VULKAN_TIMEOUT_SECONDS);
    return -1;
  }
  if (result == VK_ERROR_DEVICE_LOST) {
    snprintf(error, errorSize, "the Vulkan device %s was lost (vkWaitForFences failed with VkResult %d)",
             vk->properties.deviceName, (int)result);
    return -1;
  }
  KILN_TRY(result, "vkWaitForFences");
  return 0;
}

/// Submits the command buffer and waits for it, at most
/// KILN_VULKAN_TIMEOUT_SECONDS. Allocates and creates nothing.
static int kiln_vulkan_submit(KilnVulkan *vk, char *error, size_t errorSize) {
  if (kiln_vulkan_send(vk, &vk->commands, 1, vk->fence, error, errorSize) != 0) return -1;
  return kiln_vulkan_wait(vk, vk->fence, error, errorSize);
}

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  KilnVulkan storage;
  memset(&storage, 0, sizeof storage);
  KilnVulkan *vk = &storage;
  int64_t count = -1;
  if (kiln_vulkan_start(vk, error, errorSize) == 0) {
    KILN_INSTANCE_FN(vkGetPhysicalDeviceProperties);
    VkPhysicalDevice handles[KILN_VULKAN_MAX_DEVICES];
    uint32_t listed = 0;
    count = kiln_vulkan_list(vk, handles, &listed, error, errorSize);
    for (uint32_t index = 0; index < listed && index < capacity; index++) {
      VkPhysicalDeviceProperties found;
      vkGetPhysicalDeviceProperties(handles[index], &found);
      KilnVulkanDevice *device = &devices[index];
      memset(device, 0, sizeof *device);
      snprintf(device->name, sizeof device->name, "%s", found.deviceName);
      device->type = (uint32_t)found.deviceType;
      device->apiVersion = found.apiVersion;
      device->vendorID = found.vendorID;
      device->deviceID = found.deviceID;
      // VkPhysicalDeviceSubgroupProperties is Vulkan 1.1's (Kiln refuses 1.0 devices anyway).
      device->subgroupArithmetic =
          found.apiVersion >= VK_API_VERSION_1_1 ? (uint32_t)kiln_vulkan_has_subgroup_arithmetic(vk, handles[index]) : 0;
      device->shaderFloat64 = (kiln_vulkan_features(vk, handles[index]) & KILN_VULKAN_NEEDS_FLOAT64) ? 1 : 0;
    }
  }
  kiln_vulkan_close(vk);
  if (count < 0) return -1;
  return (int32_t)(count > INT32_MAX ? INT32_MAX : count);
}

/// run_once up to its result, leaving what it made in `vk` for the caller to close.
static int kiln_once(KilnVulkan *vk, const uint32_t *code, size_t codeSize, void *const *buffers,
                     const uint64_t *bufferBytes, uint32_t bufferCount, const void *push, uint32_t pushSize,
                     uint32_t groups, char *deviceName, char *error, size_t errorSize) {
  if (bufferCount > KILN_VULKAN_BUFFERS || codeSize == 0 || codeSize % 4 != 0) {
    snprintf(error, errorSize, "at most %d buffers and whole SPIR-V words, got %u buffers and %zu bytes",
             KILN_VULKAN_BUFFERS, bufferCount, codeSize);
    return -1;
  }
  if (kiln_vulkan_open(vk, -1, 0, error, errorSize) != 0) return -1;
  snprintf(deviceName, 256, "%s", vk->properties.deviceName);
  const VkPhysicalDeviceLimits *limits = &vk->properties.limits;
  if (pushSize > limits->maxPushConstantsSize || bufferCount > limits->maxPerStageDescriptorStorageBuffers ||
      groups > limits->maxComputeWorkGroupCount[0]) {
    snprintf(error, errorSize,
             "%s takes at most %u bytes of push constants, %u storage buffers and %u workgroups along x; "
             "got %u bytes, %u buffers and %u workgroups",
             vk->properties.deviceName, limits->maxPushConstantsSize, limits->maxPerStageDescriptorStorageBuffers,
             limits->maxComputeWorkGroupCount[0], pushSize, bufferCount, groups);
    return -1;
  }
  // Host-visible, coherent buffers: the inputs are written and the outputs read through the mapping.
  static const VkMemoryPropertyFlags shared =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t index = 0; index < bufferCount; index++) {
    VkDeviceSize size = bufferBytes[index] ? bufferBytes[index] : 4;
    if (kiln_vulkan_buffer(vk, index, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, &shared, 1,
                           "a host-visible storage buffer", error, errorSize) != 0) {
      return -1;
    }
    if (bufferBytes[index]) memcpy(vk->mapped[index], buffers[index], bufferBytes[index]);
  }
  if (kiln_vulkan_layout(vk, bufferCount, pushSize, error, errorSize) != 0) return -1;
  if (kiln_vulkan_reserve(vk, 1, error, errorSize) != 0) return -1;
  if (kiln_vulkan_pipeline(vk, 0, code, codeSize, "the shader", error, errorSize) != 0) return -1;
  if (kiln_vulkan_commands(vk, error, errorSize) != 0 || kiln_vulkan_begin(vk, vk->commands, error, errorSize) != 0) {
    return -1;
  }
  KILN_DEVICE_FN(vkCmdBindPipeline);
  KILN_DEVICE_FN(vkCmdBindDescriptorSets);
  KILN_DEVICE_FN(vkCmdPushConstants);
  KILN_DEVICE_FN(vkCmdDispatch);
  vkCmdBindPipeline(vk->commands, VK_PIPELINE_BIND_POINT_COMPUTE, vk->pipelines[0]);
  vkCmdBindDescriptorSets(vk->commands, VK_PIPELINE_BIND_POINT_COMPUTE, vk->pipelineLayout, 0, 1, &vk->set, 0, NULL);
  if (pushSize) vkCmdPushConstants(vk->commands, vk->pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize, push);
  vkCmdDispatch(vk->commands, groups, 1, 1);
  // A fence wait alone does not make the device's writes visible to the host.
  kiln_vulkan_barrier(vk, vk->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  if (kiln_vulkan_end(vk, vk->commands, error, errorSize) != 0 || kiln_vulkan_submit(vk, error, errorSize) != 0) {
    return -1;
  }
  for (uint32_t index = 0; index < bufferCount; index++) {
    if (bufferBytes[index]) memcpy(buffers[index], vk->mapped[index], bufferBytes[index]);
  }
  return 0;
}

int32_t kiln_vulkan_run_once(
    const uint32_t *code, size_t codeSize, void *const *buffers, const uint64_t *bufferBytes, uint32_t bufferCount,
    const void *push, uint32_t pushSize, uint32_t groups, char *deviceName, char *error, size_t errorSize) {
  KilnVulkan vk;
  memset(&vk, 0, sizeof vk);
  int status = kiln_once(&vk, code, codeSize, buffers, bufferBytes, bufferCount, push, pushSize, groups, deviceName,
                         error, errorSize);
  kiln_vulkan_close(&vk);
  return status;
}

/// An executor's buffers, by index in KilnVulkan: the first two are the shaders' bindings.
enum {
  KILN_ARENA = 0,
  KILN_WEIGHTS = 1,
  KILN_STAGING = 2,  ///< The host's copy of the arena, where the device's is not mapped.
  KILN_UPLOAD = 3,   ///< The weights on their way to the device, while the executor is created.
  KILN_SLOT = 4,     ///< The first of KILN_VULKAN_SLOTS host buffers of pipelined calls' inputs and outputs.
  /// The workgroup counts of dispatches trimmed to the extent: a region for
  /// synchronous calls, then one per slot (each call's own extent).
  KILN_INDIRECT = KILN_SLOT + KILN_VULKAN_SLOTS,
};

_Static_assert(KILN_INDIRECT < KILN_VULKAN_BUFFERS, "KilnVulkan holds every buffer of an executor");

/// Regions of the KILN_INDIRECT buffer: synchronous calls, then the slots.
#define KILN_INDIRECT_REGIONS (1 + KILN_VULKAN_SLOTS)

struct KilnVulkanExecutor {
  KilnVulkan vk;
  int32_t mapsArena;
  void *arena;        ///< What the host reads and writes: the mapped arena or the staging copy.
  char failure[256];  ///< Why a run failed; every later run fails with it.
  /// kiln_vulkan_executor_lose_device_after: calls to finish before the
  /// device counts as lost (UINT64_MAX: never).
  uint64_t callsBeforeLoss;
  uint32_t inputCount;
  uint32_t outputCount;
  uint64_t *slotOffsets;  ///< Every input's offset in a slot, then every output's.
  /// The model has state: pipelined calls carry it in the device's arena,
  /// and copy it back to the host's after each call where the arena is not mapped.
  int32_t stateful;
  int32_t inFlight[KILN_VULKAN_SLOTS];  ///< Submitted and not yet waited for.
  /// A model with a bounded dim whose extent trims dispatches (itemAxes):
  /// its descriptor, the dim's bound, and the extent each region of the
  /// KILN_INDIRECT buffer holds the counts of.
  const KilnModelDescriptor *model;
  uint64_t bound;
  uint64_t extents[KILN_INDIRECT_REGIONS];
  /// Profiling: `stampCount` (dispatches + 1) timestamps of the last
  /// synchronous call as the device wrote them (`raw`, in ticks) and in
  /// nanoseconds from the first (`stamps`), read with `getResults`.
  uint32_t stampCount;
  uint64_t *raw;
  uint64_t *stamps;
  double nanosecondsPerTick;
  uint64_t tickMask;
  PFN_vkGetQueryPoolResults getResults;
};

static const char *kiln_name(const char *name) { return name ? name : "(unnamed)"; }

/// Whether `bytes` bytes at `offset` lie in the arena; otherwise `error` says which `kind` `name` does not.
static int kiln_executor_range(const KilnModelDescriptor *model, uint64_t offset, uint64_t bytes, const char *kind,
                               const char *name, char *error, size_t errorSize) {
  if (offset <= model->arenaSize && bytes <= model->arenaSize - offset) return 0;
  snprintf(error, errorSize, "%s '%s' (%llu bytes at offset %llu) lies outside the %llu-byte arena", kind,
           kiln_name(name), (unsigned long long)bytes, (unsigned long long)offset,
           (unsigned long long)model->arenaSize);
  return -1;
}

/// Checks what the descriptor alone can tell: tables, formats, indices, ranges.
static int kiln_executor_check(const KilnModelDescriptor *model, char *error, size_t errorSize) {
  if (model == NULL) {
    snprintf(error, errorSize, "no model descriptor was given to the Vulkan executor");
    return -1;
  }
  if (model->abiVersion != KILN_ABI_VERSION) {
    snprintf(error, errorSize, "the model descriptor has ABI version %u but this runtime reads version %u",
             model->abiVersion, KILN_ABI_VERSION);
    return -1;
  }
  if ((model->executableCount && model->executables == NULL) || (model->dispatchCount && model->dispatches == NULL) ||
      (model->inputCount && model->inputs == NULL) || (model->outputCount && model->outputs == NULL) ||
      (model->stateCount && model->states == NULL)) {
    snprintf(error, errorSize, "the model descriptor has a null table with a nonzero count");
    return -1;
  }
  for (uint32_t index = 0; index < model->executableCount; index++) {
    const KilnExecutableDescriptor *executable = &model->executables[index];
    if (executable->format != KILN_EXECUTABLE_SPIRV) {
      snprintf(error, errorSize,
               "executable %u '%s' has format %u, not SPIR-V (%u): the Vulkan executor needs the model's Vulkan build",
               index, kiln_name(executable->name), executable->format, (unsigned)KILN_EXECUTABLE_SPIRV);
      return -1;
    }
    if (executable->deviceFeatures & ~(uint32_t)KILN_VULKAN_NEEDS_FLOAT64) {
      snprintf(error, errorSize, "executable %u '%s' needs device features 0x%x, which this runtime does not know", index,
               kiln_name(executable->name), executable->deviceFeatures);
      return -1;
    }
    if (executable->code == NULL || executable->codeSize == 0 || executable->codeSize % 4 != 0 ||
        executable->codeSize > SIZE_MAX) {
      snprintf(error, errorSize, "executable %u '%s' has %llu bytes of code%s, not whole SPIR-V words", index,
               kiln_name(executable->name), (unsigned long long)executable->codeSize,
               executable->code ? "" : " at null");
      return -1;
    }
  }
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    if (dispatch->executable >= model->executableCount) {
      snprintf(error, errorSize, "dispatch %u '%s' runs executable %u, but there are %u", index,
               kiln_name(dispatch->name), dispatch->executable, model->executableCount);
      return -1;
    }
    if (dispatch->subgroupExecutable < -1 || (dispatch->subgroupExecutable >= 0 &&
                                              (uint32_t)dispatch->subgroupExecutable >= model->executableCount)) {
      snprintf(error, errorSize, "dispatch %u '%s' has subgroup executable %d, but there are %u", index,
               kiln_name(dispatch->name), dispatch->subgroupExecutable, model->executableCount);
      return -1;
    }
    const int trimmed = dispatch->itemDim >= 0;
    if (dispatch->itemDim < -1 || (trimmed && ((uint32_t)dispatch->itemDim >= model->dimCount || model->dims == NULL)) ||
        (dispatch->itemAxes & 0xff) > 3 || ((dispatch->itemAxes >> 8) & 0xff) > 3 || dispatch->itemAxes >> 16) {
      snprintf(error, errorSize, "dispatch %u '%s' is trimmed by dim %d along axes %#x, but the model has %u dims",
               index, kiln_name(dispatch->name), dispatch->itemDim, dispatch->itemAxes, model->dimCount);
      return -1;
    }
  }
  for (uint32_t index = 0; index < model->inputCount; index++) {
    const KilnTensorDescriptor *tensor = &model->inputs[index];
    if (kiln_executor_range(model, tensor->offset, tensor->byteCount, "input", tensor->name, error, errorSize)) {
      return -1;
    }
  }
  for (uint32_t index = 0; index < model->outputCount; index++) {
    const KilnTensorDescriptor *tensor = &model->outputs[index];
    if (kiln_executor_range(model, tensor->offset, tensor->byteCount, "output", tensor->name, error, errorSize)) {
      return -1;
    }
  }
  if (kiln_executor_range(model, model->stateOffset, model->stateSize, "the state region", "state", error, errorSize)) {
    return -1;
  }
  for (uint32_t index = 0; index < model->stateCount; index++) {
    const KilnStateDescriptor *state = &model->states[index];
    if (kiln_executor_range(model, state->offset, state->byteCount, "state input", state->input, error, errorSize) ||
        kiln_executor_range(model, state->sourceOffset, state->byteCount, "state output", state->output, error,
                            errorSize)) {
      return -1;
    }
  }
  return 0;
}

/// Records the barrier that begins every call's command buffer: the
/// previous call (or the upload at creation) wrote in an earlier
/// submission, which submission order alone does not make visible, and its
/// copies and dispatches must be done with the arena before this call's
/// copies and dispatches write it.
static void kiln_executor_lead(KilnVulkan *vk, VkCommandBuffer commands) {
  const VkPipelineStageFlags work = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  kiln_vulkan_barrier(vk, commands, work, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, work,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                          VK_ACCESS_TRANSFER_WRITE_BIT);
}

/// Records every dispatch of `model` in `commands`, in order, each after
/// the one before has written, from the moment the arena is ready to be
/// read to the last dispatch. With `queries` (profiling), a timestamp
/// before the first and after each (a dispatch with no workgroups takes none
/// of the time between two), each written once all work before it is done.
static void kiln_executor_dispatches(KilnVulkan *vk, VkCommandBuffer commands, const KilnModelDescriptor *model,
                                     VkQueryPool queries, uint32_t region) {
  KILN_DEVICE_FN(vkCmdBindPipeline);
  KILN_DEVICE_FN(vkCmdBindDescriptorSets);
  KILN_DEVICE_FN(vkCmdDispatch);
  KILN_DEVICE_FN(vkCmdDispatchIndirect);
  KILN_DEVICE_FN(vkCmdResetQueryPool);
  KILN_DEVICE_FN(vkCmdWriteTimestamp);
  if (queries) {
    vkCmdResetQueryPool(commands, queries, 0, model->dispatchCount + 1);
    vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, 0);
  }
  // Every pipeline has the same layout, so the set stays bound across them.
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, vk->pipelineLayout, 0, 1, &vk->set, 0, NULL);
  VkPipeline bound = VK_NULL_HANDLE;
  int recorded = 0;
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    const uint32_t *groups = kiln_vulkan_groups(vk, dispatch);
    if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) {
      if (queries) vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, index + 1);
      continue;
    }
    if (recorded) {
      kiln_vulkan_barrier(vk, commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    }
    VkPipeline pipeline = vk->pipelines[kiln_vulkan_executable(vk, dispatch)];
    if (pipeline != bound) vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    bound = pipeline;
    if (vk->buffers[KILN_INDIRECT] && kiln_vulkan_item_axis(vk, dispatch)) {
      VkDeviceSize at = ((VkDeviceSize)region * model->dispatchCount + index) * sizeof(VkDispatchIndirectCommand);
      vkCmdDispatchIndirect(commands, vk->buffers[KILN_INDIRECT], at);
    } else {
      vkCmdDispatch(commands, groups[0], groups[1], groups[2]);
    }
    if (queries) vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, index + 1);
    recorded = 1;
  }
}

/// Records in `commands` that the dispatches see what the copies before wrote.
static void kiln_executor_copied_in(KilnVulkan *vk, VkCommandBuffer commands) {
  kiln_vulkan_barrier(vk, commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

/// Records in `commands` that the copies after see what the dispatches wrote.
static void kiln_executor_dispatched(KilnVulkan *vk, VkCommandBuffer commands) {
  kiln_vulkan_barrier(vk, commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
}

/// Records in `commands` that the host, after the fence, sees what the copies wrote.
static void kiln_executor_copied_out(KilnVulkan *vk, VkCommandBuffer commands) {
  kiln_vulkan_barrier(vk, commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
}

/// Records what every synchronous call runs. In staging mode: the inputs
/// and the state region go from the staging copy to the device's arena,
/// the dispatches run, and the outputs and the state outputs come back.
static int kiln_executor_record(KilnVulkanExecutor *executor, const KilnModelDescriptor *model, char *error,
                                size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  VkCommandBuffer commands = vk->commands;
  if (kiln_vulkan_begin(vk, commands, error, errorSize) != 0) return -1;
  kiln_executor_lead(vk, commands);
  if (!executor->mapsArena) {
    for (uint32_t index = 0; index < model->inputCount; index++) {
      const KilnTensorDescriptor *input = &model->inputs[index];
      kiln_vulkan_copy(vk, commands, KILN_STAGING, input->offset, KILN_ARENA, input->offset, input->byteCount);
    }
    kiln_vulkan_copy(vk, commands, KILN_STAGING, model->stateOffset, KILN_ARENA, model->stateOffset,
                     model->stateSize);
    kiln_executor_copied_in(vk, commands);
  }
  kiln_executor_dispatches(vk, commands, model, vk->queries, 0);
  // A fence wait alone does not make the device's writes visible to the host.
  if (executor->mapsArena) {
    kiln_vulkan_barrier(vk, commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                        VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  } else {
    kiln_executor_dispatched(vk, commands);
    for (uint32_t index = 0; index < model->outputCount; index++) {
      const KilnTensorDescriptor *output = &model->outputs[index];
      kiln_vulkan_copy(vk, commands, KILN_ARENA, output->offset, KILN_STAGING, output->offset, output->byteCount);
    }
    for (uint32_t index = 0; index < model->stateCount; index++) {
      const KilnStateDescriptor *state = &model->states[index];
      kiln_vulkan_copy(vk, commands, KILN_ARENA, state->sourceOffset, KILN_STAGING, state->sourceOffset,
                       state->byteCount);
    }
    kiln_executor_copied_out(vk, commands);
  }
  return kiln_vulkan_end(vk, commands, error, errorSize);
}

/// Writes the counts of every trimmed dispatch at `extent` into `region`
/// of the KILN_INDIRECT buffer (the device reads them when the call runs).
static void kiln_executor_write_extent(KilnVulkanExecutor *executor, uint32_t region, uint64_t extent) {
  KilnVulkan *vk = &executor->vk;
  const KilnModelDescriptor *model = executor->model;
  VkDispatchIndirectCommand *commands = (VkDispatchIndirectCommand *)vk->mapped[KILN_INDIRECT] +
                                        (size_t)region * model->dispatchCount;
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    if (!kiln_vulkan_item_axis(vk, dispatch)) continue;
    uint32_t counts[3];
    kiln_vulkan_trimmed_groups(vk, dispatch, extent, executor->bound, counts);
    commands[index] = (VkDispatchIndirectCommand){counts[0], counts[1], counts[2]};
  }
  executor->extents[region] = extent;
}

/// Makes the KILN_INDIRECT buffer where dispatches shrink with a bounded
/// dim's extent (host memory the device reads), every region at the bound.
static int kiln_executor_indirect(KilnVulkanExecutor *executor, const KilnModelDescriptor *model, char *error,
                                  size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  int trimmed = 0;
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    if (kiln_vulkan_item_axis(vk, dispatch)) {
      trimmed = 1;
      // One bounded dim trims a model (the compiler allows no more).
      executor->bound = model->dims[dispatch->itemDim].maxValue > 0 ? (uint64_t)model->dims[dispatch->itemDim].maxValue : 0;
    }
  }
  if (!trimmed || executor->bound == 0) return 0;
  const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkDeviceSize bytes = (VkDeviceSize)KILN_INDIRECT_REGIONS * model->dispatchCount * sizeof(VkDispatchIndirectCommand);
  if (kiln_vulkan_buffer(vk, KILN_INDIRECT, bytes, VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT, &shared, 1,
                         "the workgroup counts of calls below the bound", error, errorSize) != 0) {
    return -1;
  }
  executor->model = model;
  memset(vk->mapped[KILN_INDIRECT], 0, bytes);
  for (uint32_t region = 0; region < KILN_INDIRECT_REGIONS; region++) {
    kiln_executor_write_extent(executor, region, executor->bound);
  }
  return 0;
}

/// Records in `commands`, after the dispatches, what a synchronous call's
/// host does after it: each state output becomes the next call's state in
/// the device's arena, and where the arena is not mapped the host's copy of
/// the state gets it too, so that it holds the last call's state once the
/// call is waited for. The next call's lead barrier orders the copies
/// before its dispatches.
static void kiln_executor_carry_state(KilnVulkanExecutor *executor, VkCommandBuffer commands,
                                      const KilnModelDescriptor *model) {
  KilnVulkan *vk = &executor->vk;
  for (uint32_t index = 0; index < model->stateCount; index++) {
    const KilnStateDescriptor *state = &model->states[index];
    if (!executor->mapsArena) {
      kiln_vulkan_copy(vk, commands, KILN_ARENA, state->sourceOffset, KILN_STAGING, state->offset, state->byteCount);
    }
    if (state->sourceOffset != state->offset) {
      kiln_vulkan_copy(vk, commands, KILN_ARENA, state->sourceOffset, KILN_ARENA, state->offset, state->byteCount);
    }
  }
}

/// Makes the slots of pipelined calls: where each input and output lies in
/// one, a host buffer per slot, zeroed, and its command buffer (the
/// inputs from the slot to the arena, every dispatch, the outputs from the
/// arena to the slot, recorded once) and fence.
static int kiln_executor_slots(KilnVulkanExecutor *executor, const KilnModelDescriptor *model, char *error,
                               size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  KILN_DEVICE_FN(vkAllocateCommandBuffers);
  KILN_DEVICE_FN(vkCreateFence);
  executor->inputCount = model->inputCount;
  executor->outputCount = model->outputCount;
  executor->stateful = model->stateCount > 0 || model->stateSize > 0;
  uint64_t tensors = (uint64_t)model->inputCount + model->outputCount;
  executor->slotOffsets = calloc(tensors ? tensors : 1, sizeof *executor->slotOffsets);
  if (executor->slotOffsets == NULL) {
    snprintf(error, errorSize, "out of memory for the slot layout of %llu tensors", (unsigned long long)tensors);
    return -1;
  }
  uint64_t end = kiln_slot_layout(model, executor->slotOffsets);
  if (end == UINT64_MAX) {
    snprintf(error, errorSize, "the inputs and outputs together are too large for a slot of pipelined calls");
    return -1;
  }
  const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags cached[] = {shared | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, shared};
  const VkBufferUsageFlags copies = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  VkDeviceSize slotBytes = end ? end : 16;
  for (uint32_t slot = 0; slot < KILN_VULKAN_SLOTS; slot++) {
    if (kiln_vulkan_buffer(vk, KILN_SLOT + slot, slotBytes, copies, cached, 2, "a slot of pipelined calls", error,
                           errorSize) != 0) {
      return -1;
    }
    memset(vk->mapped[KILN_SLOT + slot], 0, slotBytes);
  }
  VkCommandBufferAllocateInfo bufferInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                            .commandPool = vk->commandPool,
                                            .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                            .commandBufferCount = KILN_VULKAN_SLOTS};
  KILN_TRY(vkAllocateCommandBuffers(vk->device, &bufferInfo, vk->slotCommands), "vkAllocateCommandBuffers");
  for (uint32_t slot = 0; slot < KILN_VULKAN_SLOTS; slot++) {
    VkFenceCreateInfo fenceInfo = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    KILN_TRY(vkCreateFence(vk->device, &fenceInfo, NULL, &vk->slotFences[slot]), "vkCreateFence");
    VkCommandBuffer commands = vk->slotCommands[slot];
    if (kiln_vulkan_begin(vk, commands, error, errorSize) != 0) return -1;
    kiln_executor_lead(vk, commands);
    for (uint32_t index = 0; index < model->inputCount; index++) {
      const KilnTensorDescriptor *input = &model->inputs[index];
      kiln_vulkan_copy(vk, commands, KILN_SLOT + slot, executor->slotOffsets[index], KILN_ARENA, input->offset,
                       input->byteCount);
    }
    kiln_executor_copied_in(vk, commands);
    kiln_executor_dispatches(vk, commands, model, VK_NULL_HANDLE, 1 + slot);
    kiln_executor_dispatched(vk, commands);
    for (uint32_t index = 0; index < model->outputCount; index++) {
      const KilnTensorDescriptor *output = &model->outputs[index];
      kiln_vulkan_copy(vk, commands, KILN_ARENA, output->offset, KILN_SLOT + slot,
                       executor->slotOffsets[model->inputCount + index], output->byteCount);
    }
    kiln_executor_carry_state(executor, commands, model);
    kiln_executor_copied_out(vk, commands);
    if (kiln_vulkan_end(vk, commands, error, errorSize) != 0) return -1;
  }
  if (!executor->stateful || executor->mapsArena) return 0;
  bufferInfo.commandBufferCount = 1;
  KILN_TRY(vkAllocateCommandBuffers(vk->device, &bufferInfo, &vk->stateCommands), "vkAllocateCommandBuffers");
  if (kiln_vulkan_begin(vk, vk->stateCommands, error, errorSize) != 0) return -1;
  kiln_executor_lead(vk, vk->stateCommands);
  kiln_vulkan_copy(vk, vk->stateCommands, KILN_STAGING, model->stateOffset, KILN_ARENA, model->stateOffset,
                   model->stateSize);
  return kiln_vulkan_end(vk, vk->stateCommands, error, errorSize);
}

/// Makes the timestamp queries of a profiling executor, where the queue
/// writes timestamps (lavapipe and nearly every GPU do); where it does not,
/// or the pool cannot be made, the executor runs without them.
static int kiln_executor_profile(KilnVulkanExecutor *executor, const KilnModelDescriptor *model, char *error,
                                 size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  KILN_INSTANCE_FN(vkGetPhysicalDeviceQueueFamilyProperties);
  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(vk->physical, &families, NULL);
  VkQueueFamilyProperties *properties = calloc(families ? families : 1, sizeof *properties);
  if (properties == NULL) {
    snprintf(error, errorSize, "out of memory for %u queue families", families);
    return -1;
  }
  vkGetPhysicalDeviceQueueFamilyProperties(vk->physical, &families, properties);
  uint32_t bits = vk->family < families ? properties[vk->family].timestampValidBits : 0;
  free(properties);
  if (bits == 0 || vk->properties.limits.timestampPeriod <= 0) return 0;
  executor->stampCount = model->dispatchCount + 1;
  executor->raw = calloc(executor->stampCount, sizeof *executor->raw);
  executor->stamps = calloc(executor->stampCount, sizeof *executor->stamps);
  if (executor->raw == NULL || executor->stamps == NULL) {
    snprintf(error, errorSize, "out of memory for %u timestamps", executor->stampCount);
    return -1;
  }
  executor->nanosecondsPerTick = vk->properties.limits.timestampPeriod;
  executor->tickMask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  executor->getResults = (PFN_vkGetQueryPoolResults)vk->gdpa(vk->device, "vkGetQueryPoolResults");
  KILN_DEVICE_FN(vkCreateQueryPool);
  VkQueryPoolCreateInfo info = {.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                .queryType = VK_QUERY_TYPE_TIMESTAMP,
                                .queryCount = executor->stampCount};
  // Profiling must not cost the model its device: without a pool, calls run untimed.
  if (vkCreateQueryPool(vk->device, &info, NULL, &vk->queries) != VK_SUCCESS) vk->queries = VK_NULL_HANDLE;
  return 0;
}

/// After a profiled call: its timestamps, in nanoseconds from the first.
/// Allocates nothing.
static int kiln_executor_read_stamps(KilnVulkanExecutor *executor, char *error, size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  size_t bytes = (size_t)executor->stampCount * sizeof *executor->raw;
  KILN_TRY(executor->getResults(vk->device, vk->queries, 0, executor->stampCount, bytes, executor->raw,
                                sizeof *executor->raw, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
           "vkGetQueryPoolResults");
  for (uint32_t index = 0; index < executor->stampCount; index++) {
    uint64_t ticks = (executor->raw[index] - executor->raw[0]) & executor->tickMask;
    executor->stamps[index] = (uint64_t)((double)ticks * executor->nanosecondsPerTick);
  }
  return 0;
}

/// What the threads compiling an executor's pipelines share: the
/// dispatches whose pipelines are wanted, taken in order, and the first
/// failure (kiln_vulkan_compile).
typedef struct {
  KilnVulkan *vk;
  const KilnModelDescriptor *model;
  const uint32_t *dispatches;
  uint32_t count;
  /// KILN_VULKAN_REJECT_SUBGROUPS: subgroup modules fail without reaching the driver.
  int rejectSubgroups;
  atomic_uint next;
  atomic_int stop;
  pthread_mutex_t lock;
  /// Guarded by `lock`: the position in `dispatches` of the first failure
  /// (`count` while none), and its sentence.
  uint32_t failed;
  char error[512];
} KilnCompileQueue;

static void *kiln_vulkan_compile_worker(void *argument) {
  KilnCompileQueue *queue = argument;
  char error[sizeof queue->error];
  while (!atomic_load(&queue->stop)) {
    uint32_t position = atomic_fetch_add(&queue->next, 1);
    if (position >= queue->count) break;
    const KilnDispatchDescriptor *dispatch = &queue->model->dispatches[queue->dispatches[position]];
    uint32_t chosen = kiln_vulkan_executable(queue->vk, dispatch);
    const KilnExecutableDescriptor *executable = &queue->model->executables[chosen];
    int failed;
    if (queue->rejectSubgroups && chosen != dispatch->executable) {
      snprintf(error, sizeof error, "'%s' was rejected (KILN_VULKAN_REJECT_SUBGROUPS)", kiln_name(executable->name));
      failed = 1;
    } else {
      failed = kiln_vulkan_pipeline(queue->vk, chosen, executable->code, (size_t)executable->codeSize,
                                    kiln_name(executable->name), error, sizeof error) != 0;
    }
    if (failed) {
      pthread_mutex_lock(&queue->lock);
      if (position < queue->failed) {
        queue->failed = position;
        memcpy(queue->error, error, sizeof error);
      }
      pthread_mutex_unlock(&queue->lock);
      atomic_store(&queue->stop, 1);
    }
  }
  return NULL;
}

/// How many threads compile pipelines: one per core this process may run
/// on (KILN_VULKAN_COMPILE_THREADS=n chooses), at most one per pipeline
/// and KILN_VULKAN_MOST_COMPILE_THREADS.
static uint32_t kiln_vulkan_compile_threads(uint32_t pipelines) {
  const char *forced = getenv("KILN_VULKAN_COMPILE_THREADS");
  long threads = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__) && defined(CPU_COUNT)
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) threads = CPU_COUNT(&allowed);
#endif
  if (forced != NULL && forced[0] != 0) threads = strtol(forced, NULL, 10);
  if (threads > KILN_VULKAN_MOST_COMPILE_THREADS) threads = KILN_VULKAN_MOST_COMPILE_THREADS;
  if (threads > (long)pipelines) threads = (long)pipelines;
  return threads < 1 ? 1 : (uint32_t)threads;
}

/// Compiles the pipelines of `count` dispatches on the calling thread and
/// kiln_vulkan_compile_threads' others, joined before it returns: a driver
/// compiles each module to machine code here, the longest part of loading
/// (MobileNetV2's 64 on lavapipe: creation takes 0.9 s on one core of two,
/// 0.46 s on both).
/// Returns 0, or -1 with `*failed` the position of the first dispatch whose
/// pipeline failed (the others may be made or not) and `error` its sentence.
static int kiln_vulkan_compile(KilnVulkan *vk, const KilnModelDescriptor *model, const uint32_t *dispatches,
                               uint32_t count, int rejectSubgroups, uint32_t *failed, char *error, size_t errorSize) {
  KilnCompileQueue queue = {
      .vk = vk, .model = model, .dispatches = dispatches, .count = count, .rejectSubgroups = rejectSubgroups,
      .lock = PTHREAD_MUTEX_INITIALIZER, .failed = count};
  atomic_init(&queue.next, 0);
  atomic_init(&queue.stop, 0);
  pthread_t threads[KILN_VULKAN_MOST_COMPILE_THREADS];
  pthread_attr_t attributes;
  int haveAttributes = pthread_attr_init(&attributes) == 0;
  if (haveAttributes) pthread_attr_setstacksize(&attributes, KILN_VULKAN_COMPILE_STACK);
  uint32_t started = 0;
  // A thread that cannot start leaves its share to the others; the caller always works.
  const pthread_attr_t *stack = haveAttributes ? &attributes : NULL;
  for (uint32_t extra = kiln_vulkan_compile_threads(count) - 1; started < extra; started++) {
    if (pthread_create(&threads[started], stack, kiln_vulkan_compile_worker, &queue) != 0) break;
  }
  if (haveAttributes) pthread_attr_destroy(&attributes);
  kiln_vulkan_compile_worker(&queue);
  for (uint32_t index = 0; index < started; index++) pthread_join(threads[index], NULL);
  pthread_mutex_destroy(&queue.lock);
  if (queue.failed == count) return 0;
  *failed = queue.failed;
  snprintf(error, errorSize, "%s", queue.error);
  return -1;
}

/// A pipeline for every executable the dispatches run: the subgroup
/// executables where the device runs them, else (or where the driver
/// rejects one) the others. Only those get a pipeline: a module declaring
/// capabilities the device lacks must not reach the driver.
static int kiln_vulkan_compile_all(KilnVulkan *vk, const KilnModelDescriptor *model, uint32_t flags, char *error,
                                   size_t errorSize) {
  uint32_t *wanted = calloc(model->dispatchCount ? model->dispatchCount : 1, sizeof *wanted);
  uint8_t *listed = calloc(model->executableCount ? model->executableCount : 1, 1);
  if (wanted == NULL || listed == NULL) {
    free(wanted);
    free(listed);
    snprintf(error, errorSize, "out of memory listing %u Vulkan pipelines", model->dispatchCount);
    return -1;
  }
  int result = 0;
  for (;;) {
    uint32_t count = 0;
    memset(listed, 0, model->executableCount ? model->executableCount : 1);
    for (uint32_t index = 0; index < model->dispatchCount; index++) {
      uint32_t chosen = kiln_vulkan_executable(vk, &model->dispatches[index]);
      if (listed[chosen] || vk->pipelines[chosen] != VK_NULL_HANDLE) continue;
      listed[chosen] = 1;
      wanted[count++] = index;
    }
    if (count == 0) break;
    uint32_t failed = 0;
    int reject = (flags & KILN_VULKAN_REJECT_SUBGROUPS) != 0;
    if (kiln_vulkan_compile(vk, model, wanted, count, reject, &failed, error, errorSize) == 0) break;
    const KilnDispatchDescriptor *dispatch = &model->dispatches[wanted[failed]];
    if (kiln_vulkan_executable(vk, dispatch) == dispatch->executable) {
      result = -1;
      break;
    }
    // A driver that reports subgroup arithmetic but rejects a module using
    // it: every dispatch takes its other form, and the subgroup pipelines
    // made already go.
    vk->subgroups = 0;
    KILN_DEVICE_FN(vkDestroyPipeline);
    for (uint32_t index = 0; index < model->dispatchCount; index++) {
      int32_t subgroupForm = model->dispatches[index].subgroupExecutable;
      if (subgroupForm < 0 || vk->pipelines[subgroupForm] == VK_NULL_HANDLE) continue;
      vkDestroyPipeline(vk->device, vk->pipelines[subgroupForm], NULL);
      vk->pipelines[subgroupForm] = VK_NULL_HANDLE;
    }
  }
  free(wanted);
  free(listed);
  return result;
}

/// kiln_vulkan_executor_create up to its result, leaving what it made in
/// `executor` for the caller to destroy on failure.
static int kiln_executor_build(KilnVulkanExecutor *executor, const KilnModelDescriptor *model, uint32_t deviceIndex,
                               uint32_t flags, char *error, size_t errorSize) {
  KilnVulkan *vk = &executor->vk;
  if (kiln_executor_check(model, error, errorSize) != 0) return -1;
  // Tests reach the staging path on devices (lavapipe) that would map the arena.
  const char *forced = getenv("KILN_VULKAN_STAGING");
  int staging = (flags & KILN_VULKAN_STAGED) || (forced != NULL && forced[0] != 0 && strcmp(forced, "0") != 0);
  // The optional features the dispatches' executables need (either form).
  uint32_t needs = 0;
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    needs |= model->executables[dispatch->executable].deviceFeatures;
    if (dispatch->subgroupExecutable >= 0) needs |= model->executables[dispatch->subgroupExecutable].deviceFeatures;
  }
  if (kiln_vulkan_open(vk, deviceIndex, needs, error, errorSize) != 0) return -1;

  // Whole four-float texels (the views at bindings 4 and 5), at least one.
  VkDeviceSize arenaBytes = model->arenaSize ? (model->arenaSize + 15) / 16 * 16 : 16;
  static const uint8_t zeros[16];
  const int hasWeights = model->weights != NULL && model->weightsSize > 0;
  const void *weights = hasWeights ? model->weights : zeros;
  VkDeviceSize weightBytes = hasWeights ? model->weightsSize : sizeof zeros;
  VkDeviceSize weightBuffer = (weightBytes + 15) / 16 * 16;
  const VkPhysicalDeviceLimits *limits = &vk->properties.limits;
  if (arenaBytes > limits->maxStorageBufferRange || weightBuffer > limits->maxStorageBufferRange) {
    snprintf(error, errorSize,
             "the arena (%llu bytes) and the weights (%llu bytes) must each fit one storage buffer, but %s binds "
             "at most %u bytes (maxStorageBufferRange)",
             (unsigned long long)model->arenaSize, (unsigned long long)model->weightsSize, vk->properties.deviceName,
             limits->maxStorageBufferRange);
    return -1;
  }
  // Specialization constant 2: lavapipe (a CPU device) runs a few long rows
  // faster on one invocation each than on a workgroup each (a 1 Mi sum:
  // 0.6 against 8 ms), and matrix products in register tiles rather than
  // workgroup-memory ones; such shaders dispatch cpuDeviceWorkgroupCount.
  // KILN_VULKAN_SHAPES=gpu|cpu overrides the choice (the tests reach both on lavapipe).
  vk->constants[2] = vk->properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const char *shapes = getenv("KILN_VULKAN_SHAPES");
  if (shapes != NULL && strcmp(shapes, "gpu") == 0) vk->constants[2] = VK_FALSE;
  if (shapes != NULL && strcmp(shapes, "cpu") == 0) vk->constants[2] = VK_TRUE;
  for (uint32_t index = 0; index < model->dispatchCount; index++) {
    const KilnDispatchDescriptor *dispatch = &model->dispatches[index];
    const uint32_t *groups = kiln_vulkan_groups(vk, dispatch);
    for (int axis = 0; axis < 3; axis++) {
      if (groups[axis] > limits->maxComputeWorkGroupCount[axis]) {
        snprintf(error, errorSize, "dispatch %u '%s' has %u workgroups along %c, more than %s allows (%u)", index,
                 kiln_name(dispatch->name), groups[axis], "xyz"[axis], vk->properties.deviceName,
                 limits->maxComputeWorkGroupCount[axis]);
        return -1;
      }
    }
  }

  const VkMemoryPropertyFlags shared = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  const VkMemoryPropertyFlags cached[] = {shared | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, shared};
  const VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                   VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  uint32_t arenaMemory[3];
  uint32_t arenaChoices = kiln_vulkan_arena_memory((uint32_t)vk->properties.deviceType, arenaMemory);
  if (kiln_vulkan_buffer(vk, KILN_ARENA, arenaBytes, usage, staging ? &local : arenaMemory,
                         staging ? 1 : arenaChoices, "the arena", error, errorSize) != 0) {
    return -1;
  }
  executor->mapsArena = !staging && vk->mapped[KILN_ARENA] != NULL &&
                        kiln_vulkan_arena_mappable((uint32_t)vk->properties.deviceType, vk->memoryFlags[KILN_ARENA]);
  const VkBufferUsageFlags copies = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (!executor->mapsArena && kiln_vulkan_buffer(vk, KILN_STAGING, arenaBytes, copies, cached, 2,
                                                 "the arena's staging copy", error, errorSize) != 0) {
    return -1;
  }
  executor->arena = vk->mapped[executor->mapsArena ? KILN_ARENA : KILN_STAGING];
  memset(executor->arena, 0, arenaBytes);

  if (kiln_vulkan_buffer(vk, KILN_WEIGHTS, weightBuffer, usage, &local, 1, "the weights", error, errorSize) != 0) {
    return -1;
  }
  const int upload = staging || vk->mapped[KILN_WEIGHTS] == NULL;
  if (upload) {
    if (kiln_vulkan_buffer(vk, KILN_UPLOAD, weightBuffer, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, &shared, 1,
                           "the weights' upload", error, errorSize) != 0) {
      return -1;
    }
    memcpy(vk->mapped[KILN_UPLOAD], weights, weightBytes);
  } else {
    memcpy(vk->mapped[KILN_WEIGHTS], weights, weightBytes);
  }

  const VkDeviceSize viewed[2] = {arenaBytes, weightBuffer};
  if (kiln_vulkan_views(vk, viewed, error, errorSize) != 0) return -1;
  if (kiln_vulkan_layout(vk, 2, 0, error, errorSize) != 0) return -1;
  KILN_DEVICE_FN(vkCreatePipelineCache);
  // Without VK_PIPELINE_CACHE_CREATE_EXTERNALLY_SYNCHRONIZED_BIT: the
  // threads compiling pipelines share the cache, which then locks itself.
  VkPipelineCacheCreateInfo cacheInfo = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  KILN_TRY(vkCreatePipelineCache(vk->device, &cacheInfo, NULL, &vk->cache), "vkCreatePipelineCache");
  // Subgroup executables where the device runs them (KILN_VULKAN_SUBGROUPS=0
  // keeps the others, so the tests reach both on lavapipe).
  const char *subgroups = getenv("KILN_VULKAN_SUBGROUPS");
  vk->subgroups = !(subgroups != NULL && strcmp(subgroups, "0") == 0) && kiln_vulkan_has_subgroup_arithmetic(vk, vk->physical);
  if (kiln_vulkan_reserve(vk, model->executableCount, error, errorSize) != 0) return -1;
  if (kiln_vulkan_compile_all(vk, model, flags, error, errorSize) != 0) return -1;
  if (kiln_vulkan_commands(vk, error, errorSize) != 0) return -1;

  // Once, before the command buffer is recorded again for the calls. The
  // zeroed staging copy zeroes the device's arena (vkCmdFillBuffer would
  // leave a size that is not whole words a few bytes short).
  if (!executor->mapsArena || upload) {
    if (kiln_vulkan_begin(vk, vk->commands, error, errorSize) != 0) return -1;
    if (!executor->mapsArena) kiln_vulkan_copy(vk, vk->commands, KILN_STAGING, 0, KILN_ARENA, 0, arenaBytes);
    if (upload) kiln_vulkan_copy(vk, vk->commands, KILN_UPLOAD, 0, KILN_WEIGHTS, 0, weightBytes);
    if (kiln_vulkan_end(vk, vk->commands, error, errorSize) != 0 || kiln_vulkan_submit(vk, error, errorSize) != 0) {
      return -1;
    }
    kiln_vulkan_free_buffer(vk, KILN_UPLOAD);
  }
  if (kiln_executor_indirect(executor, model, error, errorSize) != 0) return -1;
  if (kiln_executor_slots(executor, model, error, errorSize) != 0) return -1;
  if ((flags & KILN_VULKAN_PROFILE) && kiln_executor_profile(executor, model, error, errorSize) != 0) return -1;
  return kiln_executor_record(executor, model, error, errorSize);
}

KilnVulkanExecutor *kiln_vulkan_executor_create(
    const struct KilnModelDescriptor *model, uint32_t deviceIndex, uint32_t flags, char *error, size_t errorSize) {
  KilnVulkanExecutor *executor = calloc(1, sizeof *executor);
  if (executor == NULL) {
    snprintf(error, errorSize, "out of memory for a Vulkan executor");
    return NULL;
  }
  executor->callsBeforeLoss = UINT64_MAX;
  if (kiln_executor_build(executor, model, deviceIndex, flags, error, errorSize) != 0) {
    kiln_vulkan_executor_destroy(executor);
    return NULL;
  }
  return executor;
}

/// The staging copy also where the device could map the arena when
/// KILN_VULKAN_STAGING=1 was set at creation (for tests).
void *kiln_vulkan_executor_arena(KilnVulkanExecutor *executor) { return executor ? executor->arena : NULL; }

uint64_t kiln_vulkan_executor_workgroups(const KilnVulkanExecutor *executor, const KilnModelDescriptor *model,
                                         uint32_t index) {
  if (executor == NULL || model == NULL || model->dispatches == NULL || index >= model->dispatchCount) return 0;
  uint32_t counts[3];
  uint64_t extent = executor->model ? executor->extents[0] : 0;
  kiln_vulkan_trimmed_groups(&executor->vk, &model->dispatches[index], extent, executor->bound, counts);
  return (uint64_t)counts[0] * counts[1] * counts[2];
}

int32_t kiln_vulkan_executor_extent(KilnVulkanExecutor *executor, uint32_t region, uint64_t extent, char *error,
                                    size_t errorSize) {
  if (executor == NULL || region >= KILN_INDIRECT_REGIONS) {
    snprintf(error, errorSize, "no executor, or no region %u of workgroup counts (there are %d)", region,
             KILN_INDIRECT_REGIONS);
    return -1;
  }
  if (executor->model == NULL || executor->extents[region] == extent) return 0;
  if (extent < 1 || extent > executor->bound) {
    snprintf(error, errorSize, "extent %llu is outside 1 ... %llu", (unsigned long long)extent,
             (unsigned long long)executor->bound);
    return -1;
  }
  if (region > 0 && executor->inFlight[region - 1]) {
    snprintf(error, errorSize, "slot %u has a call in flight: wait for it before setting its extent", region - 1);
    return -1;
  }
  kiln_executor_write_extent(executor, region, extent);
  return 0;
}

int32_t kiln_vulkan_executor_maps_arena(const KilnVulkanExecutor *executor) {
  return executor ? executor->mapsArena : 0;
}

const char *kiln_vulkan_executor_device_name(const KilnVulkanExecutor *executor) {
  return executor ? executor->vk.properties.deviceName : "";
}

int32_t kiln_vulkan_executor_subgroups(const KilnVulkanExecutor *executor) {
  return executor ? executor->vk.subgroups : 0;
}

uint64_t kiln_vulkan_executor_slot_offset(const KilnVulkanExecutor *executor, uint32_t isOutput, uint32_t index) {
  if (executor == NULL) return UINT64_MAX;
  if (isOutput) {
    return index < executor->outputCount ? executor->slotOffsets[executor->inputCount + index] : UINT64_MAX;
  }
  return index < executor->inputCount ? executor->slotOffsets[index] : UINT64_MAX;
}

void *kiln_vulkan_executor_slot(KilnVulkanExecutor *executor, uint32_t slot) {
  return executor && slot < KILN_VULKAN_SLOTS ? executor->vk.mapped[KILN_SLOT + slot] : NULL;
}

/// Whether `slot` names one; otherwise `error` says it does not.
static int kiln_executor_slot_exists(const KilnVulkanExecutor *executor, uint32_t slot, char *error,
                                     size_t errorSize) {
  if (executor == NULL) {
    snprintf(error, errorSize, "no Vulkan executor");
    return 0;
  }
  if (slot >= KILN_VULKAN_SLOTS) {
    snprintf(error, errorSize, "there is no slot %u: an executor has %d, numbered from 0", slot, KILN_VULKAN_SLOTS);
    return 0;
  }
  return 1;
}

int32_t kiln_vulkan_executor_submit(KilnVulkanExecutor *executor, uint32_t slot, uint32_t flags, char *error,
                                    size_t errorSize) {
  if (!kiln_executor_slot_exists(executor, slot, error, errorSize)) return -1;
  if (executor->failure[0] != 0) {
    snprintf(error, errorSize, "%s", executor->failure);
    return -1;
  }
  if (executor->inFlight[slot]) {
    snprintf(error, errorSize, "slot %u already has a call in flight: wait for it first (kiln_vulkan_executor_wait)",
             slot);
    return -1;
  }
  KilnVulkan *vk = &executor->vk;
  VkCommandBuffer commands[2] = {vk->stateCommands, vk->slotCommands[slot]};
  uint32_t first = (flags & KILN_VULKAN_SUBMIT_STATE) && vk->stateCommands ? 0 : 1;
  if (first == 0) {
    for (uint32_t other = 0; other < KILN_VULKAN_SLOTS; other++) {
      if (!executor->inFlight[other]) continue;
      snprintf(error, errorSize, "the host's state goes to the device only with no call in flight (slot %u is)", other);
      return -1;
    }
  }
  if (kiln_vulkan_send(vk, commands + first, 2 - first, vk->slotFences[slot], executor->failure,
                       sizeof executor->failure) != 0) {
    snprintf(error, errorSize, "%s", executor->failure);
    return -1;
  }
  executor->inFlight[slot] = 1;
  return 0;
}

void kiln_vulkan_executor_lose_device_after(KilnVulkanExecutor *executor, uint64_t calls) {
  if (executor != NULL) executor->callsBeforeLoss = calls;
}

/// Whether the device counts as lost now (kiln_vulkan_executor_lose_device_after),
/// with the failure set as a lost device's would be.
static int kiln_executor_lost(KilnVulkanExecutor *executor) {
  if (executor->callsBeforeLoss == UINT64_MAX) return 0;
  if (executor->callsBeforeLoss > 0) {
    executor->callsBeforeLoss--;
    return 0;
  }
  snprintf(executor->failure, sizeof executor->failure,
           "the Vulkan device %s was lost (VK_ERROR_DEVICE_LOST, injected by kiln_vulkan_executor_lose_device_after)",
           executor->vk.properties.deviceName);
  return 1;
}

int32_t kiln_vulkan_executor_wait(KilnVulkanExecutor *executor, uint32_t slot, char *error, size_t errorSize) {
  if (!kiln_executor_slot_exists(executor, slot, error, errorSize)) return -1;
  if (!executor->inFlight[slot]) {
    snprintf(error, errorSize, "slot %u has no call in flight: submit one first (kiln_vulkan_executor_submit)", slot);
    return -1;
  }
  // Whatever happens, the call is over for the caller: after a failure
  // nothing runs again, and destroy waits for the device.
  executor->inFlight[slot] = 0;
  KilnVulkan *vk = &executor->vk;
  // Even after an earlier failure this call may still be running (the
  // device timed out on the call before, or failed only as injected): wait
  // for it, so the host that takes over never races the device for the
  // arena and the slot. A lost device answers at once.
  char later[sizeof executor->failure];
  int failedBefore = executor->failure[0] != 0;
  int waited = kiln_vulkan_wait(vk, vk->slotFences[slot], failedBefore ? later : executor->failure,
                                sizeof executor->failure);
  if (!failedBefore && waited == 0 && !kiln_executor_lost(executor)) return 0;
  snprintf(error, errorSize, "%s", executor->failure);
  return -1;
}

int32_t kiln_vulkan_executor_run(KilnVulkanExecutor *executor, char *error, size_t errorSize) {
  if (executor == NULL) {
    snprintf(error, errorSize, "no Vulkan executor");
    return -1;
  }
  for (uint32_t slot = 0; slot < KILN_VULKAN_SLOTS; slot++) {
    if (executor->inFlight[slot]) {
      snprintf(error, errorSize,
               "slot %u has a pipelined call in flight, which shares the arena with this call: wait for the "
               "pipelined calls first (kiln_vulkan_executor_wait)",
               slot);
      return -1;
    }
  }
  // After a timeout the command buffer may still be pending; submitting it again would be invalid.
  if (executor->failure[0] == 0 &&
      kiln_vulkan_submit(&executor->vk, executor->failure, sizeof executor->failure) == 0 &&
      (executor->vk.queries == VK_NULL_HANDLE ||
       kiln_executor_read_stamps(executor, executor->failure, sizeof executor->failure) == 0) &&
      !kiln_executor_lost(executor)) {
    return 0;
  }
  snprintf(error, errorSize, "%s", executor->failure);
  return -1;
}

const uint64_t *kiln_vulkan_executor_timestamps(const KilnVulkanExecutor *executor, uint32_t *count) {
  *count = executor && executor->vk.queries ? executor->stampCount : 0;
  return *count ? executor->stamps : NULL;
}

void kiln_vulkan_executor_destroy(KilnVulkanExecutor *executor) {
  if (executor == NULL) return;
  kiln_vulkan_close(&executor->vk);
  free(executor->raw);
  free(executor->stamps);
  free(executor->slotOffsets);
  free(executor);
}

#else

/// Why nothing here works.
#define KILN_NO_VULKAN \
  "this Kiln runtime was built without the Vulkan headers (Debian: libvulkan-dev); rebuild it with them"

int32_t kiln_vulkan_run_once(
    const uint32_t *code, size_t codeSize, void *const *buffers, const uint64_t *bufferBytes, uint32_t bufferCount,
    const void *push, uint32_t pushSize, uint32_t groups, char *deviceName, char *error, size_t errorSize) {
  (void)code, (void)codeSize, (void)buffers, (void)bufferBytes, (void)bufferCount, (void)push, (void)pushSize;
  (void)groups, (void)deviceName;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  (void)devices;
  (void)capacity;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

KilnVulkanExecutor *kiln_vulkan_executor_create(
    const struct KilnModelDescriptor *model, uint32_t deviceIndex, uint32_t flags, char *error, size_t errorSize) {
  (void)model;
  (void)deviceIndex;
  (void)flags;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return NULL;
}

void *kiln_vulkan_executor_arena(KilnVulkanExecutor *executor) {
  (void)executor;
  return NULL;
}

uint64_t kiln_vulkan_executor_workgroups(const KilnVulkanExecutor *executor, const KilnModelDescriptor *model,
                                         uint32_t index) {
  (void)executor, (void)model, (void)index;
  return 0;
}

int32_t kiln_vulkan_executor_extent(KilnVulkanExecutor *executor, uint32_t region, uint64_t extent, char *error,
                                    size_t errorSize) {
  (void)executor, (void)region, (void)extent;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

int32_t kiln_vulkan_executor_maps_arena(const KilnVulkanExecutor *executor) {
  (void)executor;
  return 0;
}

const char *kiln_vulkan_executor_device_name(const KilnVulkanExecutor *executor) {
  (void)executor;
  return "";
}

int32_t kiln_vulkan_executor_subgroups(const KilnVulkanExecutor *executor) {
  (void)executor;
  return 0;
}

int32_t kiln_vulkan_executor_run(KilnVulkanExecutor *executor, char *error, size_t errorSize) {
  (void)executor;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

uint64_t kiln_vulkan_executor_slot_offset(const KilnVulkanExecutor *executor, uint32_t isOutput, uint32_t index) {
  (void)executor, (void)isOutput, (void)index;
  return UINT64_MAX;
}

void *kiln_vulkan_executor_slot(KilnVulkanExecutor *executor, uint32_t slot) {
  (void)executor, (void)slot;
  return NULL;
}

int32_t kiln_vulkan_executor_submit(KilnVulkanExecutor *executor, uint32_t slot, uint32_t flags, char *error,
                                    size_t errorSize) {
  (void)executor, (void)slot, (void)flags;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

int32_t kiln_vulkan_executor_wait(KilnVulkanExecutor *executor, uint32_t slot, char *error, size_t errorSize) {
  (void)executor, (void)slot;
  snprintf(error, errorSize, KILN_NO_VULKAN);
  return -1;
}

const uint64_t *kiln_vulkan_executor_timestamps(const KilnVulkanExecutor *executor, uint32_t *count) {
  (void)executor;
  *count = 0;
  return NULL;
}

void kiln_vulkan_executor_lose_device_after(KilnVulkanExecutor *executor, uint64_t calls) {
  (void)executor, (void)calls;
}

void kiln_vulkan_executor_destroy(KilnVulkanExecutor *executor) { (void)executor; }

#endif
