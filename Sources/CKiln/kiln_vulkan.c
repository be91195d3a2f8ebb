// See kiln_vulkan.h. Every Vulkan entry point comes from the loader through
// vkGetInstanceProcAddr; nothing here is linked against libvulkan.

#include "kiln_vulkan.h"

#include <stdio.h>
#include <string.h>

#if __has_include(<vulkan/vulkan.h>)
#define VK_NO_PROTOTYPES
#include <dlfcn.h>
#include <stdlib.h>
#include <vulkan/vulkan.h>

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

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  PFN_vkGetInstanceProcAddr getProcAddr = kiln_vulkan_loader(error, errorSize);
  if (getProcAddr == NULL) return -1;
  VkInstance instance = kiln_vulkan_instance(getProcAddr, error, errorSize);
  if (instance == VK_NULL_HANDLE) return -1;
  VkResult result;
  PFN_vkDestroyInstance destroyInstance = (PFN_vkDestroyInstance)getProcAddr(instance, "vkDestroyInstance");
  PFN_vkEnumeratePhysicalDevices enumerate =
      (PFN_vkEnumeratePhysicalDevices)getProcAddr(instance, "vkEnumeratePhysicalDevices");
  PFN_vkGetPhysicalDeviceProperties properties =
      (PFN_vkGetPhysicalDeviceProperties)getProcAddr(instance, "vkGetPhysicalDeviceProperties");
  if (destroyInstance == NULL || enumerate == NULL || properties == NULL) {
    snprintf(error, errorSize, "the Vulkan loader lacks an instance function Kiln needs");
    if (destroyInstance) destroyInstance(instance, NULL);
    return -1;
  }
  uint32_t count = 0;
  result = enumerate(instance, &count, NULL);
  if (result != VK_SUCCESS) {
    snprintf(error, errorSize, "vkEnumeratePhysicalDevices failed with VkResult %d", (int)result);
    destroyInstance(instance, NULL);
    return -1;
  }
  if (count > 0 && capacity > 0) {
    VkPhysicalDevice handles[64];
    uint32_t wanted = count < 64 ? count : 64;
    result = enumerate(instance, &wanted, handles);
    if (result != VK_SUCCESS && result != VK_INCOMPLETE) {
      snprintf(error, errorSize, "vkEnumeratePhysicalDevices failed with VkResult %d", (int)result);
      destroyInstance(instance, NULL);
      return -1;
    }
    for (uint32_t index = 0; index < wanted && index < capacity; index++) {
      VkPhysicalDeviceProperties found;
      properties(handles[index], &found);
      KilnVulkanDevice *device = &devices[index];
      memset(device, 0, sizeof *device);
      snprintf(device->name, sizeof device->name, "%s", found.deviceName);
      device->type = (uint32_t)found.deviceType;
      device->apiVersion = found.apiVersion;
      device->vendorID = found.vendorID;
      device->deviceID = found.deviceID;
    }
  }
  destroyInstance(instance, NULL);
  return (int32_t)(count > INT32_MAX ? INT32_MAX : count);
}

/// Everything run_once creates, destroyed in reverse whatever step failed.
typedef struct KilnOnce {
  PFN_vkGetInstanceProcAddr gipa;
  PFN_vkGetDeviceProcAddr gdpa;
  VkInstance instance;
  VkDevice device;
  VkBuffer buffers[16];
  VkDeviceMemory memory[16];
  uint32_t bufferCount;
  VkDescriptorSetLayout setLayout;
  VkPipelineLayout pipelineLayout;
  VkShaderModule shader;
  VkPipeline pipeline;
  VkDescriptorPool pool;
  VkCommandPool commandPool;
  VkFence fence;
} KilnOnce;

#define KILN_INSTANCE_FN(name) PFN_##name name = (PFN_##name)once->gipa(once->instance, #name)
#define KILN_DEVICE_FN(name) PFN_##name name = (PFN_##name)once->gdpa(once->device, #name)

