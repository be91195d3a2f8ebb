#!/usr/bin/env bash
# Builds the DocC archive of the Kiln runtime library (Sources/Kiln and its
# catalog Sources/Kiln/Kiln.docc) with the toolchain's own tools, no package
# plugin: `swift build` compiles the module in its own scratch folder,
# `swift-symbolgraph-extract` reads its public API from the built module
# (every run, so an up-to-date build still gives a fresh graph), and
# `docc convert` turns the catalog and the graph into
# .build-docs/Kiln.doccarchive. Any warning (a broken symbol link, an unknown
# article, an undocumented parameter) fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."

swift="${SWIFT:-swift}"
scratch=.build-docs
symbols="$scratch/symbol-graphs"
archive="$scratch/Kiln.doccarchive"

# docc and swift-symbolgraph-extract ship beside swift in the toolchain.
toolchain="$(dirname "$(readlink -f "$(command -v "$swift")")")"
tool() {
    if [ -x "$toolchain/$1" ]; then echo "$toolchain/$1"; else command -v "$1" || true; fi
}
docc="$(tool docc)"
extract="$(tool swift-symbolgraph-extract)"
for found in "$docc:docc" "$extract:swift-symbolgraph-extract"; do
    [ -n "${found%%:*}" ] || { echo "build-docs: no ${found#*:} beside $swift or on PATH" >&2; exit 1; }
done

"$swift" build --target Kiln --scratch-path "$scratch"
bin="$("$swift" build --scratch-path "$scratch" --show-bin-path)"

rm -rf "$symbols" "$archive"
mkdir -p "$symbols"
"$extract" -module-name Kiln -minimum-access-level public \
    -I "$bin/Modules" -I "$bin/CKiln.build" -output-dir "$symbols"
"$docc" convert Sources/Kiln/Kiln.docc \
    --additional-symbol-graph-dir "$symbols" \
    --output-path "$archive" \
    --fallback-display-name Kiln \
    --fallback-bundle-identifier dev.kiln.Kiln \
    --warnings-as-errors

echo "build-docs: wrote $archive"
