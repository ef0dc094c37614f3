"""The environment in which the committed notebook outputs are made and checked.

The nbval test (notebooks/conftest.py) and the regeneration command
(``python -m scripts.regenerate_notebook``) both execute the notebook at full size on
the synthetic dataset with one BLAS thread: a different thread count may add up
floating-point sums in a different order, and the stored outputs would not repeat.
"""

import os

import cifar_synthetic

PINNED_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def use_notebook_env():
    """Set os.environ for a reference run, generating the synthetic dataset if missing."""
    if not (cifar_synthetic.DEFAULT_DIR / cifar_synthetic.MARKER).exists():
        cifar_synthetic.write_dataset()
    os.environ.update(PINNED_THREADS, CIFAR10_DIR=str(cifar_synthetic.DEFAULT_DIR))
    os.environ.pop("SOFTMAX_QUICK", None)
