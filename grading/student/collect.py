"""Pack a submission: ``python -m grading.student.collect [--out submission.zip]``.

Run inside the student bundle. Checks that every submission file is there,
that the solution markers are intact, and that the notebook was executed top
to bottom in one kernel (code cells numbered 1, 2, 3, ... with no gaps, as
"Restart Kernel and Run All Cells" leaves them); then writes one zip of the
task files and the executed notebook. If anything is wrong it lists what and
writes nothing, so there is never a partial zip. The zip's contents depend
only on the files, not on when it was made.
"""

import argparse
import sys
import zipfile
from pathlib import Path
from typing import Any

import nbformat

from grading import tasks
from grading.student import regions


def order_problem(nb: Any) -> str | None:
    """Why the notebook was not run top to bottom in one kernel, or None."""
    expected = 1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count != expected:
            found = "was not run" if cell.execution_count is None else \
                f"has execution count {cell.execution_count}"
            return (f"cell {index} {found}, expected execution count {expected}: run "
                    "Kernel > Restart Kernel and Run All Cells, save, then collect again")
        expected += 1
    return None


def problems(root: Path) -> list[str]:
    """Everything that stops `root` from being handed in, as messages."""
    missing = [rel for rel in tasks.SUBMISSION_FILES if not (root / rel).is_file()]
    found = [f"{rel} is missing" for rel in missing]
    found += regions.check(root, [rel for rel in tasks.SUBMISSION_FILES if rel not in missing])
    if tasks.NOTEBOOK not in missing and not found:
        problem = order_problem(nbformat.read(root / tasks.NOTEBOOK, as_version=4))
        found += [f"{tasks.NOTEBOOK}: {problem}"] if problem else []
    return found


def collect(root: Path | str, out: Path | str) -> list[str]:
    """Write the submission zip of `root` to `out`; return the problems (nothing written if any)."""
    found = problems(Path(root))
    if not found:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel in tasks.SUBMISSION_FILES:
                # A fixed timestamp: the same files always give the same zip.
                info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, (Path(root) / rel).read_bytes(), zipfile.ZIP_DEFLATED)
    return found


def main(argv: list[str] | None = None) -> int:
    """Check and zip the student bundle from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.student.collect",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="submission.zip",
                        help="the zip to write (default: %(default)s)")
    args = parser.parse_args(argv)
    found = collect(tasks.BUNDLE, Path(args.out))
    for problem in found:
        print(f"collect: {problem}", file=sys.stderr)
    if found:
        print(f"collect: nothing written; fix the {len(found)} problem(s) above", file=sys.stderr)
        return 1
    print(f"collect: wrote {args.out} ({len(tasks.SUBMISSION_FILES)} files); hand it in")
    return 0


if __name__ == "__main__":
    sys.exit(main())
