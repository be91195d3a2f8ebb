// The binary contract between a model compiled by kilnc and the Kiln runtime.
//
// kilnc emits, per model, one constant `KilnModelDescriptor` and a getter
// `const void *kiln_<model>_model(void)` returning it. The runtime reads the
// descriptor and never needs to know how the code was produced: executables
// are native CPU functions today and SPIR-V modules next; dispatches say
// which executable runs over how many tiles (or workgroups). Every struct here
// is laid out without padding so the LLVM emitter can build the same layout
// field by field; change a field only together with KILN_ABI_VERSION and
// `KilnCompiler/Program/DescriptorEmitter.swift`.
#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever a struct below changes shape or meaning.
#define KILN_ABI_VERSION 13u

/// Element types (the codes coincide with ONNX's `TensorProto.DataType`).
enum {
  KILN_DTYPE_FLOAT32 = 1,
  KILN_DTYPE_UINT8 = 2,
  KILN_DTYPE_INT8 = 3,
  KILN_DTYPE_UINT16 = 4,
  KILN_DTYPE_INT16 = 5,
  KILN_DTYPE_INT32 = 6,
  KILN_DTYPE_INT64 = 7,
  KILN_DTYPE_BOOL = 9,
  KILN_DTYPE_FLOAT16 = 10,
  KILN_DTYPE_FLOAT64 = 11,
  KILN_DTYPE_UINT32 = 12,
  KILN_DTYPE_UINT64 = 13,
  KILN_DTYPE_BFLOAT16 = 16,
  /// The 8- and 4-bit float types and the 4- and 2-bit integers take one
  /// byte per element (codes for the floats; integers sign- or zero-extended).
  KILN_DTYPE_FLOAT8E4M3FN = 17,
  KILN_DTYPE_FLOAT8E4M3FNUZ = 18,
  KILN_DTYPE_FLOAT8E5M2 = 19,
  KILN_DTYPE_FLOAT8E5M2FNUZ = 20,
  KILN_DTYPE_UINT4 = 21,
  KILN_DTYPE_INT4 = 22,
  KILN_DTYPE_FLOAT4E2M1 = 23,
  KILN_DTYPE_FLOAT8E8M0 = 24,
  KILN_DTYPE_UINT2 = 25,
  KILN_DTYPE_INT2 = 26,
};

/// What one CPU kernel invocation sees: it processes tiles
/// [tileBegin, tileEnd) of its dispatch. Tiles of one dispatch are
/// independent; dispatches run in table order.
typedef struct KilnDispatchState {
  uint8_t *arena;          ///< The model's arena (inputs, outputs, intermediates, state).
  uint8_t *scratch;        ///< This worker's private scratch, `workerScratchSize` bytes.
  const int64_t *dims;     ///< Current values of the symbolic dims, `dimCount` entries.
  uint32_t tileBegin;
  uint32_t tileEnd;
  uint32_t workerIndex;    ///< 0 ..< workerCount.
  uint32_t workerCount;
} KilnDispatchState;

/// A native CPU kernel.
typedef void (*KilnCPUFunction)(const KilnDispatchState *state);

/// Formats of executables.
enum {
  KILN_EXECUTABLE_CPU = 1,    ///< `code` is a KilnCPUFunction.
  KILN_EXECUTABLE_SPIRV = 2,  ///< `code` points at `codeSize` bytes of SPIR-V words.
};

/// Optional device features a SPIR-V executable needs: bits of its
/// `deviceFeatures` (ABI 12). The executor enables those the device has
/// and refuses a model whose dispatches need one it lacks.
enum {
  /// shaderFloat64: the module declares the Float64 capability.
  KILN_VULKAN_NEEDS_FLOAT64 = 1u << 0,
};

/// One unit of compiled code.
typedef struct KilnExecutableDescriptor {
  const char *name;
  uint32_t format;        ///< KILN_EXECUTABLE_*.
  uint32_t deviceFeatures; ///< SPIR-V: KILN_VULKAN_NEEDS_* bits; 0 for CPU functions.
  const void *code;
  uint64_t codeSize;      ///< Bytes of `code` (0 for CPU functions).
} KilnExecutableDescriptor;

