#!/usr/bin/env bash
# Exports real model architectures (torchvision CNNs, a BERT-style encoder,
# recurrent, audio and segmentation models, an int8 QDQ CNN) to ONNX with
# ONNX Runtime reference data: the small ones into Fixtures/real/ (committed,
# run by the Swift tests), the large ones with --large into .build/real-models/.
#
# Idempotent: Scripts/venv.sh creates the venv Scripts/.venv-models on first
# use and installs the pinned Scripts/requirements-models.txt (again only when
# that file changes; torch makes it a separate venv from Scripts/.venv), then
# this runs Scripts/real_models.py, which is deterministic.
#
# Usage: Scripts/make_real_models.sh [--large] [--only NAME,...] [--check KILNC]
#        (Scripts/make_real_models.sh --help lists the models; PYTHON=python3.11
#        picks the interpreter)
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_NAME=.venv-models VENV_REQUIREMENTS=requirements-models.txt
source "$SCRIPTS/venv.sh"

exec "$VENV/bin/python" "$SCRIPTS/real_models.py" "$@"
