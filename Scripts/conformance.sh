#!/usr/bin/env bash
# Runs ONNX's own backend node tests through Kiln and writes
# Docs/Conformance.md (see Scripts/conformance/README.md).
#
# Sets up the pinned venv (Scripts/venv.sh, as make_fixtures.sh does), builds
# kilnc, writes the cases to .build/conformance/cases/ (deterministic,
# idempotent), then runs them all with `kilnc verify`. Extra arguments go to
# Scripts/conformance/run.py, e.g.
#
#   Scripts/conformance.sh --ops Relu,Conv -j 4
#   Scripts/conformance.sh --subset Fixtures/conformance
#
# SWIFT=/path/to/swift picks the toolchain; PYTHON=python3.11 the venv's
# interpreter.
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPTS/venv.sh"
SWIFT="${SWIFT:-swift}"

# SwiftPM and run.py's defaults work from the package root.
cd "$(dirname "$SCRIPTS")"
"$SWIFT" build --product kilnc
KILNC="$("$SWIFT" build --show-bin-path)/kilnc"

"$VENV/bin/python" "$SCRIPTS/conformance/generate_cases.py"
exec "$VENV/bin/python" "$SCRIPTS/conformance/run.py" --kilnc "$KILNC" --write-doc "$@"