static void kiln_once_destroy(KilnOnce *once) {
  if (once->device) {
    KILN_DEVICE_FN(vkDeviceWaitIdle);
    KILN_DEVICE_FN(vkDestroyFence);
    KILN_DEVICE_FN(vkDestroyCommandPool);
    KILN_DEVICE_FN(vkDestroyDescriptorPool);
    KILN_DEVICE_FN(vkDestroyPipeline);
    KILN_DEVICE_FN(vkDestroyShaderModule);
    KILN_DEVICE_FN(vkDestroyPipelineLayout);
    KILN_DEVICE_FN(vkDestroyDescriptorSetLayout);
    KILN_DEVICE_FN(vkDestroyBuffer);
    KILN_DEVICE_FN(vkFreeMemory);
    KILN_DEVICE_FN(vkDestroyDevice);
    vkDeviceWaitIdle(once->device);
    if (once->fence) vkDestroyFence(once->device, once->fence, NULL);
    if (once->commandPool) vkDestroyCommandPool(once->device, once->commandPool, NULL);
    if (once->pool) vkDestroyDescriptorPool(once->device, once->pool, NULL);
    if (once->pipeline) vkDestroyPipeline(once->device, once->pipeline, NULL);
    if (once->shader) vkDestroyShaderModule(once->device, once->shader, NULL);
    if (once->pipelineLayout) vkDestroyPipelineLayout(once->device, once->pipelineLayout, NULL);
    if (once->setLayout) vkDestroyDescriptorSetLayout(once->device, once->setLayout, NULL);
    for (uint32_t index = 0; index < once->bufferCount; index++) {
      if (once->buffers[index]) vkDestroyBuffer(once->device, once->buffers[index], NULL);
      if (once->memory[index]) vkFreeMemory(once->device, once->memory[index], NULL);
    }
    vkDestroyDevice(once->device, NULL);
  }
  if (once->instance) {
    KILN_INSTANCE_FN(vkDestroyInstance);
    vkDestroyInstance(once->instance, NULL);
  }
}

#define KILN_CHECK(call, what)                                                         \
  do {                                                                                 \
    VkResult checked = (call);                                                         \
    if (checked != VK_SUCCESS) {                                                       \
      snprintf(error, errorSize, "%s failed with VkResult %d", what, (int)checked);    \
      kiln_once_destroy(once);                                                         \
      return -1;                                                                       \
    }                                                                                  \
  } while (0)

