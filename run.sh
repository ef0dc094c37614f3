#!/usr/bin/env bash
# Execute the softmax notebook headless and show its results.
#   ./run.sh               set up .venv if needed, get the data, execute notebooks/softmax.ipynb
#                          into build/ (notebook and HTML) and print the final accuracy table
#   ./run.sh --in-place    execute notebooks/softmax.ipynb itself, the notebook collect hands in
#   ./run.sh --quick       small splits and short training (SOFTMAX_QUICK=1); the notebook
#                          says it ran quick, and collect reports it
#   ./run.sh --download    try the CIFAR-10 download again after one that failed
# Data: real CIFAR-10 when it is there or can be downloaded and verified, else the synthetic
# set. A synthetic set already there is verified and kept, and a failed download is not tried
# again on every run (datasets/.download-failed remembers it) unless --download asks.
set -euo pipefail
cd "$(dirname "$0")"

in_place=0 download=0
for arg in "$@"; do
    case $arg in
        --in-place) in_place=1 ;;
        --quick) export SOFTMAX_QUICK=1 ;;
        --download) download=1 ;;
        *) echo "error: unknown option '$arg': use --in-place, --quick or --download" >&2
           exit 2 ;;
    esac
done
source scripts/venv.sh

failed=datasets/.download-failed
if [ -z "${CIFAR10_DIR:-}" ]; then
    if [ -f datasets/cifar-10-batches-py/.complete ]; then
        echo "Using CIFAR-10 from datasets/cifar-10-batches-py."
    elif [ -f "$failed" ] && [ "$download" = 0 ]; then
        echo "Using the synthetic offline dataset: the CIFAR-10 download failed before" \
             "(./run.sh --download tries again)."
        ./get_datasets.sh --synthetic
    elif ./get_datasets.sh; then
        rm -f "$failed"
    else
        date -u +%FT%TZ > "$failed"
        echo "Real CIFAR-10 is not available here: using the synthetic offline dataset instead."
        ./get_datasets.sh --synthetic
    fi
fi

notebook=notebooks/softmax.ipynb
executed=build/softmax.ipynb
[ "$in_place" = 0 ] || executed=$notebook
mkdir -p build
echo "Executing $notebook${SOFTMAX_QUICK:+ (quick)} into $executed ..."
if ! "$PYTHON" -m grading.student.execute "$notebook" --out "$executed"; then
    echo "The executed notebook, up to that cell, is in $executed." >&2
    exit 1
fi
# The classic template gives each figure the alt text its cell's metadata holds.
"$PYTHON" -m jupyter nbconvert --to html --template classic "$executed" --output-dir build \
    --output softmax --log-level WARN
echo "Wrote $executed and build/softmax.html."
"$PYTHON" -m grading.student.record "$executed"
