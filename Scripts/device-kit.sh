#!/usr/bin/env bash
# Builds the Vulkan check for a machine with a real GPU but no Swift, clang
# or LLVM (issue 9's real-GPU run on /work/.library/device's machines), as
# one file a device run carries, then runs it here on lavapipe as its own
# check (`make device-kit`).
#
# $KIT (default .build/device-kit), packed into $KIT.tar.xz:
#   kiln-device-check   Benchmarks/DeviceCheck, the Swift runtime linked in
#                       statically, loading the cases through the Kiln runtime
#   cases/, manifest.tsv, skipped.txt   Scripts/device_kit.py's cases: every
#                       fixture and conformance case, and the networks TIMED names
#   gl/                 the Vulkan loader's Debian package, for a machine
#                       without libvulkan.so.1
#
# TIMED=transformer (default; comma-separated, empty for none) names the
# networks carried, checked and timed; NETWORKS=DIR takes them from a folder
# Benchmarks/make_networks.py wrote (else it writes .build/device-kit-networks
# with the bench venv). FIXTURES=0 leaves the fixtures out. A run carries at
# most 64 MiB with the tree (17 MB): the default kit packs to about 24 MB;
# MobileNetV2 (31 MB, random weights barely compress) needs a kit of its own
# (TIMED=mobilenetv2 FIXTURES=0), ResNet-18's 113 MB fit none.
#
# On the device machine, carrying .build/device-kit.tar.xz:
#   tar -xJf .build/device-kit.tar.xz -C /tmp   # without xz: python3 -m tarfile -e .build/device-kit.tar.xz /tmp
#   for f in /tmp/device-kit/gl/*.deb; do dpkg -x $f /; done; ldconfig
#   export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
#   /tmp/device-kit/kiln-device-check /tmp/device-kit 2>&1 | tee $OUT/device-check.log
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SWIFT="${SWIFT:-swift}"
KIT="${KIT:-$ROOT/.build/device-kit}"
TIMED="${TIMED-transformer}"

"$SWIFT" build --product kilnc
KILNC="$("$SWIFT" build --show-bin-path)/kilnc"
CLANG="${KILN_CLANG:-$(dirname "$(readlink -f "$(command -v "$SWIFT")")")/clang}"

if [ -n "$TIMED" ] && [ -z "${NETWORKS:-}" ]; then
    NETWORKS="$ROOT/.build/device-kit-networks"
    if [ ! -f "$NETWORKS/networks.json" ]; then
        VENV_NAME=.venv-bench VENV_REQUIREMENTS=requirements-bench.txt . Scripts/venv.sh >&2
        "$VENV/bin/python" Benchmarks/make_networks.py "$NETWORKS"
    fi
fi

source Scripts/venv.sh
"$VENV/bin/python" Scripts/device_kit.py --kilnc "$KILNC" --clang "$CLANG" --kit "$KIT" \
    ${TIMED:+--networks "$NETWORKS" --timed "$TIMED"} $([ "${FIXTURES:-1}" = 0 ] && echo --no-fixtures)

"$SWIFT" build -c release --static-swift-stdlib --package-path Benchmarks/DeviceCheck
cp "$("$SWIFT" build -c release --package-path Benchmarks/DeviceCheck --show-bin-path)/kiln-device-check" "$KIT/"

# The loader as an amd64 package, fetched with package lists of its own so
# this machine's apt state is untouched.
mkdir -p "$KIT/gl" "$KIT/apt/partial"
apt_options=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$KIT/apt")
apt-get "${apt_options[@]}" update >/dev/null
(cd "$KIT/gl" && apt-get "${apt_options[@]}" download libvulkan1 >/dev/null)
rm -rf "$KIT/apt"

tar -C "$(dirname "$KIT")" -cf - "$(basename "$KIT")" | xz -6 -T2 > "$KIT.tar.xz"
echo "kit: $(du -sh "$KIT" | cut -f1) in $KIT, packed $(du -sh "$KIT.tar.xz" | cut -f1) in $KIT.tar.xz"
echo "checking it here:"
"$KIT/kiln-device-check" "$KIT" --runs 3 --warmup 1