/// One step of a call: an executable run over its tiles or workgroups.
typedef struct KilnDispatchDescriptor {
  const char *name;       ///< "<node name> (<op type>[ step])", for profiling and errors.
  uint32_t executable;    ///< Index into the executable table.
  uint32_t tileCount;     ///< CPU: independent tiles.
  uint32_t workgroupCount[3]; ///< SPIR-V: vkCmdDispatch counts (0 for CPU).
  /// Estimated scalar operations per tile (saturating): a worker pool splits
  /// a dispatch only when its tiles are worth more than waking the workers.
  uint32_t costPerTile;
  /// The bounded dim (index into the dims table) whose extent trims this
  /// dispatch, or -1 when every call runs every tile (or workgroup: see
  /// `itemAxes` for SPIR-V). CPU: tile t then works on
  /// block (t / itemStride) % itemBlocks, the blocks splitting the dim's
  /// items evenly and in order: at extent n of bound B a call runs only the
  /// first ceil(itemBlocks * n / B) blocks of every run of
  /// itemBlocks * itemStride tiles.
  int32_t itemDim;
  uint32_t itemBlocks;
  uint32_t itemStride;
  /// With a bounded dim: the dispatch runs only at extents extentFrom ...
  /// extentTo (one lowering of a node per range of extents); 0 and 0: at all.
  uint32_t extentFrom;
  uint32_t extentTo;
  /// SPIR-V: vkCmdDispatch counts on a CPU device, where specialization
  /// constant 2 is true and a shader may lay its work out in a shape of its
  /// own (ABI 9); equal to `workgroupCount` for a shader with one shape.
  uint32_t cpuDeviceWorkgroupCount[3];
  /// SPIR-V: an executable computing the same with subgroup operations
  /// (capabilities GroupNonUniform and GroupNonUniformArithmetic), which
  /// the executor runs instead where the device supports them in compute
  /// shaders, or -1 (ABI 10).
  int32_t subgroupExecutable;
  /// SPIR-V with itemDim >= 0: the workgroup axis (1 x, 2 y, 3 z; 0 none)
  /// along which workgroups hold the dim's items in order, in byte 0 for
  /// `workgroupCount` and byte 1 for `cpuDeviceWorkgroupCount`. At extent n
  /// of bound B a call runs only the first ceil(count * n / B) workgroups
  /// along that axis: they hold every item below n (ABI 11).
  uint32_t itemAxes;
} KilnDispatchDescriptor;

/// CPU features compiled code may need: bit `KILN_CPU_x` of a descriptor's
/// `cpuFeatures`. The x86-64 psABI levels are unions of them (v2 up to
/// LAHF, v3 up to XSAVE, v4 up to AVX512VL); the rest are extensions LLVM
/// may use for a named CPU. Names are LLVM's feature spellings
/// (`kiln_cpu_feature_name`).
enum {
  KILN_CPU_SSE3 = 0,
  KILN_CPU_SSSE3,
  KILN_CPU_SSE4_1,
  KILN_CPU_SSE4_2,
  KILN_CPU_POPCNT,
  KILN_CPU_CX16,
  KILN_CPU_LAHF,
  KILN_CPU_AVX,
  KILN_CPU_AVX2,
  KILN_CPU_FMA,
  KILN_CPU_F16C,
  KILN_CPU_BMI1,
  KILN_CPU_BMI2,
  KILN_CPU_LZCNT,
  KILN_CPU_MOVBE,
  KILN_CPU_XSAVE,
  KILN_CPU_AVX512F,
  KILN_CPU_AVX512BW,
  KILN_CPU_AVX512CD,
  KILN_CPU_AVX512DQ,
  KILN_CPU_AVX512VL,
  KILN_CPU_AVX512IFMA,
  KILN_CPU_AVX512VBMI,
  KILN_CPU_AVX512VBMI2,
  KILN_CPU_AVX512VNNI,
  KILN_CPU_AVX512BITALG,
  KILN_CPU_AVX512VPOPCNTDQ,
  KILN_CPU_AVX512BF16,
  KILN_CPU_AVX512FP16,
  KILN_CPU_GFNI,
  KILN_CPU_VAES,
  KILN_CPU_VPCLMULQDQ,
  KILN_CPU_PCLMUL,
  KILN_CPU_AES,
  KILN_CPU_ADX,
  KILN_CPU_SHA,
  KILN_CPU_FEATURE_COUNT
};

/// A named dimension whose extent is chosen per call, up to a bound. A
/// tensor axis it sizes holds shape[axis] / maxValue entries per unit of
/// extent (1 for inputs; more where a reshape merged rows into the axis).
typedef struct KilnSymbolicDimDescriptor {
  const char *name;
  int64_t maxValue;       ///< The bound the arena is sized for.
} KilnSymbolicDimDescriptor;

/// A graph input or output: where it lives in the arena and what it holds.
typedef struct KilnTensorDescriptor {
  const char *name;       ///< Source model value name, NUL-terminated.
  const int64_t *shape;   ///< `rank` dimensions (the bound, for symbolic ones).
  const int32_t *dimSymbols; ///< Per axis: index into the dims table, or -1; null when all are static.
  uint64_t offset;        ///< Byte offset in the arena (aligned to the arena alignment).
  uint64_t byteCount;     ///< Element count × element size, at the bounds.
  uint32_t dtype;         ///< KILN_DTYPE_*.
  uint32_t rank;
} KilnTensorDescriptor;

