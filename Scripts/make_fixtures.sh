#!/usr/bin/env bash
# Generates every test fixture under Fixtures/ and the Digits demo model
# (Examples/Digits/Sources/Digits/digits.onnx + its held-out test set as C).
#
# Idempotent: creates the venv Scripts/.venv on first use, installs the pinned
# Scripts/requirements.txt (again only when that file changes), then runs
# Scripts/make_fixtures.py, which is deterministic.
#
# Usage: Scripts/make_fixtures.sh            (PYTHON=python3.11 to pick the interpreter)
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$SCRIPTS/.venv"
REQS="$SCRIPTS/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating venv at $VENV"
    "$PYTHON" -m venv "$VENV"
fi

want="$(sha256sum "$REQS" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "Installing pinned packages from $REQS"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
    echo "$want" > "$STAMP"
fi

# One thread everywhere: reproducible numerics and modest CPU use.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
export PYTHONHASHSEED=0

exec "$VENV/bin/python" "$SCRIPTS/make_fixtures.py" "$@"
