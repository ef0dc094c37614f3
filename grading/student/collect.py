"""Pack a submission: ``python -m grading.student.collect [--out submission.zip] [--strict]``.

Run inside the student bundle. Refuses, writing nothing, when a submission file is missing
or its solution markers are broken: such a hand-in cannot be graded. Otherwise it prints what
the hand-in holds (`grading.student.handin`): each task written or still a stub with its
public check, each answer written or empty, and whether the notebook ran top to bottom
("Restart Kernel and Run All Cells"), at full size, on the code being handed in. It writes
one zip of the task files and the executed notebook either way, and ends with one line,
"complete" or "incomplete: ..."; with --strict an incomplete hand-in is refused instead.
The zip's contents depend only on the files, not on when it was made.
"""

import argparse
import sys
import zipfile
from pathlib import Path

from grading import tasks
from grading.student import handin, regions


def problems(root: Path) -> list[str]:
    """What stops `root` from being handed in at all, as messages."""
    missing = [rel for rel in tasks.SUBMISSION_FILES if not (root / rel).is_file()]
    found = [f"{rel} is missing" for rel in missing]
    return found + regions.check(root, [rel for rel in tasks.SUBMISSION_FILES
                                        if rel not in missing])


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


def main(argv: list[str] | None = None, root: Path = tasks.BUNDLE,
         status: handin.Status = handin.public_status) -> int:
    """Check, show and zip the student bundle from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.student.collect",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="submission.zip",
                        help="the zip to write (default: %(default)s)")
    parser.add_argument("--strict", action="store_true",
                        help="refuse an incomplete hand-in instead of zipping it")
    args = parser.parse_args(argv)
    found = problems(root)
    for problem in found:
        print(f"collect: {problem}", file=sys.stderr)
    if found:
        print(f"collect: nothing written; fix the {len(found)} problem(s) above", file=sys.stderr)
        return 1
    table = handin.survey(root, status)
    print(table.text())
    if args.strict and table.missing:
        print(f"collect: --strict: nothing written\n{table.verdict}")
        return 1
    collect(root, args.out)
    print(f"collect: wrote {args.out} ({len(tasks.SUBMISSION_FILES)} files)\n{table.verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
