"""The committed notebook replays under a second OpenBLAS kernel and thread count.

./test.sh replays notebooks/softmax.ipynb under nbval in the machine's own environment.
This test replays it once more, in a subprocess, under a kernel other than the one
threadpoolctl reports for that environment and another thread count (1 if that one used
more, else 2), with the same strict nbval and sanitize file. OPENBLAS_CORETYPE is set for
the subprocess only; OPENBLAS_L2_SIZE and the rest of the environment are passed on as found.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = next(folder for folder in Path(__file__).resolve().parents
            if (folder / "pyproject.toml").is_file())
NOTEBOOK = ROOT / "notebooks" / "softmax.ipynb"
SANITIZE_FILE = ROOT / "tests" / "nbval_sanitize.cfg"

# The kernel a second run takes, by the kernel of the first: one step down, so that it needs
# no instruction the first one's CPU lacks (SkylakeX needs AVX-512, Haswell AVX2 and FMA,
# Sandybridge AVX). Zen runs Haswell's kernels, so it steps down to Sandybridge; ARMV8 is
# the generic kernel of every arm64 CPU.
SECOND_KERNEL = {"SkylakeX": "Haswell", "Cooperlake": "Haswell", "SapphireRapids": "Haswell",
                 "Haswell": "Sandybridge", "Zen": "Sandybridge", "Sandybridge": "Nehalem",
                 "NeoverseN1": "ARMV8", "NeoverseN2": "ARMV8", "NeoverseV1": "ARMV8",
                 "Vortex": "ARMV8", "CortexA57": "ARMV8"}


def openblas_in(env):
    """(kernel, threads) of numpy's OpenBLAS in a new process with env, or None without one."""
    code = ("import json, numpy, threadpoolctl\n"
            "print(json.dumps([(i['architecture'], i['num_threads'])\n"
            "                  for i in threadpoolctl.threadpool_info()\n"
            "                  if i['internal_api'] == 'openblas']))")
    probe = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=300, check=True)
    found = json.loads(probe.stdout)
    return tuple(found[0]) if found else None


def test_notebook_replays_under_another_kernel_and_thread_count():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    first = openblas_in(env)
    if first is None:
        pytest.skip("numpy here does not use OpenBLAS, so OPENBLAS_CORETYPE cannot switch kernels")
    kernel = next((second for name, second in SECOND_KERNEL.items()
                   if name.lower() == first[0].lower()), None)
    if kernel is None:
        pytest.skip(f"no second kernel is known for OpenBLAS's {first[0]!r}")
    threads = 1 if first[1] > 1 else 2
    if threads > (os.cpu_count() or 1):
        pytest.skip("one core: OpenBLAS cannot run a second thread count here")
    env.update(OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS=str(threads))
    # The replay is a claim about this kernel and thread count only if OpenBLAS takes them.
    assert openblas_in(env) == (kernel, threads), f"first run {first}"
    replay = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE_FILE), str(NOTEBOOK)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert replay.returncode == 0, (
        f"{first} replayed, {(kernel, threads)} did not:\n{replay.stdout[-4000:]}")
