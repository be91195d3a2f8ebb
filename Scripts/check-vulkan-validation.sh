#!/usr/bin/env bash
# The Vulkan suites (every lowered fixture on lavapipe, pipelining, the
# device CLI checks) under the Khronos validation layer: lavapipe runs what
# a GPU driver might refuse (a missing barrier, a bad descriptor, a view
# past a device limit), and the layer says so. Fails when a test fails or
# the layer reports anything. Installs vulkan-validationlayers if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash Scripts/install-system-deps.sh vulkan-validationlayers
log="$(mktemp "${TMPDIR:-/tmp}/kiln-vulkan-validation.XXXXXX.log")"
${SWIFT:-swift} build --build-tests
# The layer logs to standard output when no debug messenger is installed.
# The overlap timing test is left out: the layer's own work skews it. The
# tests run one at a time: Debian's layer (1.3.239) looks devices up in a
# global map that concurrent device creation races on
# (KhronosGroup/Vulkan-ValidationLayers#4391), and crashed once in two
# parallel runs inside its vkGetDeviceProcAddr (none in serial runs, which
# take 7 minutes instead of 4 on 2 cores).
status=0
VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation \
    ${SWIFT:-swift} test --skip-build --no-parallel --filter "VulkanFixtureTests|VulkanTests|VulkanDeviceCLITests|PipeliningTests|VulkanProfilingTests|VulkanShaderChoiceTests|VulkanTypedMathTests|VulkanFloat64Tests|VulkanRowShaderTests|VulkanProductShaderTests|VulkanBoundedDimTests|NodeNameTests" \
        --skip preparationOverlapsTheDevice \
    >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "check-vulkan-validation: the Vulkan suites failed under the validation layer (log: $log)" >&2
    exit 1
fi
if grep -qE "Validation (Error|Warning)|VUID-" "$log"; then
    grep -E "Validation (Error|Warning)|VUID-" "$log" | head -20
    echo "check-vulkan-validation: the validation layer reported the above (log: $log)" >&2
    exit 1
fi
echo "check-vulkan-validation: OK ($(grep -E 'Test run with' "$log" | tail -1))"
