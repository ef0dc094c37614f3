"""The environment in which the committed notebook outputs are made and checked.

The nbval test (notebooks/conftest.py) and the regeneration command
(``python -m scripts.regenerate_notebook``) both execute the notebook at full size on
the synthetic dataset. BLAS keeps the machine's own kernel and thread count: the
notebook prints every number at a precision that repeats across both (the matrix in
docs/reproducibility.md), so nothing is pinned.
"""

import os

import data_utils


def use_notebook_env():
    """Set os.environ for a reference run, generating the synthetic dataset if missing."""
    os.environ["CIFAR10_DIR"] = str(data_utils.ensure_synthetic())
    os.environ.pop("SOFTMAX_QUICK", None)
