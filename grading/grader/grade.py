"""Grade one submission offline: ``python -m grading.grader.grade SUBMISSION --out REPORT_DIR``.

SUBMISSION is a folder or a zip from `collect`; only `tasks.SUBMISSION_FILES`
are taken from it (`grading.grader.unpack`), into a scratch folder, so it is never
modified. Writes REPORT_DIR/report.json and report.md and exits 0 whenever it
wrote them: a submission that crashes, hangs or lacks files gets a report
saying so. A notebook re-executed to its end is kept there as notebook.ipynb,
for reading only.

Each task is graded by the test files that carry its marker, public and
hidden, run unchanged by one trusted pytest process, for all the tasks, in a
copy of this bundle, while the notebook re-executes beside it. That process
never imports a submission file: the `grading.grader.plugin` plugin turns each
task's functions into calls into the task's own sandboxed child
(`grading.child.server`, `grading.isolation.sandbox`) that holds only the
submission's task file, with every region of another task a stub, and only a
test of that task reaches it. So the verdict is never reached in student code,
and one bug costs points only in its own task; the points come group by group
(`grading.grader.points`, `tasks.TASKS`). Without a
sandbox on this machine `grade` refuses, unless given ``--no-sandbox``; then a
root grader runs submitted code as an unprivileged uid where that uid can run
Python, and report.json's `isolation` says what applied (`sandbox.describe`).
"""

import argparse
import concurrent.futures
import json
import os
import sys
import tempfile
import time
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from grading import tasks
from grading.authoring import rebuild, release
from grading.child import channel
from grading.grader import manifest, nbgrade, points, scratch
from grading.grader.workspace import Workspace
from grading.isolation import cgroups, sandbox, unprivileged
from grading.report import NotebookResult, Report, TaskResult
from grading.student import check, handin, regions

ALLOWED_IMPORTS = {"numpy", *sys.stdlib_module_names, *tasks.BUNDLE_MODULES}
# Seconds the trusted pytest may take beyond its tasks' budgets: starting, collecting.
START_TIME = 120


def import_problem(text: str, where: str) -> str | None:
    """Why the task file `text` may not be graded (does not parse, bad import), or None."""
    try:
        imports = regions.module_imports(text)
    except rebuild.UNPARSABLE as error:
        return f"{where} does not parse: {rebuild.reason(error)}"
    for line, name in imports:
        if not name.startswith(".") and name.split(".")[0] not in ALLOWED_IMPORTS:
            return (f"{where}:{line} imports {name.split('.')[0]}; task files may import only "
                    "numpy, the standard library and the bundle's own modules")
    return None


def marked_tests(tree: Path, task: str) -> list[str]:
    """The public and hidden test files of `tree` that mark tests with ``pytest.mark.<task>``."""
    found = [f"{folder}/{rel}" for folder in (tasks.PUBLIC_TESTS, tasks.HIDDEN_TESTS)
             for rel in regions.walk(tree / folder)]
    return [rel for rel in found if rel.endswith(".py") and check.marks(tree / rel, task)]


def run_tasks(work: Workspace, names: Sequence[str], sandboxed: bool,
              timeout: int) -> dict[str, TaskResult]:
    """Run the tests of the tasks `names` in one trusted pytest: {task: its result}.

    Each task's tests call only its own child, in `work.child(task)`, and have `timeout`
    seconds between them (`grading.grader.plugin`). The points come group by group
    (`grading.grader.points`): a test that did not run fails its group, and a stub's
    NotImplementedError fails every group. Should the run end without results, each
    task is run again alone, so that whatever ended it costs only its own task.
    """
    tree = work.reference
    tests = {task: marked_tests(tree, task) for task in names}
    results = {task: TaskResult.failed(task, f"the bundle has no tests marked {task}")
               for task in names if not tests[task]}
    names = [task for task in names if tests[task]]
    if not names:
        return results
    # What each task's tests may call, back and forth, the plugin reads from its Task.
    config = {"tasks": {task: str(work.child(task)) for task in names},
              "sandboxed": sandboxed, "results": str(work.results), "task_timeout": timeout}
    # Owner-only, like the reference tree: the folder around them is open to the child's uid.
    unprivileged.write_private(work.config, json.dumps(config))
    work.results.unlink(missing_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(GRADING_CONFIG=str(work.config),
               PYTHONPATH=os.pathsep.join([str(tree), str(tasks.BUNDLE)]),
               PYTHONDONTWRITEBYTECODE="1")
    files = list(dict.fromkeys(rel for task in names for rel in tests[task]))
    # nbval is not needed here, and importing it (nbformat, jsonschema) costs a second.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval",
               "-p", "grading.grader.plugin", "-m", " or ".join(names), *files]
    # Each task's budget is kept by the plugin; this bound is for the process as a whole.
    bound = timeout * len(names) + START_TIME
    # CPU seconds for every task's tests, and never fewer than a child's own limit, which a
    # child cannot raise above the process that starts it.
    status, output = sandbox.run(command, bound, cwd=tree, env=env,
                                 cpu=max(bound, tasks.TASK_TIMEOUT),
                                 isolation=sandbox.Isolation.TRUSTED)
    try:
        found = json.loads(work.results.read_text("utf-8"))
    except (OSError, ValueError):
        if len(names) > 1 and status is not None:
            for task in names:
                results.update(run_tasks(work, [task], sandboxed, timeout))
            return results
        last = output.strip().splitlines()[-1:] or ["no output"]
        message = (f"timed out after {timeout} s (an endless loop?)" if status is None else
                   f"the tests stopped (exit status {status}): {last[0][:300]}")
        return {**results, **{task: TaskResult.failed(task, message) for task in names}}
    for task in names:
        results[task] = (TaskResult.failed(task, f"timed out after {timeout} s (an endless loop?)")
                         if found[task]["timed_out"] else points.score(task, found[task]))
    return results


