"""Re-execute notebooks/softmax.ipynb in place, in the environment the nbval test uses.

Usage (from the bundle's root): python -m scripts.regenerate_notebook
"""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from scripts.notebook_env import use_notebook_env

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "softmax.ipynb"


def main():
    """Re-execute the notebook in place in the reference environment."""
    use_notebook_env()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    nbformat.write(notebook, NOTEBOOK)
    print(f"re-executed {NOTEBOOK.name} in place")


if __name__ == "__main__":
    main()