int32_t kiln_vulkan_run_once(
    const uint32_t *code, size_t codeSize, void *const *buffers, const uint64_t *bufferBytes, uint32_t bufferCount,
    const void *push, uint32_t pushSize, uint32_t groups, char *deviceName, char *error, size_t errorSize) {
  KilnOnce storage;
  memset(&storage, 0, sizeof storage);
  KilnOnce *once = &storage;
  if (bufferCount > 16 || codeSize == 0 || codeSize % 4 != 0) {
    snprintf(error, errorSize, "at most 16 buffers and whole SPIR-V words, got %u buffers and %zu bytes", bufferCount,
             codeSize);
    return -1;
  }
  once->gipa = kiln_vulkan_loader(error, errorSize);
  if (once->gipa == NULL) return -1;
  once->instance = kiln_vulkan_instance(once->gipa, error, errorSize);
  if (once->instance == VK_NULL_HANDLE) return -1;
  KILN_INSTANCE_FN(vkEnumeratePhysicalDevices);
  KILN_INSTANCE_FN(vkGetPhysicalDeviceProperties);
  KILN_INSTANCE_FN(vkGetPhysicalDeviceQueueFamilyProperties);
  KILN_INSTANCE_FN(vkGetPhysicalDeviceMemoryProperties);
  KILN_INSTANCE_FN(vkCreateDevice);
  once->gdpa = (PFN_vkGetDeviceProcAddr)once->gipa(once->instance, "vkGetDeviceProcAddr");

  // The best device by kind (discrete, integrated, virtual, CPU, other) with a compute queue.
  VkPhysicalDevice handles[16];
  uint32_t count = 16;
  VkResult listed = vkEnumeratePhysicalDevices(once->instance, &count, handles);
  if ((listed != VK_SUCCESS && listed != VK_INCOMPLETE) || count == 0) {
    snprintf(error, errorSize, "no Vulkan device");
    kiln_once_destroy(once);
    return -1;
  }
  static const int rank[] = {4, 1, 0, 2, 3};  // by VkPhysicalDeviceType: other, integrated, discrete, virtual, CPU
  VkPhysicalDevice chosen = VK_NULL_HANDLE;
  uint32_t chosenFamily = 0;
  int chosenRank = 99;
  for (uint32_t index = 0; index < count; index++) {
    VkPhysicalDeviceProperties properties;
    vkGetPhysicalDeviceProperties(handles[index], &properties);
    uint32_t families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(handles[index], &families, NULL);
    VkQueueFamilyProperties familyProperties[32];
    if (families > 32) families = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(handles[index], &families, familyProperties);
    for (uint32_t family = 0; family < families; family++) {
      int kind = properties.deviceType <= 4 ? rank[properties.deviceType] : 4;
      if ((familyProperties[family].queueFlags & VK_QUEUE_COMPUTE_BIT) && kind < chosenRank) {
        chosen = handles[index];
        chosenFamily = family;
        chosenRank = kind;
        snprintf(deviceName, 256, "%s", properties.deviceName);
        break;
      }
    }
  }
  if (chosen == VK_NULL_HANDLE) {
    snprintf(error, errorSize, "no Vulkan device has a compute queue");
    kiln_once_destroy(once);
    return -1;
  }
  float priority = 1;
  VkDeviceQueueCreateInfo queueInfo = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                       .queueFamilyIndex = chosenFamily,
                                       .queueCount = 1,
                                       .pQueuePriorities = &priority};
  VkDeviceCreateInfo deviceInfo = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .queueCreateInfoCount = 1, .pQueueCreateInfos = &queueInfo};
  KILN_CHECK(vkCreateDevice(chosen, &deviceInfo, NULL, &once->device), "vkCreateDevice");
  KILN_DEVICE_FN(vkGetDeviceQueue);
  KILN_DEVICE_FN(vkCreateBuffer);
  KILN_DEVICE_FN(vkGetBufferMemoryRequirements);
  KILN_DEVICE_FN(vkAllocateMemory);
  KILN_DEVICE_FN(vkBindBufferMemory);
  KILN_DEVICE_FN(vkMapMemory);
  KILN_DEVICE_FN(vkUnmapMemory);
  KILN_DEVICE_FN(vkCreateDescriptorSetLayout);
  KILN_DEVICE_FN(vkCreatePipelineLayout);
  KILN_DEVICE_FN(vkCreateShaderModule);
  KILN_DEVICE_FN(vkCreateComputePipelines);
  KILN_DEVICE_FN(vkCreateDescriptorPool);
  KILN_DEVICE_FN(vkAllocateDescriptorSets);
  KILN_DEVICE_FN(vkUpdateDescriptorSets);
  KILN_DEVICE_FN(vkCreateCommandPool);
  KILN_DEVICE_FN(vkAllocateCommandBuffers);
  KILN_DEVICE_FN(vkBeginCommandBuffer);
  KILN_DEVICE_FN(vkCmdBindPipeline);
  KILN_DEVICE_FN(vkCmdBindDescriptorSets);
  KILN_DEVICE_FN(vkCmdPushConstants);
  KILN_DEVICE_FN(vkCmdDispatch);
  KILN_DEVICE_FN(vkEndCommandBuffer);
  KILN_DEVICE_FN(vkCreateFence);
  KILN_DEVICE_FN(vkQueueSubmit);
  KILN_DEVICE_FN(vkWaitForFences);

  // Host-visible, coherent buffers: the inputs are written and the outputs read through the mapping.
  VkPhysicalDeviceMemoryProperties memoryProperties;
  vkGetPhysicalDeviceMemoryProperties(chosen, &memoryProperties);
  VkDescriptorSetLayoutBinding bindings[16];
  VkDescriptorBufferInfo bufferInfos[16];
  VkWriteDescriptorSet writes[16];
  once->bufferCount = bufferCount;
  for (uint32_t index = 0; index < bufferCount; index++) {
    VkBufferCreateInfo bufferInfo = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                                     .size = bufferBytes[index] ? bufferBytes[index] : 4,
                                     .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                     .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    KILN_CHECK(vkCreateBuffer(once->device, &bufferInfo, NULL, &once->buffers[index]), "vkCreateBuffer");
    VkMemoryRequirements requirements;
    vkGetBufferMemoryRequirements(once->device, once->buffers[index], &requirements);
    uint32_t type = UINT32_MAX;
    VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t candidate = 0; candidate < memoryProperties.memoryTypeCount; candidate++) {
      if ((requirements.memoryTypeBits & (1u << candidate)) &&
          (memoryProperties.memoryTypes[candidate].propertyFlags & wanted) == wanted) {
        type = candidate;
        break;
      }
    }
    if (type == UINT32_MAX) {
      snprintf(error, errorSize, "the device has no host-visible, coherent memory for a storage buffer");
      kiln_once_destroy(once);
      return -1;
    }
    VkMemoryAllocateInfo allocation = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = requirements.size, .memoryTypeIndex = type};
    KILN_CHECK(vkAllocateMemory(once->device, &allocation, NULL, &once->memory[index]), "vkAllocateMemory");
    KILN_CHECK(vkBindBufferMemory(once->device, once->buffers[index], once->memory[index], 0), "vkBindBufferMemory");
    void *mapped = NULL;
    KILN_CHECK(vkMapMemory(once->device, once->memory[index], 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
    memcpy(mapped, buffers[index], bufferBytes[index]);
    vkUnmapMemory(once->device, once->memory[index]);
    bindings[index] = (VkDescriptorSetLayoutBinding){.binding = index,
                                                     .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                                     .descriptorCount = 1,
                                                     .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
    bufferInfos[index] = (VkDescriptorBufferInfo){.buffer = once->buffers[index], .offset = 0, .range = VK_WHOLE_SIZE};
  }
  VkDescriptorSetLayoutCreateInfo setLayoutInfo = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                                   .bindingCount = bufferCount,
                                                   .pBindings = bindings};
  KILN_CHECK(vkCreateDescriptorSetLayout(once->device, &setLayoutInfo, NULL, &once->setLayout),
             "vkCreateDescriptorSetLayout");
  VkPushConstantRange range = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = pushSize};
  VkPipelineLayoutCreateInfo layoutInfo = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                           .setLayoutCount = 1,
                                           .pSetLayouts = &once->setLayout,
                                           .pushConstantRangeCount = pushSize ? 1 : 0,
                                           .pPushConstantRanges = &range};
  KILN_CHECK(vkCreatePipelineLayout(once->device, &layoutInfo, NULL, &once->pipelineLayout), "vkCreatePipelineLayout");
  VkShaderModuleCreateInfo shaderInfo = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = codeSize, .pCode = code};
  KILN_CHECK(vkCreateShaderModule(once->device, &shaderInfo, NULL, &once->shader), "vkCreateShaderModule");
  VkComputePipelineCreateInfo pipelineInfo = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = once->shader,
                .pName = "main"},
      .layout = once->pipelineLayout};
  KILN_CHECK(vkCreateComputePipelines(once->device, VK_NULL_HANDLE, 1, &pipelineInfo, NULL, &once->pipeline),
             "vkCreateComputePipelines");
  VkDescriptorPoolSize poolSize = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = bufferCount};
  VkDescriptorPoolCreateInfo poolInfo = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, .maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &poolSize};
  KILN_CHECK(vkCreateDescriptorPool(once->device, &poolInfo, NULL, &once->pool), "vkCreateDescriptorPool");
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkDescriptorSetAllocateInfo setInfo = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                         .descriptorPool = once->pool,
                                         .descriptorSetCount = 1,
                                         .pSetLayouts = &once->setLayout};
  KILN_CHECK(vkAllocateDescriptorSets(once->device, &setInfo, &set), "vkAllocateDescriptorSets");
  for (uint32_t index = 0; index < bufferCount; index++) {
    writes[index] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                           .dstSet = set,
                                           .dstBinding = index,
                                           .descriptorCount = 1,
                                           .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                           .pBufferInfo = &bufferInfos[index]};
  }
  vkUpdateDescriptorSets(once->device, bufferCount, writes, 0, NULL);

  VkCommandPoolCreateInfo commandPoolInfo = {
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, .queueFamilyIndex = chosenFamily};
  KILN_CHECK(vkCreateCommandPool(once->device, &commandPoolInfo, NULL, &once->commandPool), "vkCreateCommandPool");
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkCommandBufferAllocateInfo commandInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                             .commandPool = once->commandPool,
                                             .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                             .commandBufferCount = 1};
  KILN_CHECK(vkAllocateCommandBuffers(once->device, &commandInfo, &commands), "vkAllocateCommandBuffers");
  VkCommandBufferBeginInfo beginInfo = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  KILN_CHECK(vkBeginCommandBuffer(commands, &beginInfo), "vkBeginCommandBuffer");
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, once->pipeline);
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, once->pipelineLayout, 0, 1, &set, 0, NULL);
  if (pushSize) vkCmdPushConstants(commands, once->pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize, push);
  vkCmdDispatch(commands, groups, 1, 1);
  KILN_CHECK(vkEndCommandBuffer(commands), "vkEndCommandBuffer");
  VkFenceCreateInfo fenceInfo = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  KILN_CHECK(vkCreateFence(once->device, &fenceInfo, NULL, &once->fence), "vkCreateFence");
  VkQueue queue = VK_NULL_HANDLE;
  vkGetDeviceQueue(once->device, chosenFamily, 0, &queue);
  VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &commands};
  KILN_CHECK(vkQueueSubmit(queue, 1, &submit, once->fence), "vkQueueSubmit");
  KILN_CHECK(vkWaitForFences(once->device, 1, &once->fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  for (uint32_t index = 0; index < bufferCount; index++) {
    void *mapped = NULL;
    KILN_CHECK(vkMapMemory(once->device, once->memory[index], 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
    memcpy(buffers[index], mapped, bufferBytes[index]);
    vkUnmapMemory(once->device, once->memory[index]);
  }
  kiln_once_destroy(once);
  return 0;
}

#else

int32_t kiln_vulkan_run_once(
    const uint32_t *code, size_t codeSize, void *const *buffers, const uint64_t *bufferBytes, uint32_t bufferCount,
    const void *push, uint32_t pushSize, uint32_t groups, char *deviceName, char *error, size_t errorSize) {
  (void)code, (void)codeSize, (void)buffers, (void)bufferBytes, (void)bufferCount, (void)push, (void)pushSize;
  (void)groups, (void)deviceName;
  snprintf(error, errorSize,
           "this Kiln runtime was built without the Vulkan headers (Debian: libvulkan-dev); rebuild it with them");
  return -1;
}

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  (void)devices;
  (void)capacity;
  snprintf(error, errorSize,
           "this Kiln runtime was built without the Vulkan headers (Debian: libvulkan-dev); rebuild it with them");
  return -1;
}

#endif
