// Umbrella for the LLVM 14 C API (Debian's llvm-14-dev). Only kilnc links it.
#include "/usr/lib/llvm-14/include/llvm-c/Core.h"
#include "/usr/lib/llvm-14/include/llvm-c/DebugInfo.h"
#include "/usr/lib/llvm-14/include/llvm-c/Analysis.h"
#include "/usr/lib/llvm-14/include/llvm-c/Target.h"
#include "/usr/lib/llvm-14/include/llvm-c/TargetMachine.h"
#include "/usr/lib/llvm-14/include/llvm-c/Transforms/PassBuilder.h"
#include "/usr/lib/llvm-14/include/llvm-c/Support.h"