def build_child(task: str, work: Workspace) -> TaskResult | None:
    """Write task's child folder into `work`; the task's failed result where it cannot be graded.

    `work` (a `Workspace`) holds the submission and the reference tree. The child's copy of
    the task file is the release's, with only this task's submitted region bodies put
    in (`rebuild.rebuild`), and only where they sit where the release has them.
    """
    where = tasks.TASKS[task].file
    if not (work.submission / where).is_file():
        return TaskResult.failed(task, f"{where} is missing from the submission")
    note = (f"; task {task} is graded without it: a task may call another task's code only "
            "where grading/tasks.py declares it")
    try:
        submitted = (work.submission / where).read_text(encoding="utf-8")
        released = release.stub_python((work.reference / where).read_text("utf-8"), where,
                                       note=note)
    except UnicodeDecodeError as error:
        return TaskResult.failed(task, f"{where} is not UTF-8 text: {error}")
    text, refused = rebuild.rebuild(released, submitted, where, {task})
    message = refused.get(task) or import_problem(text, where)
    if message is not None:
        return TaskResult.failed(task, message)
    scratch.build(work.reference, text, where, work.child(task), note)
    return None


def grade_task_files(work: Workspace, names: Iterable[str], sandboxed: bool,
                     timeout: int) -> dict[str, TaskResult]:
    """Grade the tasks `names` of the submission in `work`: {task: its `TaskResult`}, in order."""
    names = list(names)
    refused = {task: build_child(task, work) for task in names}
    results = run_tasks(work, [task for task in names if refused[task] is None], sandboxed,
                        timeout)
    return {task: refused[task] or results[task] for task in names}


def grade_notebook(work: Workspace, bundle: Path, timeout: int, missing: Collection[str],
                   sandboxed: bool) -> NotebookResult:
    """The notebook's `NotebookResult`: re-executed with the submission's own task files."""
    if tasks.NOTEBOOK in missing:
        return NotebookResult(status=f"missing: {tasks.NOTEBOOK} is not in the submission")
    if missing:
        return NotebookResult(status="not re-executed: it needs the missing task files")
    if timeout < 1:
        return NotebookResult(status="not re-executed: grading the tasks used all the time")
    try:
        return nbgrade.regrade(work, bundle, timeout, sandboxed)
    except Exception as error:  # whatever the file holds, the report gets written
        return NotebookResult(status="could not be re-executed: "
                              f"{type(error).__name__}: {channel.cap(error, 300)}")


def handin_table(work: Workspace, results: dict[str, TaskResult],
                 missing: Collection[str]) -> str | None:
    """The hand-in table `collect` prints, with the grader's results as the checks, or None.

    None where a submission file is missing or cannot be read as the table needs: the
    report's problems and the tasks' messages say why.
    """
    if missing:
        return None
    statuses = {task: "passed" if entry.passed else "failed" for task, entry in results.items()}
    try:
        return handin.report_section(work.submission, statuses)
    except Exception:  # whatever the files hold, the report gets written
        return None


