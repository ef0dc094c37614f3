#!/usr/bin/env bash
# Run the whole test suite: the unit tests, then notebooks/softmax.ipynb re-executed
# by nbval in strict mode and compared cell by cell with its stored outputs, in this
# machine's BLAS environment; tests/test_notebook_replay.py replays it once more under
# another OpenBLAS kernel and thread count.
# Extra arguments go to pytest (for example: ./test.sh -x -k softmax).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
exec "$PYTHON" -m pytest tests notebooks --nbval --nbval-current-env \
    --nbval-sanitize-with tests/nbval_sanitize.cfg "$@"
