"""What a hand-in holds and what it still misses: the table `collect` prints and the grader shows.

One row per task (its code written or still the stub, and its public check), per answer to a
question (written or empty), per code cell region of the notebook, and one for the notebook
itself: run top to bottom in one kernel, at full size or quick, and against the code being
handed in (the digest of the task files that its last cell recorded, `record.task_files_digest`).
The table ends with one line, "complete" or "incomplete: ...". Everything is read from the
declared submission files (`tasks.SUBMISSION_FILES`) and the regions the release marks.
"""

import ast
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grading import tasks
from grading.student import check, record, regions

# A task's public check: "passed", "failed", or "waiting" for another task's stub.
Status = Callable[[str, Path], str]


@dataclass(frozen=True)
class Row:
    """One line of the table: what, its state, its check, and what is missing (None if nothing)."""

    item: str
    state: str
    check: str = ""
    missing: str | None = None


@dataclass(frozen=True)
class HandIn:
    """The table of a hand-in, and its verdict."""

    rows: tuple[Row, ...]

    @property
    def missing(self) -> list[str]:
        """What keeps the hand-in from being complete, one phrase per row."""
        return [row.missing for row in self.rows if row.missing]

    @property
    def verdict(self) -> str:
        """'complete', or 'incomplete: ' and what is missing."""
        return "incomplete: " + "; ".join(self.missing) if self.missing else "complete"

    def text(self) -> str:
        """The table as aligned plain text, one row a line (the verdict is apart)."""
        width = max(len(row.item) for row in self.rows)
        return "\n".join(f"{row.item:<{width}}  {row.state}"
                         + (f", public check {row.check}" if row.check else "")
                         for row in self.rows)

    def markdown(self) -> str:
        """The table in Markdown for a report, every cell escaped, its verdict below."""
        def cell(text: str) -> str:
            # One line, valid UTF-8, and no Markdown of the submission's: text read from a
            # notebook must not add a heading, a link or a line of its own to a report.
            text = " ".join(text.split()).encode("utf-8", "backslashreplace").decode("utf-8")
            escaped = re.sub(r"([\\`*\[\]!])", r"\\\1", html.escape(text))
            return escaped.replace("|", "&#124;")
        lines = ["| Part | State | Public check |", "|---|---|---|"]
        lines += [f"| {cell(row.item)} | {cell(row.state)} | {cell(row.check or '-')} |"
                  for row in self.rows]
        return "\n".join(lines + ["", f"**{cell(self.verdict)}**"])


def public_status(task: str, root: Path) -> str:
    """The task's public check on the bundle at `root`: "passed", "failed", "not written" or
    "waiting" (its tests that need another task's stub wait, and none fails)."""
    return check.run_check(task, root).state


def is_stub(body: str, task: str) -> bool:
    """True if a code region's body is still the release's stub: only its NotImplementedError."""
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return False
    return (len(tree.body) == 1 and isinstance(tree.body[0], ast.Raise)
            and f"Task {task}:" in ast.unparse(tree.body[0]))


def region_bodies(text: str, kind: str, where: str) -> list[tuple[str, str]]:
    """(task, dedented body) of every region of one file's or cell's text."""
    lines = text.split("\n")
    found = []
    for region in regions.find_regions(text, kind, where):
        body = lines[region.start + 1:region.end]
        found.append((region.task, "\n".join(line.removeprefix(region.indent)
                                             for line in body)))
    return found


def task_rows(root: Path, status: Status) -> list[Row]:
    """A row per graded task: written or stub, and its public check."""
    stubs: dict[str, list[bool]] = {}
    for rel in dict.fromkeys(task.file for task in tasks.TASKS.values()):
        text = (root / rel).read_text(encoding="utf-8")
        for task, body in region_bodies(text, "code", rel):
            stubs.setdefault(task, []).append(is_stub(body, task))
    rows = []
    for name in tasks.TASKS:
        found = stubs.get(name, [True])
        left = sum(found)
        state = ("written" if not left else "stub" if left == len(found)
                 else f"stub in {left} of {len(found)} regions")
        result = status(name, root)
        missing = (f"{name} not written" if left
                   else f"{name} fails its public check" if result in ("failed", "not written")
                   else None)
        rows.append(Row(name, state, result, missing))
    return rows


def notebook_rows(nb: Any) -> list[Row]:
    """A row per region of the notebook: answers written or empty, code written or stub."""
    rows = []
    for _, kind, source, where in regions.notebook_sources(nb, tasks.NOTEBOOK):
        for task, body in region_bodies(source, kind, where):
            if kind == "answer":
                written = bool(body.strip())
                rows.append(Row(task, "written" if written else "empty",
                                missing=None if written else f"{task} empty"))
            else:
                stub = is_stub(body, task)
                rows.append(Row(task, "stub" if stub else "written",
                                missing=f"{task} not written" if stub else None))
    return rows


def run_row(root: Path, nb: Any) -> Row:
    """How the notebook was run: in order, full or quick, and on the code handed in."""
    problem = order_problem(nb)
    if problem:
        return Row("notebook", problem, missing="the notebook not run top to bottom")
    found = record.record(nb)
    if not found:
        return Row("notebook", "its last cell records no run",
                   missing="the notebook not run to its last cell")
    quick = found.get("quick") is True
    same = found.get("task_files") == record.task_files_digest(root)
    missing = ["the notebook run quick, not at full size"] if quick else []
    missing += [] if same else ["the notebook not run on the code handed in"]
    size = "quick (SOFTMAX_QUICK=1)" if quick else "full size"
    code = "the code handed in" if same else "other code than is handed in"
    return Row("notebook", f"run top to bottom, {size}, on {code}",
               missing="; ".join(missing) or None)


def order_problem(nb: Any) -> str | None:
    """Why the notebook was not run top to bottom in one kernel, or None."""
    expected = 1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.execution_count != expected:
            count = cell.execution_count
            found = ("was not run" if count is None else f"has execution count {count}"
                     if type(count) is int else "has an execution count that is not a number")
            return (f"cell {index} {found}, expected execution count {expected}: run "
                    "Kernel > Restart Kernel and Run All Cells, save, then collect again")
        expected += 1
    return None


def survey(root: Path | str, status: Status = public_status) -> HandIn:
    """The hand-in table of the bundle at `root`, whose submission files must all be there.

    Parameters
    ----------
    root : path
        The bundle (or a graded submission's folder) holding `tasks.SUBMISSION_FILES`.
    status : callable
        ``status(task, root)`` gives a task's check: the public tests by default; the grader
        passes its own results.
    """
    root = Path(root)
    nb = nbformat.read(root / tasks.NOTEBOOK, as_version=4)
    return HandIn(tuple(task_rows(root, status) + notebook_rows(nb) + [run_row(root, nb)]))


def report_section(root: Path | str, statuses: dict[str, str]) -> str:
    """The hand-in table in Markdown for a grader's report, with the grader's task statuses."""
    return survey(root, lambda task, _: statuses.get(task, "not graded")).markdown()
