# Sourced (not run) by the scripts that need Python: sets up the pinned venv
# and the environment they run in.
#
# Idempotent: creates the venv Scripts/.venv on first use, installs the pinned
# Scripts/requirements.txt (again only when that file changes). Afterwards
# $VENV is the venv's folder; run its Python as "$VENV/bin/python".
#
# PYTHON=python3.11 picks the interpreter the venv is created with.
# VENV_NAME and VENV_REQUIREMENTS (set before sourcing) name another venv and
# its requirements file in Scripts/, for tools with heavier dependencies
# (Scripts/make_real_models.sh: .venv-models from requirements-models.txt).

VENV="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/${VENV_NAME:-.venv}"
REQS="$(dirname "$VENV")/${VENV_REQUIREMENTS:-requirements.txt}"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating venv at $VENV"
    "$PYTHON" -m venv "$VENV"
    # The venv ignores itself (as Python 3.13's venv module does), so git
    # never offers it whatever its name.
    echo '*' > "$VENV/.gitignore"
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
