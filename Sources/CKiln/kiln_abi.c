// The runtime side of the ABI: KILN_ABI_VERSION as compiled, and the CPU
// features a model's builds are chosen by.
#include "kiln_abi.h"

#include <stdatomic.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

uint32_t kiln_runtime_abi_version(void) { return KILN_ABI_VERSION; }

uint64_t kiln_slot_layout(const KilnModelDescriptor *model, uint64_t *offsets) {
  uint64_t tensors = (uint64_t)model->inputCount + model->outputCount;
  uint64_t end = 0;
  for (uint64_t index = 0; index < tensors; index++) {
    const KilnTensorDescriptor *tensor =
        index < model->inputCount ? &model->inputs[index] : &model->outputs[index - model->inputCount];
    uint64_t offset = (end + KILN_SLOT_ALIGNMENT - 1) / KILN_SLOT_ALIGNMENT * KILN_SLOT_ALIGNMENT;
    if (end > UINT64_MAX / 2 || tensor->byteCount > UINT64_MAX / 2 - offset) return UINT64_MAX;
    offsets[index] = offset;
    end = offset + tensor->byteCount;
  }
  return end;
}

/// Where each feature is reported: CPUID leaf, subleaf, register (0 EAX,
/// 1 EBX, 2 ECX, 3 EDX) and bit, in KILN_CPU_* order, with LLVM's name.
static const struct {
  const char *name;
  uint32_t leaf, subleaf;
  uint8_t reg, bit;
} kiln_features[KILN_CPU_FEATURE_COUNT] = {
    [KILN_CPU_SSE3] = {"sse3", 1, 0, 2, 0},
    [KILN_CPU_SSSE3] = {"ssse3", 1, 0, 2, 9},
    [KILN_CPU_SSE4_1] = {"sse4.1", 1, 0, 2, 19},
    [KILN_CPU_SSE4_2] = {"sse4.2", 1, 0, 2, 20},
    [KILN_CPU_POPCNT] = {"popcnt", 1, 0, 2, 23},
    [KILN_CPU_CX16] = {"cx16", 1, 0, 2, 13},
    [KILN_CPU_LAHF] = {"sahf", 0x80000001u, 0, 2, 0},
    [KILN_CPU_AVX] = {"avx", 1, 0, 2, 28},
    [KILN_CPU_AVX2] = {"avx2", 7, 0, 1, 5},
    [KILN_CPU_FMA] = {"fma", 1, 0, 2, 12},
    [KILN_CPU_F16C] = {"f16c", 1, 0, 2, 29},
    [KILN_CPU_BMI1] = {"bmi", 7, 0, 1, 3},
    [KILN_CPU_BMI2] = {"bmi2", 7, 0, 1, 8},
    [KILN_CPU_LZCNT] = {"lzcnt", 0x80000001u, 0, 2, 5},
    [KILN_CPU_MOVBE] = {"movbe", 1, 0, 2, 22},
    [KILN_CPU_XSAVE] = {"xsave", 1, 0, 2, 26},
    [KILN_CPU_AVX512F] = {"avx512f", 7, 0, 1, 16},
    [KILN_CPU_AVX512BW] = {"avx512bw", 7, 0, 1, 30},
    [KILN_CPU_AVX512CD] = {"avx512cd", 7, 0, 1, 28},
    [KILN_CPU_AVX512DQ] = {"avx512dq", 7, 0, 1, 17},
    [KILN_CPU_AVX512VL] = {"avx512vl", 7, 0, 1, 31},
    [KILN_CPU_AVX512IFMA] = {"avx512ifma", 7, 0, 1, 21},
    [KILN_CPU_AVX512VBMI] = {"avx512vbmi", 7, 0, 2, 1},
    [KILN_CPU_AVX512VBMI2] = {"avx512vbmi2", 7, 0, 2, 6},
    [KILN_CPU_AVX512VNNI] = {"avx512vnni", 7, 0, 2, 11},
    [KILN_CPU_AVX512BITALG] = {"avx512bitalg", 7, 0, 2, 12},
    [KILN_CPU_AVX512VPOPCNTDQ] = {"avx512vpopcntdq", 7, 0, 2, 14},
    [KILN_CPU_AVX512BF16] = {"avx512bf16", 7, 1, 0, 5},
    [KILN_CPU_AVX512FP16] = {"avx512fp16", 7, 0, 3, 23},
    [KILN_CPU_GFNI] = {"gfni", 7, 0, 2, 8},
    [KILN_CPU_VAES] = {"vaes", 7, 0, 2, 9},
    [KILN_CPU_VPCLMULQDQ] = {"vpclmulqdq", 7, 0, 2, 10},
    [KILN_CPU_PCLMUL] = {"pclmul", 1, 0, 2, 1},
    [KILN_CPU_AES] = {"aes", 1, 0, 2, 25},
    [KILN_CPU_ADX] = {"adx", 7, 0, 1, 19},
    [KILN_CPU_SHA] = {"sha", 7, 0, 1, 29},
};

