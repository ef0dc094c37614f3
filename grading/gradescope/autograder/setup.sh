#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, with
# the network): Python 3.11 or newer, bubblewrap, a virtual environment in /opt holding
# the pinned requirements.txt, and the data: CIFAR-10, checked against its
# SHA-256, and the synthetic stand-in. Then the bundle, whose hidden tests and reference
# solution sit beside the grader, is made readable by root alone.
set -euo pipefail
bundle=/autograder/source/bundle
venv=/opt/softmax-venv
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap ca-certificates curl
# The system's Python, never one under /root: without a sandbox, submitted code runs as
# uid 65534 (grading/README.md), which must be able to run it.
apt-get install -y -qq python3
python=/usr/bin/python3
if "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -qq python3-venv
else  # Ubuntu 22.04's python3 is 3.10
    apt-get install -y -qq python3.11 python3.11-venv
    python=/usr/bin/python3.11
fi
"$python" -m venv "$venv"
cd "$bundle"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
PYTHON=$venv/bin/python ./get_datasets.sh
PYTHON=$venv/bin/python ./get_datasets.sh --synthetic
chmod -R go-rwx /autograder/source
