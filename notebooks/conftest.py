"""Re-execute the notebook under nbval in the environment its stored outputs came from.

The committed outputs are a full-size run on the synthetic dataset
(scripts/notebook_env.py), so the nbval kernel runs on that dataset at that size,
whatever else is in datasets/ or in the caller's environment.
"""

import pytest

from scripts.notebook_env import use_notebook_env


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Give the notebook's kernel the reference environment before its first cell."""
    # The kernel starts when the notebook's first cell is set up, and inherits os.environ.
    if item.path.suffix == ".ipynb":
        use_notebook_env()
