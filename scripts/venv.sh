# Sourced by run.sh and test.sh: make sure the virtual environment $VENV (default .venv)
# holds requirements.txt. Re-installs only when requirements.txt or pyproject.toml changed
# since the last install.

if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 (3.11 or newer) is needed; install it and re-run." >&2
    exit 1
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: python3 is $(python3 -V 2>&1 | cut -d' ' -f2); this bundle needs 3.11 or newer." >&2
    exit 1
fi
VENV=${VENV:-.venv}
stamp=$VENV/.requirements.sha256
wanted=$(cat requirements.txt pyproject.toml | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Setting up $VENV from requirements.txt (needs PyPI the first time) ..."
    python3 -m venv "$VENV" || { echo "error: could not create $VENV (on Debian: apt-get install python3-venv)." >&2; exit 1; }
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt; then
        echo "error: installing requirements.txt failed; check the network and re-run." >&2
        exit 1
    fi
    echo "$wanted" > "$stamp"
fi
PYTHON=$(cd "$VENV" && pwd)/bin/python
export PYTHON
