#!/usr/bin/env bash
# Installs the Debian packages Kiln needs, only those missing (idempotent):
# LLVM 14's C API for kilnc, Vulkan headers and loader, Mesa's lavapipe
# (a CPU Vulkan driver for tests), spirv-tools (spirv-val), GNU time
# (peak memory in measurement scripts) and Chromium (headless, to render
# `kilnc report` pages in tests). Arguments name more packages, for checks
# outside `make test` (the Vulkan validation layer).
set -euo pipefail

packages=(llvm-dev libvulkan-dev mesa-vulkan-drivers spirv-tools time chromium "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
