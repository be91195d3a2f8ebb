// The binary contract between a model compiled by kilnc and the Kiln runtime.
//
// kilnc emits, per model, one constant `KilnModelDescriptor` and a getter
// `const void *kiln_<model>_model(void)` returning it. The runtime reads the
// descriptor and never needs to know how the kernels were produced. Every
// struct here is laid out without padding so the LLVM emitter can build the
// same layout field by field; change a field only together with
// KILN_ABI_VERSION and `KilnCompiler/CPU/DescriptorEmitter.swift`.
#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped whenever a struct below changes shape or meaning.
#define KILN_ABI_VERSION 1u

/// Element types use ONNX's `TensorProto.DataType` codes.
enum {
  KILN_DTYPE_FLOAT32 = 1,
  KILN_DTYPE_INT64 = 7,
};

/// One kernel processes tiles [tileBegin, tileEnd) of its iteration space.
/// Tiles of one kernel are independent; kernels run in table order.
typedef void (*KilnKernelFunction)(uint8_t *arena, uint32_t tileBegin, uint32_t tileEnd);

/// A graph input or output: where it lives in the arena and what it holds.
typedef struct KilnTensorDescriptor {
  const char *name;       ///< ONNX value name, NUL-terminated.
  const int64_t *shape;   ///< `rank` static dimensions.
  uint64_t offset;        ///< Byte offset in the arena (aligned to the arena alignment).
  uint64_t byteCount;     ///< Element count × element size.
  uint32_t dtype;         ///< ONNX data type code.
  uint32_t rank;
} KilnTensorDescriptor;

/// One compiled kernel.
typedef struct KilnKernelDescriptor {
  const char *name;       ///< "<node name> (<op type>)", for profiling and errors.
  KilnKernelFunction function;
  uint32_t tileCount;
  uint32_t reserved;
} KilnKernelDescriptor;

/// Everything the runtime needs to load and run a compiled model.
typedef struct KilnModelDescriptor {
  uint32_t abiVersion;    ///< Must equal KILN_ABI_VERSION.
  uint32_t inputCount;
  uint32_t outputCount;
  uint32_t kernelCount;
  uint64_t arenaSize;     ///< Bytes of scratch + input + output memory.
  uint64_t arenaAlignment;
  uint64_t weightsSize;   ///< Bytes of embedded weights (informational).
  uint64_t weightsDigest; ///< FNV-1a of the weights blob; changes force reassembly.
  const char *modelName;  ///< Source model file name.
  const KilnTensorDescriptor *inputs;
  const KilnTensorDescriptor *outputs;
  const KilnKernelDescriptor *kernels;
} KilnModelDescriptor;

/// The ABI version this runtime was built with (a function, so Swift code
/// can read it without macro import rules getting in the way).
uint32_t kiln_runtime_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif
