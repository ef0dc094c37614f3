"""Grade a submitted notebook: check it against the release, re-execute it in the sandbox.

Integrity: every cell source outside answer and solution regions must equal
the release's, in the release's order. Cells a student added are allowed
(re-executed, reported as added, not compared); a release cell not found
unchanged is reported as modified and counts as mismatching. NBVAL markers
and tags count only where the release has them, since the comparison takes
them from the release's cell. The notebook's stamp (`release.stamp`) must be
this bundle's; a mismatch is reported.

Re-execution: nbclient (as `jupyter execute`) and its kernel run inside the
sandbox, in a folder holding the task files rebuilt from the release with
the submission's region bodies (`scratch.graded_files`), the bundle's
provided modules and the notebook, with the dataset read-only. A run that
stops early is reported with the cell that was running and how many ran.
The child may write its folder, so a file read back from it must be a plain
file, not a link (`plain_file`). The comparison, the record's validation, the
accuracy of the saved weights (`grading.grader.measure`) and everything the report quotes
happen here, in the grader.
"""

import dataclasses
import math
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat

from grading import report, tasks
from grading.authoring import release
from grading.child import channel
from grading.grader import measure, notebook, scratch
from grading.grader.workspace import Workspace
from grading.isolation import sandbox, unprivileged
from grading.report import Mismatch, NotebookResult
from grading.student import regions

MAX_ANSWER = 4000   # characters of an answer quoted in the report
MAX_METHODS = 20    # rows of the accuracy record
EXECUTED = "re-executed and compared"  # the status of a notebook that ran to its end


KEPT = "notebook.ipynb"  # the re-executed notebook, kept in REPORT_DIR for reading
MAX_KEPT = 32 << 20      # bytes: larger re-executed notebooks are not kept

def skeleton(cell: nbformat.NotebookNode, where: str) -> tuple[str, str | None]:
    """(cell type, source with every region's body removed): what must equal the release."""
    kind = regions.CELL_KINDS.get(cell.cell_type)
    try:
        source = regions.rewrite(cell.source, kind, where, lambda region, body: []) \
            if kind else cell.source
    except regions.MarkerError:
        source = None  # a broken marker: the cell cannot match the release
    return cell.cell_type, source


def align(released: nbformat.NotebookNode,
          stored: nbformat.NotebookNode) -> tuple[dict[int, int], list[int], list[int]]:
    """({release cell: submitted cell}, added submitted cells, modified release cells)."""
    want = [skeleton(cell, f"release cell {i}") for i, cell in enumerate(released.cells)]
    pairs: dict[int, int] = {}
    added: list[int] = []
    position = 0
    for index, cell in enumerate(stored.cells):
        found = skeleton(cell, f"{tasks.NOTEBOOK} cell {index}")
        match = next((j for j in range(position, len(want)) if want[j] == found), None)
        if match is None:
            added.append(index)
        else:
            pairs[match], position = index, match + 1
    modified = [j for j, cell in enumerate(released.cells) if j not in pairs]
    return pairs, added, modified


