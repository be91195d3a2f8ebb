// The runtime side of the ABI: lets Swift read KILN_ABI_VERSION as compiled.
#include "kiln_abi.h"

uint32_t kiln_runtime_abi_version(void) { return KILN_ABI_VERSION; }