/// An input the model keeps between calls, fed from an output of the call
/// before (config `state`). Neither is in the input or output table.
typedef struct KilnStateDescriptor {
  const char *input;      ///< The state input's source model name.
  const char *output;     ///< The output that becomes the next call's state.
  uint64_t offset;        ///< The state input's bytes, inside the state region.
  uint64_t sourceOffset;  ///< Where a call leaves the output: copied to `offset` after the
                          ///< last dispatch, unless equal (computed in place).
  uint64_t byteCount;
  const void *initial;    ///< `byteCount` bytes a reset restores; null for zeros.
} KilnStateDescriptor;

/// Everything the runtime needs to load and run a compiled model.
typedef struct KilnModelDescriptor {
  uint32_t abiVersion;    ///< Must equal KILN_ABI_VERSION.
  uint32_t inputCount;
  uint32_t outputCount;
  uint32_t dimCount;
  uint32_t executableCount;
  uint32_t dispatchCount;
  uint64_t arenaSize;     ///< Bytes of scratch + input + output + state memory.
  uint64_t arenaAlignment;
  uint64_t stateOffset;   ///< The state region in the arena (every state input): kept between calls.
  uint64_t stateSize;
  uint64_t workerScratchSize; ///< Private scratch bytes each worker needs.
  uint64_t weightsSize;   ///< Bytes of embedded weights (informational).
  uint64_t weightsDigest; ///< FNV-1a of the weights blob; changes force reassembly.
  const char *modelName;  ///< Source model file name.
  const KilnTensorDescriptor *inputs;
  const KilnTensorDescriptor *outputs;
  const KilnSymbolicDimDescriptor *dims;
  const KilnExecutableDescriptor *executables;
  const KilnDispatchDescriptor *dispatches;
  const char *cpuName;    ///< The LLVM CPU the code was compiled for, e.g. "x86-64-v3".
  uint64_t cpuFeatures;   ///< Bit KILN_CPU_x set: the code needs that feature.
  /// Builds of the same model for several CPUs, this one included, in the
  /// order the config lists them (null with a count of 0 when there is only
  /// this one). Every build has the same inputs and outputs; the runtime
  /// loads the one that needs the most features the machine has.
  uint32_t variantCount;
  uint32_t reserved2;
  const struct KilnModelDescriptor *const *variants;
  const KilnStateDescriptor *states; ///< `stateCount` pairs, in the config's order.
  uint32_t stateCount;
  uint32_t reserved3;
  /// The embedded weights blob, `weightsSize` bytes (null when empty).
  const void *weights;
  /// The same model compiled for Vulkan, or null when it has no Vulkan
  /// build: SPIR-V executables and dispatches with workgroup counts over the
  /// same tensors, state and arena layout as this build. Its shaders see
  /// descriptor set 0 with the arena (`arenaSize` bytes) at binding 0 and
  /// its `weights` (read only; `weightsSize` bytes, the shaders' own region
  /// of the blob: their constants and SPIR-V) at binding 1, both as storage
  /// buffers, the same two as R32_SFLOAT uniform texel buffers at bindings 2
  /// and 3 and as R32G32B32A32_SFLOAT ones at bindings 4 and 5 (ABI 8),
  /// boolean specialization constants 0 and 1 saying whether the R32 views
  /// cover the whole arena and weights and 2 whether shaders take their
  /// CPU-device layouts (true on a CPU device: a few long rows on one
  /// invocation each rather than a workgroup each, matrix products in
  /// register tiles rather than workgroup-memory ones; dispatches then use
  /// `cpuDeviceWorkgroupCount`), no push constants, and run
  /// in table order, each after the previous one's writes. A bounded dim
  /// runs at its bound there (no dispatch is trimmed).
  const struct KilnModelDescriptor *vulkan;
  /// Why `vulkan` is null although the config asked for a Vulkan build:
  /// the node and op the compiler could not lower to SPIR-V, as its build
  /// warning said (ABI 13), so that a program's fallback reason names them.
  /// Null when there is a Vulkan build or none was asked for.
  const char *vulkanOmission;
} KilnModelDescriptor;

/// Where each tensor lies in a slot of a pipelined call (host memory holding
/// a call's inputs and outputs while another call runs): every input, then
/// every output, in table order, each at the next multiple of
/// KILN_SLOT_ALIGNMENT. Fills `offsets` (inputCount + outputCount entries)
/// and returns the slot's size, or UINT64_MAX when it would overflow.
#define KILN_SLOT_ALIGNMENT 64u
uint64_t kiln_slot_layout(const KilnModelDescriptor *model, uint64_t *offsets);

/// The ABI version this runtime was built with (a function, so Swift code
/// can read it without macro import rules getting in the way).
uint32_t kiln_runtime_abi_version(void);

/// The KILN_CPU_* features this machine has and its operating system
/// enables (AVX and AVX-512 need the OS to save their registers); 0 on
/// architectures without feature bits. Read once per process.
uint64_t kiln_cpu_features(void);

/// LLVM's spelling of feature `bit` ("avx2", "sse4.1"), or null past the last.
const char *kiln_cpu_feature_name(uint32_t bit);

#ifdef __cplusplus
}
#endif

#endif