def isolation(sandboxed: bool) -> bool:
    """True to sandbox children; SystemExit with a clear message where none can be made."""
    if sandboxed and sandbox.level() == "none":
        raise SystemExit(f"grade: no sandbox can be made on this machine ({sandbox.failure()}); "
                         "grade where bwrap runs (a Linux VM), or pass --no-sandbox to run "
                         "submitted code unisolated")
    return sandboxed


def grade(submission: Path | str, out: Path | str, bundle: Path | str = tasks.BUNDLE,
          task_timeout: int = tasks.TASK_TIMEOUT, notebook_timeout: int = tasks.NOTEBOOK_TIMEOUT,
          sandboxed: bool = True, deadline: float | None = None) -> Report:
    """Grade one submission (folder or zip), write its report into out, and return that `Report`.

    The report carries the grade's `manifest`, which `grading.replay` checks a replay against.

    `deadline` (a `time.monotonic()` value), if given, shortens the notebook's
    timeout to the time left when it starts, beside the tasks' tests: a host that
    kills the whole run at a fixed time (Gradescope) still gets a report.
    """
    sandboxed, bundle = isolation(sandboxed), Path(bundle)
    cgroups.sweep()  # the cgroups of graders killed before they could remove them
    # Hidden tests lie in the bundle graded against and in the one grading runs from.
    hidden = {folder.resolve() / tasks.HIDDEN_TESTS for folder in (bundle, tasks.BUNDLE)}
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        work = Workspace(Path(folder))
        missing, problems = work.prepare(submission, bundle)
        files = manifest.submitted(submission)
        if deadline is not None:
            notebook_timeout = min(notebook_timeout, int(deadline - time.monotonic()))
        # In the sandbox the notebook re-executes while the tasks' tests run: they share no
        # file, and each child has its own namespaces. Without it the kernel and the
        # children would run as one uid, able to signal and reach each other through /proc,
        # so there the notebook runs after the tasks.
        if sandboxed:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                running = pool.submit(grade_notebook, work, bundle, notebook_timeout, missing,
                                      sandboxed)
                results = grade_task_files(work, tasks.TASKS, sandboxed, task_timeout)
                notebook = running.result()
        else:
            results = grade_task_files(work, tasks.TASKS, sandboxed, task_timeout)
            notebook = grade_notebook(work, bundle, notebook_timeout, missing, sandboxed)
        problems += nbgrade.keep_notebook(work, notebook, Path(out))
        shown = handin_table(work, results, missing)
    result = Report(channel.cap(Path(submission).absolute().name, 255), results, notebook, problems,
                    isolation=sandbox.describe(sandboxed, hidden), handin=shown,
                    manifest=manifest.build(bundle, files, sandboxed, task_timeout,
                                            notebook_timeout))
    result.write(Path(out))
    return result


def grade_tasks(submission: Path | str, only: Iterable[str], bundle: Path | str = tasks.BUNDLE,
                task_timeout: int = tasks.TASK_TIMEOUT,
                sandboxed: bool = True) -> dict[str, TaskResult]:
    """Grade only the tasks `only` of a submission, as `grade` does: {task: TaskResult}.

    For tests and for checking one task; no notebook, no report written.
    """
    sandboxed, bundle = isolation(sandboxed), Path(bundle)
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        work = Workspace(Path(folder))
        work.prepare(submission, bundle)
        return grade_task_files(work, only, sandboxed, task_timeout)


def main(argv: Sequence[str] | None = None) -> int:
    """Grade one submission from the command line; 0 whenever a report was written."""
    parser = argparse.ArgumentParser(prog="python -m grading.grader.grade",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("submission", metavar="SUBMISSION", help="a submission folder or zip")
    parser.add_argument("--out", required=True, metavar="REPORT_DIR", help="report folder")
    parser.add_argument("--task-timeout", type=int, default=tasks.TASK_TIMEOUT,
                        help="seconds per task (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=int, default=tasks.NOTEBOOK_TIMEOUT,
                        help="seconds for the notebook (default: %(default)s)")
    parser.add_argument("--bundle", default=tasks.BUNDLE, type=Path,
                        help="the bundle whose release was handed out (default: this one)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run submitted code without the OS sandbox (trusted code only)")
    args = parser.parse_args(argv)
    result = grade(args.submission, args.out, args.bundle, task_timeout=args.task_timeout,
                   notebook_timeout=args.notebook_timeout, sandboxed=not args.no_sandbox)
    print(f"grade: {result.submission}: {result.total} / {result.max_total}; "
          f"report in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
