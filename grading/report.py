"""The grading report: one `Report` per submission, and its forms.

`grading.grader.grade` builds a `Report` from its `TaskResult`s (each with its
`GroupResult`s) and its `NotebookResult`; `grading.course.grade_all` builds the
report of a submission whose grading stopped with `Report.failed`, adds how
its notebook was rendered for reading (`readable`), and `grading.course.manual`
adds the marks given by hand (`ManualMark`). Every other module reads its
attributes. Its forms: report.json (`Report.to_json`, `Report.from_json`),
checked against report.schema.json (JSON Schema, draft 2020-12) before every
write; report.md (`Report.markdown`); a row of scores.csv (`Report.row`).
Gradescope's results.json is built from it in `grading.gradescope.results`.

Everything in a report that came from a submission (messages, sources,
outputs, answers, names) is quoted escaped: markdown punctuation gets a
backslash, and blocks sit in a code fence longer than any run of backticks
they hold, so no quote can close its fence, forge a heading or a total, or
break the table. Both files are written to temporary names and renamed.
"""

import contextlib
import csv
import dataclasses
import functools
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from grading import tasks

SPLITS = ("train", "val", "test")
MARKDOWN = re.compile(r"([\\`*{}\[\]<>()#+\-.!|~$&])")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCHEMA = Path(__file__).with_name("report.schema.json")
Points = int | float


def whole(points: Points) -> Points:
    """Points as an int when whole (10, not 10.0), for the reports and scores.csv."""
    return int(points) if float(points).is_integer() else points


def group_points(task: str, group: str) -> Points:
    """The points of one group of `task`'s tests: its share of the task's points."""
    return whole(tasks.TASKS[task].points * tasks.TASKS[task].groups[group].share / 100)


def optional() -> Any:
    """A field left out of report.json while it is None (not written as null)."""
    return field(default=None, metadata={"optional": True})


def json_key(found: dataclasses.Field[Any]) -> str:
    """The report.json key of a dataclass field: its name unless its metadata says another."""
    return found.metadata.get("key", found.name)


