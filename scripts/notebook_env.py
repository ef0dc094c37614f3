"""The environment in which the committed notebook outputs are made and checked.

The nbval test (notebooks/conftest.py) and the regeneration command
(``python -m scripts.regenerate_notebook``) both execute the notebook at full size on
the synthetic dataset with one BLAS thread (`grading.tasks.PINNED_THREADS`, as the grader
runs it): a different thread count may add up floating-point sums in a different order,
and the stored outputs would not repeat.
"""

import os

import data_utils
from grading import tasks


def use_notebook_env():
    """Set os.environ for a reference run, generating the synthetic dataset if missing."""
    os.environ.update(tasks.PINNED_THREADS, CIFAR10_DIR=str(data_utils.ensure_synthetic()))
    os.environ.pop("SOFTMAX_QUICK", None)