def compare(released: nbformat.NotebookNode, stored: nbformat.NotebookNode,
            new: nbformat.NotebookNode, pairs: Mapping[int, int],
            patterns: Sequence[tuple[str, str]]) -> tuple[int, int, Mismatch | None]:
    """(cells matched, cells total, first `Mismatch` or None): the release's code cells,
    re-executed."""
    matched, total = 0, 0
    first: Mismatch | None = None
    for j, cell in enumerate(released.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        total += 1
        i = pairs.get(j)
        same = i is not None and i < len(new.cells)
        if same and notebook.compared(cell):  # markers and tags: the release's own
            want = notebook.output_fields(stored.cells[i], patterns)
            got = notebook.output_fields(new.cells[i], patterns)
            same = want.keys() == got.keys() and all(
                len(want[k]) == len(got[k]) and all(map(notebook.texts_match, want[k], got[k]))
                for k in want)
        matched += same
        if not same and first is None:
            first = Mismatch(cell=j if i is None else i, source=channel.cap(cell.source, 400),
                             stored="(cell modified)" if i is None else notebook._show(want),
                             re_executed="" if i is None else notebook._show(got))
    return matched, total, first


def valid_record(record: Mapping[str, Any]) -> dict[str, dict[str, float]] | None:
    """The notebook's accuracy record if it has the expected keys, types and size, else None.

    A record with any key besides "dataset", "accuracy" and the run's "quick" (a bool) and
    "task_files" (a SHA-256 in hex) is refused whole: nothing of it is quoted in the report.
    """
    accuracy = record.get("accuracy")
    if (set(record) - {"quick", "task_files"} != {"dataset", "accuracy"}
            or not isinstance(accuracy, dict) or len(accuracy) > MAX_METHODS
            or not isinstance(record.get("quick", False), bool)
            or not re.fullmatch(r"[0-9a-f]{64}", str(record.get("task_files", "0" * 64)))):
        return None
    clean: dict[str, dict[str, float]] = {}
    for method, splits in accuracy.items():
        if not (isinstance(method, str) and len(method) <= 100 and method.isprintable()
                and isinstance(splits, dict)
                and set(splits) <= set(("train", "val", "test"))):
            return None
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   and 0 <= v <= 1 for v in splits.values()):
            return None
        clean[method] = dict(splits)
    return clean


def run_folder(work: Workspace, bundle: Path) -> Path:
    """The folder the notebook re-executes in: rebuilt task files, provided modules, checks.

    The task files are the release's with the submitted region bodies put in
    (`scratch.graded_files`): code a submission wrote outside its regions never runs here.
    """
    folder = work.notebook_run
    owner_files = set(scratch.task_files())
    # The notebook's check() cells run the public tests (never hidden ones) in there too.
    check_files = [*tasks.CHECK_FILES, *(f"{tasks.PUBLIC_TESTS}/{rel}"
                                         for rel in regions.walk(bundle / tasks.PUBLIC_TESTS))]
    for rel in [*scratch.library_files(bundle), *check_files]:
        source = (work.graded / rel) if rel in owner_files else (bundle / rel)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    (folder / tasks.NOTEBOOK).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work.submission / tasks.NOTEBOOK, folder / tasks.NOTEBOOK)
    return folder


# Run in the sandbox instead of `jupyter execute`, which it equals, plus one hook: the index
# of each cell as it starts goes to PROGRESS, so a run stopped at the deadline says where.
RUNNER = """import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path, progress = Path(sys.argv[1]).absolute(), Path(sys.argv[2])
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=int(sys.argv[3]), allow_errors=True, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}},
               on_cell_start=lambda **hook: progress.write_text(str(hook["cell_index"]))
               ).execute()
nbformat.write(nb, path)
"""
PROGRESS = ".started_cell"


def plain_file(folder: Path, rel: str) -> Path | None:
    """folder/rel if it is a regular file reached through no link, else None.

    The child may write in folder, so what it leaves there is read only when it
    is what it seems: not a link to a file the child could not read itself, and
    not a FIFO that would hang the read.
    """
    path = folder / rel
    return path if path.resolve() == folder.resolve() / rel and path.is_file() else None


def readable_data(data: Path, work: Workspace, sandboxed: bool) -> Path | str:
    """The dataset folder as the notebook's child may read it.

    Without a sandbox, a root grader's child runs as an unprivileged uid; where
    that uid cannot read the dataset in place (the datasets/ of a bundle kept
    private), the child reads a copy in work.
    """
    if sandboxed or not sandbox.drops() or unprivileged.blocked(data) is None:
        return data
    return shutil.copytree(data, work.data)


