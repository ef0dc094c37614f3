#!/usr/bin/env bash
# Run the whole test suite: unit tests, then the notebook re-executed by nbval.
# Extra arguments go to pytest (for example: ./test.sh -x -k softmax).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
exec "$PYTHON" -m pytest "$@"
