#!/usr/bin/env bash
# Generates every test fixture under Fixtures/ and the Digits demo model
# (Examples/Digits/Sources/Digits/digits.onnx + its held-out test set as C).
#
# Idempotent: Scripts/venv.sh creates the venv Scripts/.venv on first use and
# installs the pinned Scripts/requirements.txt (again only when that file
# changes), then this runs Scripts/make_fixtures.py, which is deterministic.
#
# Usage: Scripts/make_fixtures.sh            (PYTHON=python3.11 to pick the interpreter)
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPTS/venv.sh"

exec "$VENV/bin/python" "$SCRIPTS/make_fixtures.py" "$@"
