"""Execute a notebook headless: ``python -m grading.student.execute NOTEBOOK [--out OUT]``.

What ./run.sh runs. The kernel logs errors only: its warning that it talks to this process
over TCP on 127.0.0.1 without encryption says nothing a student can act on. The executed notebook is
written to OUT (by default in place) even when a cell fails, and a failure is told in a few
plain lines: the cell, its task, and the error, without the ANSI colours of a traceback.
"""

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TIMEOUT = 1800  # seconds for one cell
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CHECK_CALL = re.compile(r"""\bcheck\(["']([a-z_]+)["']\)""")
TASK_IN_ERROR = re.compile(r"\bTask ([a-z][a-z0-9_]*):")


def failed_cell(nb: Any) -> tuple[int, dict[str, Any]] | None:
    """The index and error output of the first code cell whose outputs hold an error."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                return index, output
    return None


def task_of(nb: Any, index: int, message: str) -> str | None:
    """The task a failing cell belongs to: named by a stub's error, else the next check cell."""
    named = TASK_IN_ERROR.search(message)
    if named:
        return named[1]
    for cell in nb.cells[index:]:
        found = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if found:
            return found[1]
    return None


def failure_summary(nb: Any) -> str:
    """A few plain lines on where the executed notebook stopped and why."""
    found = failed_cell(nb)
    if found is None:
        return "error: the notebook stopped, but no cell holds an error (timeout or dead kernel?)"
    index, output = found
    message = ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    message = " ".join(message.split())
    task = task_of(nb, index, message)
    first = next((line for line in nb.cells[index].source.split("\n")
                  if line.strip() and not line.lstrip().startswith("#")), "")
    return "\n".join([f"error: the notebook stopped at cell {index}"
                      + (f" (task {task})" if task else ""),
                      f"  cell: {first.strip()[:90]}",
                      f"  {message[:400]}"])


def execute(path: Path | str, out: Path | str, timeout: int = TIMEOUT) -> str | None:
    """Execute the notebook at `path` into `out`; None if every cell ran, else the summary."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(Path(path).resolve().parent)}})
    problem = None
    try:
        client.execute()
    except CellExecutionError:
        problem = failure_summary(nb)
    finally:
        nbformat.write(nb, out)
    return problem


def main(argv: list[str] | None = None) -> int:
    """Execute a notebook from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.student.execute",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("notebook", type=Path, help="the notebook to execute")
    parser.add_argument("--out", type=Path, help="where to write it (default: in place)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        raise FileNotFoundError(f"notebook {args.notebook} is not a file: give the path of "
                                "the .ipynb to execute, such as notebooks/softmax.ipynb")
    problem = execute(args.notebook, args.out or args.notebook)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
