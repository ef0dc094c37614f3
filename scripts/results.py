"""Print the accuracy table that an executed softmax notebook recorded.

The notebook's last cell prints one JSON object, ``{"dataset": ..., "accuracy":
{method: {"train": ..., "val": ..., "test": ...}}}``; this reads it back.

Usage: python -m scripts.results build/softmax.ipynb
"""

import json
import sys

import nbformat


def read_record(path):
    """The JSON record printed by the last code cell of the notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    text = "".join(out.get("text", "") for out in last.get("outputs", [])
                   if out.get("name") == "stdout")
    if not text.strip():
        raise ValueError(f"path must name an executed notebook, but {path} has no record "
                         "in its last cell: execute it first")
    return json.loads(text)


def main(path):
    record = read_record(path)
    print(f"dataset: {record['dataset']}")
    print(f"{'method':<40} {'train':>6} {'val':>6} {'test':>6}")
    for method, acc in record["accuracy"].items():
        print(f"{method:<40} {acc['train']:6.3f} {acc['val']:6.3f} {acc['test']:6.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
