"""Read back the accuracy table that an executed softmax notebook recorded.

The notebook's last cell prints one JSON object, ``{"dataset": "cifar10" |
"synthetic", "accuracy": {method: {"train": ..., "val": ..., "test": ...}}, "quick":
true | false, "task_files": digest}``; `record` parses it (run.sh prints it, the grader
copies it into reports, collect compares the digest, `task_files_digest`, with the code
handed in).

Usage: python -m grading.student.record build/softmax.ipynb
"""

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import nbformat

from grading import tasks

DATASETS = ("cifar10", "synthetic")


def record(notebook: Any) -> dict[str, Any]:
    """The JSON object the notebook's last code cell printed, or {} if there is none."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    text = "".join(output.get("text", "") for output in (code[-1].outputs if code else [])
                   if output.get("name") == "stdout")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) and data.get("dataset") in DATASETS else {}


def task_files_digest(root: Path | str = tasks.BUNDLE) -> str:
    """SHA-256 (hex) of the task files of the bundle at `root`: their names and bytes, in order.

    The notebook's last cell records it, so that a hand-in shows whether the notebook ran
    on the code handed in.
    """
    digest = hashlib.sha256()
    for rel in dict.fromkeys(task.file for task in tasks.TASKS.values()):
        digest.update(rel.encode() + b"\0" + (Path(root) / rel).read_bytes() + b"\0")
    return digest.hexdigest()


def main(path: str) -> None:
    """Print the accuracy table an executed notebook recorded; the exit status."""
    found = record(nbformat.read(path, as_version=4))
    if not found:
        sys.exit(f"error: {path} records no results in its last cell: execute it first")
    print(f"dataset: {found['dataset']}")
    print(f"{'method':<40} {'train':>6} {'val':>6} {'test':>6}")
    for method, acc in found["accuracy"].items():
        print(f"{method:<40} {acc['train']:6.3f} {acc['val']:6.3f} {acc['test']:6.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
