#!/usr/bin/env bash
# Run the public unit tests of the exercise; the graders also run hidden tests.
# Extra arguments go to pytest, for example: ./test.sh -m softmax_naive
# (The notebook is not tested here: it is handed in with its outputs, and the
# graders re-execute it and compare.)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
exec "$PYTHON" -m pytest tests "$@"
