#!/usr/bin/env bash
# Run the whole test suite: the unit tests, and notebooks/softmax.ipynb re-executed by
# nbval in strict mode and compared cell by cell with its stored outputs, in this
# machine's BLAS environment; tests/tools/test_notebook_replay.py replays it once more
# under another OpenBLAS kernel and thread count.
# ./test.sh --quick is the developer's loop: every test not marked slow, and no notebook.
# Extra arguments go to pytest (for example: ./test.sh -x -k softmax; -n 0 for one process).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
if [ "${1:-}" = "--quick" ]; then
    shift
    exec "$PYTHON" -m pytest tests -m "not slow" "$@"
fi
# One pytest-xdist worker per core, at most four, each running whole scopes: a module, the
# notebook, or the modules reading the graded class (scripts/suite_scopes.py).
exec "$PYTHON" -m pytest tests notebooks --nbval --nbval-current-env \
    --nbval-sanitize-with tests/nbval_sanitize.cfg \
    -p scripts.suite_scopes --numprocesses=auto --maxprocesses=4 --dist=loadscope "$@"
