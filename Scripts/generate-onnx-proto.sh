#!/usr/bin/env bash
# Regenerates Sources/KilnCompiler/ONNX/onnx.pb.swift from ONNX's canonical
# proto2 schema (onnx/onnx.proto) for a pinned ONNX release.
#
#   Scripts/generate-onnx-proto.sh
#
# Both the schema and the generated Swift are committed; run this only to bump
# ONNX_VERSION or SWIFT_PROTOBUF_VERSION. Inputs are pinned:
#   - onnx.proto comes from the onnx wheel on PyPI and is checked against a
#     SHA-256 (update ONNX_PROTO_SHA256 together with ONNX_VERSION);
#   - protoc-gen-swift is built from swift-protobuf at SWIFT_PROTOBUF_VERSION,
#     which must match the swift-protobuf runtime Package.swift resolves.
# Set PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift to skip building the plugin.
set -euo pipefail

ONNX_VERSION="1.23.2"
ONNX_PROTO_SHA256="547214dd049486a4d5ecbae593e9c72d90b5e8d603944b722eff469e0b5a9cc9"
SWIFT_PROTOBUF_VERSION="1.39.0"
SWIFT_PROTOBUF_URL="https://github.com/apple/swift-protobuf"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/Sources/KilnCompiler/ONNX"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kiln-onnx-proto.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> %s\n' "$*" >&2; }

# 1. protoc
if ! command -v protoc >/dev/null 2>&1; then
    log "protoc not found; installing protobuf-compiler"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO apt-get install -y protobuf-compiler
fi
log "using $(protoc --version)"

# 2. protoc-gen-swift
if [ -n "${PROTOC_GEN_SWIFT:-}" ]; then
    PLUGIN="$PROTOC_GEN_SWIFT"
else
    log "building protoc-gen-swift $SWIFT_PROTOBUF_VERSION"
    git -c advice.detachedHead=false clone --quiet --depth 1 \
        --branch "$SWIFT_PROTOBUF_VERSION" "$SWIFT_PROTOBUF_URL" "$WORK/swift-protobuf"
    swift build --package-path "$WORK/swift-protobuf" \
        -c release --product protoc-gen-swift
    PLUGIN="$(swift build --package-path "$WORK/swift-protobuf" \
        -c release --show-bin-path)/protoc-gen-swift"
fi
[ -x "$PLUGIN" ] || { echo "error: protoc-gen-swift not found at $PLUGIN" >&2; exit 1; }
log "using $PLUGIN ($("$PLUGIN" --version))"

# 3. onnx.proto from the pinned wheel (the .proto is platform-independent; pin
#    the platform anyway so the same file is downloaded from any host).
log "downloading onnx==$ONNX_VERSION"
python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.12 --implementation cp \
    --dest "$WORK/wheel" "onnx==$ONNX_VERSION"
WHEEL="$(ls "$WORK"/wheel/onnx-"$ONNX_VERSION"-*.whl)"
mkdir -p "$WORK/proto"
unzip -q -j "$WHEEL" onnx/onnx.proto -d "$WORK/proto"
ACTUAL_SHA="$(sha256sum "$WORK/proto/onnx.proto" | cut -d' ' -f1)"
if [ "$ACTUAL_SHA" != "$ONNX_PROTO_SHA256" ]; then
    echo "error: onnx.proto SHA-256 is $ACTUAL_SHA, expected $ONNX_PROTO_SHA256" >&2
    echo "       (update ONNX_PROTO_SHA256 if you changed ONNX_VERSION)" >&2
    exit 1
fi

mkdir -p "$OUT_DIR"
cp "$WORK/proto/onnx.proto" "$OUT_DIR/onnx.proto"

# 4. Generate. Package visibility: other targets of this package (tests, the
#    driver) can see the types, but they are not public API of KilnCompiler.
log "generating $OUT_DIR/onnx.pb.swift"
protoc \
    --plugin=protoc-gen-swift="$PLUGIN" \
    --proto_path="$OUT_DIR" \
    --swift_opt=Visibility=Package \
    --swift_out="$OUT_DIR" \
    "$OUT_DIR/onnx.proto"

log "done: onnx $ONNX_VERSION, swift-protobuf $SWIFT_PROTOBUF_VERSION"