def plain(value: object) -> Any:
    """A report's value as JSON data: dataclasses as objects, optional fields left out when None."""
    if dataclasses.is_dataclass(value):
        return {json_key(found): plain(getattr(value, found.name))
                for found in dataclasses.fields(value)
                if not (found.metadata.get("optional") and getattr(value, found.name) is None)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def keyed(cls: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of dataclass `cls` from its report.json object `data`."""
    return {found.name: data[json_key(found)] for found in dataclasses.fields(cls)
            if json_key(found) in data}


@dataclass
class GroupResult:
    """One group of a task's tests (`tasks.Task.groups`), which scores when all its tests passed.

    Attributes
    ----------
    passed : bool
        Whether the group scored.
    points, max_points : int or float
        Its points, and its share of the task's points.
    tests : int
        How many of the task's collected tests are in the group.
    message : str or None
        Why it failed: its first failed test and that test's message.
    first_failed : str or None
        The node id of its first failed test, so a public test's failure can be told from a
        hidden one's.
    """

    passed: bool
    points: Points
    max_points: Points
    tests: int
    message: str | None
    first_failed: str | None

    @classmethod
    def failed(cls, task: str, group: str, message: str) -> "GroupResult":
        """A group of `task` none of whose tests could count, failed with `message`."""
        return cls(passed=False, points=0, max_points=group_points(task, group), tests=0,
                   message=message, first_failed=None)


@dataclass
class TaskResult:
    """One graded task: its points, group by group (`grading.grader.points`).

    Attributes
    ----------
    passed : bool
        Whether every group scored.
    points, max_points : int or float
        Its points, and the task's (`tasks.Task.points`).
    file : str
        The task file, relative to the bundle.
    message : str or None
        The first failure, in the order the tests ran.
    groups : dict of str to GroupResult
        By group name, in the order of `tasks.Task.groups`.
    tests : dict of str to str, optional
        Each test's outcome by node id, when the tests ran.
    notes : list of str, optional
        What the grader refused to take from the child, which costs nothing.
    diagnoses : list of str, optional
        The likely causes its public probes recognised (`tasks.DIAGNOSIS_TESTS`), in the
        order the probes ran, each once: what the student probably misunderstood.
    """

    passed: bool
    points: Points
    max_points: Points
    file: str
    message: str | None
    groups: dict[str, GroupResult]
    tests: dict[str, str] | None = optional()
    notes: list[str] | None = optional()
    diagnoses: list[str] | None = optional()

    @classmethod
    def failed(cls, task: str, message: str) -> "TaskResult":
        """A task none of whose tests could count (a missing file, a crash): every group failed."""
        return cls(passed=False, points=0, max_points=tasks.TASKS[task].points,
                   file=tasks.TASKS[task].file, message=message,
                   groups={group: GroupResult.failed(task, group, message)
                           for group in tasks.TASKS[task].groups})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TaskResult":
        """The task result of a report.json ``tasks`` entry."""
        groups = {group: GroupResult(**part) for group, part in data["groups"].items()}
        return cls(**{**keyed(cls, data), "groups": groups})


@dataclass
class Mismatch:
    """The first release cell whose re-executed output differs from the stored one.

    Attributes
    ----------
    cell : int
        Its index in the submitted notebook (in the release's, when it was modified).
    source : str
        Its source, shortened.
    stored, re_executed : str
        Its outputs as submitted and as re-executed (report.json's ``re-executed``).
    """

    cell: int
    source: str
    stored: str
    re_executed: str = field(metadata={"key": "re-executed"})


@dataclass
class NotebookResult:
    """The notebook, compared with the release and re-executed (`grading.grader.nbgrade`).

    Attributes
    ----------
    status : str
        What happened to it (`nbgrade.EXECUTED` when it re-executed to its end).
    dataset : str or None
        The dataset it ran on.
    cells_matched, cells_total : int
        The release's code cells whose outputs matched on re-execution, of all.
    first_mismatch : Mismatch or None
        The first cell that did not match.
    accuracy : dict of str to dict of str to float, or None
        What the notebook printed: {method: {split: accuracy}}, when valid.
    accuracy_measured : dict of str to float, or None
        {"val": ..., "test": ...} measured by the grader from the saved weights
        (`grading.grader.measure`).
    weights : str or None
        What became of the saved weights: measured, or why not.
    answers : dict of str to str
        The answer regions' text by task, for manual marking.
    added_cells, modified_cells : list of int, optional
        Cells the student added, and release cells modified or removed.
    same_release : bool, optional
        Whether the notebook carries this bundle's release stamp.
    """

    status: str
    dataset: str | None = None
    cells_matched: int = 0
    cells_total: int = 0
    first_mismatch: Mismatch | None = None
    accuracy: dict[str, dict[str, float]] | None = None
    accuracy_measured: dict[str, float] | None = None
    weights: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    added_cells: list[int] | None = optional()
    modified_cells: list[int] | None = optional()
    same_release: bool | None = optional()

    def measured(self, split: str) -> float | None:
        """The accuracy on `split` ("val" or "test") the grader measured, or None: never the
        accuracy the notebook printed."""
        return (self.accuracy_measured or {}).get(split)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "NotebookResult":
        """The notebook result of report.json's ``notebook``."""
        mismatch = data.get("first_mismatch")
        return cls(**{**keyed(cls, data),
                      "first_mismatch": mismatch and Mismatch(**keyed(Mismatch, mismatch))})


@dataclass
class ManualMark:
    """The points given by hand for one answer (`grading.course.manual`).

    Attributes
    ----------
    points : float or None
        None while it is not marked yet.
    max_points : int
        The answer's maximum, `tasks.MANUAL_POINTS`.
    comment : str
        Free text for the student, may be empty.
    """

    points: float | None
    max_points: int
    comment: str


@dataclass
class Environment:
    """The machine a submission was graded on, as far as it can change a float.

    Attributes
    ----------
    python, numpy : str
        Their versions.
    blas : str
        numpy's BLAS library and its version, as threadpoolctl finds it ("none" without one).
    kernel : str
        The BLAS kernel it chose for this CPU (or ``OPENBLAS_CORETYPE``), e.g. "SkylakeX".
    threads : int
        The BLAS threads of the grading process, which its children inherit.
    platform : str
        The operating system and architecture (`platform.platform()`).
    """

    python: str
    numpy: str
    blas: str
    kernel: str
    threads: int
    platform: str


@dataclass
class Manifest:
    """What a grade was reached with, so that anyone can reach it again (`grading.replay`).

    Built by `grading.grader.manifest.build`.

    Attributes
    ----------
    release : dict of str to str
        The release graded against: {"version", "hash"} (`release.stamp`).
    grader : str
        The grader's version: SHA-256 of the grading code and the tests that ran.
    files : dict of str to str
        The SHA-256 of every submission file taken, by its path in `tasks.SUBMISSION_FILES`.
    environment : Environment
        Python, numpy, BLAS kernel and threads, platform.
    seeds : dict of str to str
        What seeds the tests' randomness besides their own code (hypothesis's profile).
    limits : dict of str to int
        The child's limits (`tasks.LIMITS`).
    timeouts : dict of str to int
        Seconds per task and for the notebook.
    isolation : str
        The isolation level: "bubblewrap" or "unsandboxed".
    """

    release: dict[str, str]
    grader: str
    files: dict[str, str]
    environment: Environment
    seeds: dict[str, str]
    limits: dict[str, int]
    timeouts: dict[str, int]
    isolation: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Manifest":
        """The manifest of report.json's ``manifest``."""
        return cls(**{**keyed(cls, data), "environment": Environment(**data["environment"])})


@dataclass
class Report:
    """The grading report of one submission.

    The totals are computed from the results, so they always agree with them.

    Attributes
    ----------
    submission : str
        Its name (grade_all's entry name: ``bob.zip`` for a zip).
    tasks : dict of str to TaskResult
        By task, in the order of `tasks.TASKS`.
    notebook : NotebookResult
        The notebook's comparison and re-execution.
    problems : list of str
        What went wrong around the tasks: missing files, code outside regions.
    isolation : str, optional
        The isolation the submitted code ran under (`sandbox.describe`).
    readable : dict of str to str, optional
        How the kept notebook was rendered for reading: {file: outcome}
        (`grading.course.export.render`).
    manual : dict of str to ManualMark, optional
        The marks given by hand, by task of `tasks.MANUAL_POINTS`.
    handin : str, optional
        What the hand-in holds and misses, the table `collect` prints, in Markdown with
        every cell escaped and the grader's own task results as the checks
        (`grading.student.handin.report_section`).
    manifest : Manifest, optional
        What the grade was reached with (`grading.grader.manifest`); absent from the
        report of a submission whose grading stopped.
    replays : list of str, optional
        The outcomes of the replays recorded into the report (`grading.replay --record`).
    """

    submission: str
    tasks: dict[str, TaskResult]
    notebook: NotebookResult
    problems: list[str] = field(default_factory=list)
    isolation: str | None = optional()
    readable: dict[str, str] | None = optional()
    manual: dict[str, ManualMark] | None = optional()
    handin: str | None = optional()
    manifest: Manifest | None = optional()
    replays: list[str] | None = optional()

    @classmethod
    def failed(cls, submission: str, problem: str) -> "Report":
        """The report of a submission that was not graded: every task failed, 0 points.

        Parameters
        ----------
        submission : str
            Its name.
        problem : str
            Why it was not graded, the report's one problem.
        """
        return cls(submission, {task: TaskResult.failed(task, "not graded")
                                for task in tasks.TASKS},
                   NotebookResult(status="not graded"), [problem])

    @property
    def total(self) -> Points:
        """The automatic points: the tasks' points."""
        return whole(sum(result.points for result in self.tasks.values()))

    @property
    def max_total(self) -> Points:
        """The most automatic points: the tasks' maxima."""
        return whole(sum(result.max_points for result in self.tasks.values()))

    @property
    def manual_total(self) -> Points:
        """The points given by hand (0 before any mark is merged)."""
        return sum(mark.points or 0 for mark in (self.manual or {}).values())

    @property
    def max_manual_total(self) -> Points:
        """The most points given by hand, of the marks merged."""
        return sum(mark.max_points for mark in (self.manual or {}).values())

    @property
    def final_total(self) -> Points:
        """Automatic plus manual points."""
        return self.total + self.manual_total

    @property
    def max_final_total(self) -> Points:
        """The most automatic plus manual points."""
        return self.max_total + self.max_manual_total

    def to_json(self) -> dict[str, Any]:
        """The report as report.json's object; the manual totals appear with the marks."""
        fields = plain(self)
        data = {"submission": self.submission, "total": self.total,
                "max_total": self.max_total, "problems": self.problems, **fields}
        if self.manual is not None:
            data.update(manual_total=self.manual_total, max_manual_total=self.max_manual_total,
                        final_total=self.final_total, max_final_total=self.max_final_total)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Report":
        """The report of a report.json object; its totals are computed again from its results.

        Keys it does not know are left out; `validate` refuses them.

        Raises
        ------
        KeyError, TypeError
            If `data` lacks a field of the report.
        """
        data = {key: value for key, value in data.items() if key not in DERIVED}
        manual, manifest = data.get("manual"), data.get("manifest")
        return cls(**{**keyed(cls, data),
                      "manifest": manifest and Manifest.from_json(manifest),
                      "tasks": {task: TaskResult.from_json(entry)
                                for task, entry in data["tasks"].items()},
                      "notebook": NotebookResult.from_json(data["notebook"]),
                      "manual": manual and {task: ManualMark(**mark)
                                            for task, mark in manual.items()}})

    def write(self, out: Path) -> None:
        """Write report.json and report.md into the folder `out`, once report.json validates.

        Raises
        ------
        jsonschema.ValidationError
            If the report does not match report.schema.json; nothing is written then.
        """
        data = self.to_json()
        validate(data)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        atomic(out / "report.json", json.dumps(data, indent=2) + "\n")
        atomic(out / "report.md", self.markdown())

    def row(self) -> dict[str, object]:
        """The report's row of scores.csv: totals, a column per task and per group
        (``task:group``), the notebook, the measured accuracy, the problems, and the
        marks given by hand once merged (empty where not marked yet)."""
        row: dict[str, object] = {
            "submission": self.submission, "total": self.total, "max_total": self.max_total,
            **{task: result.points for task, result in self.tasks.items()},
            **{f"{task}:{group}": part.points for task, result in self.tasks.items()
               for group, part in result.groups.items()},
            "cells_matched": self.notebook.cells_matched,
            "cells_total": self.notebook.cells_total,
            "dataset": self.notebook.dataset or "", "notebook": self.notebook.status,
            **{f"measured_{split}": self.notebook.measured(split) for split in ("val", "test")},
            "problems": "; ".join(self.problems)}
        if self.manual is not None:
            row.update({task: "" if mark.points is None else mark.points
                        for task, mark in self.manual.items()},
                       manual_total=self.manual_total, final_total=self.final_total)
        return row

    def markdown(self) -> str:
        """The report as markdown: scores, notebook comparison, material for manual marking."""
        lines = [f"# Grading report: {escape(self.submission)}", "",
                 f"**Total: {self.total} / {self.max_total}** (automatically graded)", ""]
        if self.isolation:
            lines += [f"Isolation: {escape(self.isolation)}", ""]
        if self.problems:
            lines += [f"- {escape(problem)}" for problem in self.problems] + [""]
        lines += task_section(self.tasks) + [""] + manual_section(self)
        if self.handin:
            lines += ["## What was handed in", "", self.handin, ""]
        if self.readable:  # the notebook as HTML and PDF (`grading.course.export.render`)
            lines += ["For reading: " + "; ".join(f"{escape(name)} {escape(outcome, 300)}"
                                                  for name, outcome in self.readable.items()), ""]
        return "\n".join(lines + notebook_section(self.notebook)
                         + certificate_section(self)) + "\n"


# The keys of report.json computed from the results, never read back.
DERIVED = ("total", "max_total", "manual_total", "max_manual_total", "final_total",
           "max_final_total")


@functools.cache
def validator() -> "jsonschema.Draft202012Validator":
    """The validator of report.schema.json."""
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(data: Mapping[str, Any]) -> None:
    """Check a report.json object against report.schema.json.

    Raises
    ------
    jsonschema.ValidationError
        Naming the first field that does not match, and where it is.
    """
    validator().validate(data)


def read(folder: Path | str) -> Report:
    """The report in REPORT_DIR `folder`, a folder grade or grade_all wrote.

    Raises
    ------
    FileNotFoundError
        If `folder` holds no report.json.
    ValueError
        If report.json is not a report (report.schema.json).
    """
    path = Path(folder) / "report.json"
    if not path.is_file():
        raise FileNotFoundError(f"REPORT_DIR {folder} holds no report.json; give a folder "
                                "grade or grade_all wrote")
    try:
        data = json.loads(path.read_text("utf-8"))
        validate(data)
    except (ValueError, jsonschema.ValidationError) as error:
        reason = error.message if isinstance(error, jsonschema.ValidationError) else error
        raise ValueError(f"REPORT_DIR {folder}: its report.json is not a report "
                         f"({str(reason)[:300]}); give a folder grade or grade_all "
                         "wrote") from None
    return Report.from_json(data)


def escape(text: object, limit: int = 2000) -> str:
    """One line of untrusted text, safe inside markdown prose or a table cell."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[:limit] + " ..."
    return MARKDOWN.sub(r"\\\1", text)


def fence(text: object, language: str = "") -> list[str]:
    """Untrusted multi-line text as a code block that it cannot close."""
    text = str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return [marks + language, text, marks]


@contextlib.contextmanager
def written(path: Path | str) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to it when the block ends without an error.

    Every file the grader writes goes through here, so none is ever half-written: on an
    error the temporary file is removed and `path` stays as it was.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic(path: Path | str, text: str) -> None:
    """Write text to path as UTF-8, never half-written (`written`)."""
    with written(path) as temporary:
        temporary.write_text(text, "utf-8")


def csv_cell(value: object) -> object:
    """The cell a spreadsheet shows and never runs: text starting a formula gets a quote.

    OWASP's advice against CSV injection: text beginning with ``= + - @``, a tab
    or a carriage return is prefixed with ``'``. Only text is changed: numbers
    (ints and floats, such as a total of -1.5) are the grader's own and stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: Path | str, rows: Iterable[Mapping[str, object]],
              fieldnames: Sequence[str]) -> None:
    """Write rows (dicts) to path as UTF-8 CSV, header and every cell through `csv_cell`.

    Written to a temporary name and renamed, so it is never half-written. Every
    CSV the grader writes goes through here.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([csv_cell(name) for name in fieldnames])
    writer.writerows([csv_cell(row.get(name, "")) for name in fieldnames] for row in rows)
    atomic(path, text.getvalue())


def task_section(results: Mapping[str, TaskResult]) -> list[str]:
    """The tasks' table, then the groups' table, then the notes (which cost no points)."""
    lines = ["| Task | Result | Points | First failure |", "|---|---|---|---|"]
    for task, result in results.items():
        lines.append(f"| `{task}` | {'passed' if result.passed else 'failed'} | "
                     f"{result.points} / {result.max_points} | "
                     f"{escape(result.message or '', 600)} |")
    lines += ["", "## Points by group of tests", "",
              "| Task | Group | Result | Points | First failure |", "|---|---|---|---|---|"]
    for task, result in results.items():
        for group, part in result.groups.items():
            lines.append(f"| `{task}` | `{group}` | {'passed' if part.passed else 'failed'} "
                         f"| {part.points} / {part.max_points} | "
                         f"{escape(part.message or '', 300)} |")
    notes = [f"- `{task}`: {escape(note, 300)}" for task, result in results.items()
             for note in result.notes or []]
    if notes:  # what the grader refused to take from the submission, at no cost
        lines += ["", "Notes, which cost no points:", "", *notes]
    return lines


def manual_section(report: Report) -> list[str]:
    """The points given by hand and the final total, once marks are merged
    (`grading.course.manual`)."""
    if report.manual is None:
        return []
    lines = ["## Manual marks", "", "| Task | Points | Comment |", "|---|---|---|"]
    for task, mark in report.manual.items():
        points = ("not marked yet" if mark.points is None
                  else f"{mark.points:g} / {mark.max_points}")
        lines.append(f"| `{task}` | {points} | {escape(mark.comment, 600)} |")
    return lines + ["", f"**Final total: {report.final_total:g} / "
                        f"{report.max_final_total}** (automatic {report.total} + manual "
                        f"{report.manual_total:g} / {report.max_manual_total})", ""]


def notebook_section(nb: NotebookResult) -> list[str]:
    """The notebook's comparison, the accuracies measured and printed, and the answers, as
    markdown lines."""
    lines = ["## Notebook", "", f"- Status: {escape(nb.status)}",
             f"- Dataset: {escape(nb.dataset or 'unknown')}",
             f"- Cells matched: {nb.cells_matched} / {nb.cells_total}"]
    if nb.same_release is False:
        lines.append("- Release: the notebook does not carry this bundle's release stamp")
    if nb.modified_cells:
        lines.append(f"- Release cells modified or removed: {nb.modified_cells}")
    if nb.added_cells:
        lines.append(f"- Cells added by the student (re-executed, not compared): "
                     f"{nb.added_cells}")
    lines.append("")
    mismatch = nb.first_mismatch
    if mismatch:
        lines += [f"First mismatching cell: {mismatch.cell}", "",
                  *fence(mismatch.source, "python"), "", "Stored output:", "",
                  *fence(mismatch.stored), "", "Re-executed output:", "",
                  *fence(mismatch.re_executed), ""]
    lines += accuracy_section(nb) + ["## Answers, for manual marking", ""]
    for task, answer in nb.answers.items():
        lines += [f"### `{task}`", "", *fence(answer or "(no answer)"), ""]
    return lines if nb.answers else lines + ["(no answer regions found)"]


def accuracy_section(nb: NotebookResult) -> list[str]:
    """The tuned classifier's accuracy measured by the grader, beside what the notebook printed.

    The grader's measure comes from the weights the re-executed notebook saved
    (`grading.grader.measure`); the notebook's record is what the submission's code printed.
    """
    measured, printed = nb.accuracy_measured, nb.accuracy or {}
    if not (measured or printed or nb.weights):
        return []
    lines = ["### Accuracy: measured by the grader, and printed by the notebook", "",
             "Measured by the grader: computed by the grader itself from the weights W the "
             "re-executed notebook saved. Printed by the notebook: what the submission's code "
             "printed, which its own code decides; trust the grader's measure.", ""]
    if nb.weights:
        lines += [f"- Weights: {escape(nb.weights)}", ""]
    rows = [("measured by the grader", "tuned softmax, from its saved W", measured)] \
        if measured else []
    rows += [("printed by the notebook", method, accuracy) for method, accuracy in printed.items()]
    if rows:
        lines += ["| Source | Method | Train | Validation | Test |", "|---|---|---|---|---|"]
    for source, method, accuracy in rows:
        cells = [f"{accuracy[split]:.3f}" if isinstance(accuracy.get(split), (int, float))
                 else "-" for split in SPLITS]
        lines.append(f"| {source} | {escape(method, 100)} | " + " | ".join(cells) + " |")
    return lines + [""]


def certificate_section(report: Report) -> list[str]:
    """The manifest, which `python -m grading.replay` checks a grade against, and the replays
    recorded."""
    found = report.manifest
    lines = [] if found is None else [
        "", "## Certificate", "",
        "Replay this grade with `python -m grading.replay REPORT_DIR SUBMISSION`.", "",
        f"- Release: {escape(found.release.get('version'))}, hash "
        f"`{escape(found.release.get('hash'))}`",
        f"- Grader: `{escape(found.grader)}`",
        *(f"- File {escape(rel)}: SHA-256 `{escape(digest)}`"
          for rel, digest in found.files.items()),
        "- Environment: " + ", ".join(f"{name} {escape(value)}" for name, value
                                      in plain(found.environment).items()),
        "- Seeds, limits, timeouts (s): " + ", ".join(
            f"{name} {escape(value)}"
            for name, value in {**found.seeds, **found.limits, **found.timeouts}.items()),
        f"- Isolation: {escape(found.isolation)}", ""]
    if report.replays:
        lines += ["## Replays", "", *(f"- {escape(line, 600)}" for line in report.replays), ""]
    return lines
