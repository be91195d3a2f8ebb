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

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  PFN_vkGetInstanceProcAddr getProcAddr = kiln_vulkan_loader(error, errorSize);
  if (getProcAddr == NULL) return -1;
  PFN_vkCreateInstance createInstance = (PFN_vkCreateInstance)getProcAddr(NULL, "vkCreateInstance");
  if (createInstance == NULL) {
    snprintf(error, errorSize, "the Vulkan loader has no vkCreateInstance");
    return -1;
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
    return -1;
  }
  if (result != VK_SUCCESS) {
    snprintf(error, errorSize, "vkCreateInstance failed with VkResult %d", (int)result);
    return -1;
  }
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

#else

int32_t kiln_vulkan_devices(KilnVulkanDevice *devices, uint32_t capacity, char *error, size_t errorSize) {
  (void)devices;
  (void)capacity;
  snprintf(error, errorSize,
           "this Kiln runtime was built without the Vulkan headers (Debian: libvulkan-dev); rebuild it with them");
  return -1;
}

#endif