const char *kiln_cpu_feature_name(uint32_t bit) {
  return bit < KILN_CPU_FEATURE_COUNT ? kiln_features[bit].name : 0;
}

#if defined(__x86_64__) || defined(__i386__)
/// Features whose registers the OS must save: the AVX family needs XMM and
/// YMM state (XCR0 bits 1–2), AVX-512 also the opmask and ZMM state (5–7).
static uint64_t kiln_os_disabled_features(void) {
  unsigned eax, ebx, ecx, edx;
  uint64_t avx = (1ull << KILN_CPU_AVX) | (1ull << KILN_CPU_AVX2) | (1ull << KILN_CPU_FMA) | (1ull << KILN_CPU_F16C) |
                 (1ull << KILN_CPU_VAES) | (1ull << KILN_CPU_VPCLMULQDQ);
  uint64_t avx512 = 0;
  for (uint32_t bit = KILN_CPU_AVX512F; bit <= KILN_CPU_AVX512FP16; bit++) avx512 |= 1ull << bit;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return avx | avx512;  // no OSXSAVE
  uint32_t low, high;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  (void)high;
  if ((low & 0x6u) != 0x6u) return avx | avx512;
  if ((low & 0xe0u) != 0xe0u) return avx512;
  return 0;
}
#endif

/// CPUID makes a virtual machine exit to its hypervisor (about 4 µs each
/// here): each leaf is read once, and the answer once per process.
static uint64_t kiln_read_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
  uint64_t features = 0;
  unsigned maxLeaf = __get_cpuid_max(0, 0);
  unsigned maxExtended = __get_cpuid_max(0x80000000u, 0);
  struct { uint32_t leaf, subleaf; unsigned registers[4]; } read[KILN_CPU_FEATURE_COUNT];
  uint32_t readCount = 0;
  for (uint32_t bit = 0; bit < KILN_CPU_FEATURE_COUNT; bit++) {
    uint32_t leaf = kiln_features[bit].leaf, subleaf = kiln_features[bit].subleaf;
    if (leaf >= 0x80000000u ? leaf > maxExtended : leaf > maxLeaf) continue;
    uint32_t entry = 0;
    while (entry < readCount && (read[entry].leaf != leaf || read[entry].subleaf != subleaf)) entry++;
    if (entry == readCount) {
      read[entry].leaf = leaf;
      read[entry].subleaf = subleaf;
      unsigned *r = read[entry].registers;
      __cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
      readCount++;
    }
    if (read[entry].registers[kiln_features[bit].reg] & (1u << kiln_features[bit].bit)) features |= 1ull << bit;
  }
  return features & ~kiln_os_disabled_features();
#else
  return 0;
#endif
}

uint64_t kiln_cpu_features(void) {
  // Bit 63 marks a stored answer (no feature uses it). Threads racing to
  // fill it compute the same value, so a relaxed store is enough.
  static _Atomic uint64_t cached = 0;
  uint64_t value = atomic_load_explicit(&cached, memory_order_relaxed);
  if (value == 0) {
    value = kiln_read_cpu_features() | (1ull << 63);
    atomic_store_explicit(&cached, value, memory_order_relaxed);
  }
  return value & ~(1ull << 63);
}