def execute(folder: Path, data: Path | str, timeout: int,
            sandboxed: bool) -> tuple[str, nbformat.NotebookNode | None]:
    """Re-execute folder's notebook in the sandbox: (status, the executed notebook or None)."""
    command = [sys.executable, "-c", RUNNER, tasks.NOTEBOOK, PROGRESS, str(timeout)]
    status, output = sandbox.run(command, timeout, read_only=[data], writable=[folder],
                                 cwd=folder, cpu=timeout,
                                 isolation=sandbox.Isolation.for_submissions(sandboxed),
                                 env=sandbox.environment(PYTHONPATH=str(folder),
                                                         CIFAR10_DIR=str(data)))
    target = plain_file(folder, tasks.NOTEBOOK)
    if status != 0 or target is None or target.stat().st_size > tasks.LIMITS["file_size"]:
        reason = "timed out" if status is None else f"failed: {output.strip()[-300:]}"
        return f"re-execution {reason}{where_stopped(folder)}", None
    return EXECUTED, nbformat.read(target, as_version=4)


def where_stopped(folder: Path) -> str:
    """' in cell K (source) after N of M code cells': the cell running when the run stopped."""
    notebook_file, progress = plain_file(folder, tasks.NOTEBOOK), plain_file(folder, PROGRESS)
    if notebook_file is None:  # replaced by the child: nothing of it is quoted
        return ""
    cells = nbformat.read(notebook_file, as_version=4).cells  # as submitted
    try:
        index = int(progress.read_text("ascii")[:12] if progress else "")
    except (OSError, ValueError):
        return " before its first cell started"
    if not 0 <= index < len(cells):
        return ""
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    source = " ".join(cells[index].source.split())
    return (f" in cell {index} ({channel.cap(source, 120)}) after "
            f"{sum(i < index for i in code)} of {len(code)} code cells")


def regrade(work: Workspace, bundle: Path, timeout: int, sandboxed: bool) -> NotebookResult:
    """The `NotebookResult` of the submitted notebook of `work`, a `Workspace`."""
    stored = nbformat.read(work.submission / tasks.NOTEBOOK, as_version=4)
    released = release.stub_notebook(nbformat.read(bundle / tasks.NOTEBOOK, as_version=4),
                                     tasks.NOTEBOOK)
    pairs, added, modified = align(released, stored)
    answers = {task: channel.cap(text, MAX_ANSWER)
               for task, text in notebook.answers(stored, tasks.NOTEBOOK).items()}
    entry = NotebookResult(
        status="", answers=answers, added_cells=added, modified_cells=modified,
        same_release=stored.metadata.get("grading") == release.stamp(bundle),
        cells_total=sum(c.cell_type == "code" and bool(c.source.strip()) for c in released.cells))
    if not any(cell.get("execution_count") for cell in stored.cells):
        return dataclasses.replace(entry, status="not executed: the notebook has no outputs "
                                                 "to compare")
    dataset, data = notebook.choose_data(stored)
    if data is None:
        return dataclasses.replace(entry, dataset=dataset, status="not re-executable here: it "
                                   f"ran on {dataset}, which this machine does not have")
    status, new = execute(run_folder(work, bundle), readable_data(data, work, sandboxed),
                          timeout, sandboxed)
    if new is None:
        return dataclasses.replace(entry, dataset=dataset, status=status)
    matched, total, first = compare(released, stored, new, pairs,
                                    notebook.sanitize_patterns(bundle))
    return dataclasses.replace(
        entry, dataset=dataset, status=status, cells_matched=matched, cells_total=total,
        first_mismatch=first, accuracy=valid_record(notebook.record(new)),
        **measure.entry(work.notebook_run, plain_file(work.notebook_run, measure.WEIGHTS),
                        data))


def keep_notebook(work: Workspace, entry: NotebookResult, out: Path) -> list[str]:
    """Copy the re-executed notebook to out/KEPT for reading; the problems, if not kept.

    `entry` is the notebook's `NotebookResult`: a notebook kept is one that re-executed.

    It is student output: it is rendered (sanitized) for people, never executed again.
    """
    executed = plain_file(work.notebook_run, tasks.NOTEBOOK)
    if entry.status != EXECUTED or executed is None:
        return []
    if executed.stat().st_size > MAX_KEPT:
        return [f"the re-executed notebook is {executed.stat().st_size >> 20} MB, over "
                f"{MAX_KEPT >> 20} MB: not kept for reading"]
    out.mkdir(parents=True, exist_ok=True)
    with report.written(out / KEPT) as temporary:
        shutil.copyfile(executed, temporary)
    return []
