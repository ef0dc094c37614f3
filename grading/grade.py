"""Grade one submission offline: ``python -m grading.grade SUBMISSION --out REPORT_DIR``.

SUBMISSION is a folder or a zip from `collect`; only `tasks.SUBMISSION_FILES`
are taken from it, into a scratch folder, so it is never modified. Writes
REPORT_DIR/report.json and report.md and exits 0 whenever it wrote them: a
submission that crashes, hangs or lacks files gets a report saying so.

Each task is graded, all or nothing within `tasks.TASK_TIMEOUT`, by the test
files that carry its marker, in a copy of this bundle (solutions and hidden
tests included) where only the task's file comes from the submission, with
every region of another task replaced by the reference code. So one bug costs
exactly its own task. The file must parse, keep its marker pairs and import
only numpy, the standard library and the bundle's modules (checked with `ast`).
"""

import argparse
import ast
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

from grading import notebook, regions, report, sandbox, tasks

ALLOWED_IMPORTS = {"numpy", *sys.stdlib_module_names, *tasks.BUNDLE_MODULES}
NO_NOTEBOOK = {"dataset": None, "cells_matched": 0, "cells_total": 0, "first_mismatch": None,
               "accuracy": None, "answers": {}}


def splice(text, reference, task, where):
    """The submission's file `text` with every region not of `task` taken from `reference`."""
    ref_lines, ref_regions = reference.split("\n"), regions.find_regions(reference, "code", where)
    found = sorted(region.task for region in regions.find_regions(text, "code", where))
    expected = sorted(region.task for region in ref_regions)
    if found != expected:
        raise regions.MarkerError(f"{where}: the submission has regions {found}, the student "
                                  f"bundle has {expected}; keep every marker pair of the "
                                  "student bundle")
    bodies = {}
    for region in ref_regions:
        bodies.setdefault(region.task, []).append(ref_lines[region.start + 1:region.end])

    def body(region, lines):
        # rewrite() visits regions last to first, so take the reference bodies from the end.
        return None if region.task == task else bodies[region.task].pop()

    return regions.rewrite(text, "code", where, body)


def import_problem(text, where):
    """Why the task file `text` may not be graded (does not parse, bad import), or None."""
    try:
        imports = regions.module_imports(text)
    except SyntaxError as error:
        return f"{where} does not parse: {error.msg} (line {error.lineno})"
    for line, name in imports:
        if not name.startswith(".") and name.split(".")[0] not in ALLOWED_IMPORTS:
            return (f"{where}:{line} imports {name.split('.')[0]}; task files may import only "
                    "numpy, the standard library and the bundle's own modules")
    return None


def junit_results(path):
    """The <testcase> elements of a JUnit XML report, [] if there is none."""
    try:
        return list(ET.parse(path).getroot().iter("testcase"))
    except (ET.ParseError, OSError):
        return []


def first_failure(failed, output):
    """'test: message' of the first failed JUnit test case, else the output's last line."""
    if not failed:
        lines = output.strip().splitlines()
        return lines[-1].strip() if lines else "no output"
    problem = failed[0][0]
    message = problem.get("message", "")
    if message in ("", "collection failure"):  # the cause is in the traceback's E lines
        causes = [line[1:].strip() for line in (problem.text or "").splitlines()
                  if line.startswith("E ")]
        message = causes[-1] if causes else message
    message = " ".join(message.split())  # one line: numpy's assertion messages span several
    return f"{failed[0].get('name')}: {notebook.shorten(message, 300) or 'failed'}"


def marked_tests(tree, task):
    """The public and hidden test files of `tree` that mark tests with ``pytest.mark.<task>``."""
    def marks(rel):
        source = (tree / rel).read_text(encoding="utf-8")
        return any(isinstance(node, ast.Attribute) and node.attr == task
                   and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"
                   for node in ast.walk(ast.parse(source)))

    found = [f"{folder}/{rel}" for folder in (tasks.PUBLIC_TESTS, tasks.HIDDEN_TESTS)
             for rel in regions.walk(tree / folder)]
    return [rel for rel in found if rel.endswith(".py") and marks(rel)]


def run_task(tree, task, timeout):
    """Run the task's tests in tree: (passed, first failure message or None).

    Passing needs exit status 0 and a JUnit report, written outside the tree,
    of at least one test and no failures: code that exits early passes nothing.
    """
    tests = marked_tests(tree, task)
    if not tests:
        return False, f"the bundle has no tests marked {task}"
    junit = tree.parent / f"{task}.junit.xml"
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", task,
               f"--junitxml={junit}", *tests]
    status, output = sandbox.run(command, tree, timeout, sandbox.environment(tree))
    if status is None:
        return False, f"timed out after {timeout} s (an endless loop?)"
    cases = junit_results(junit)
    failed = [case for case in cases if len(case) and case[0].tag in ("failure", "error")]
    if status == 0 and cases and not failed:
        return True, None
    message = first_failure(failed, output)
    if status not in (1, 2):  # 1: tests failed, 2: collection failed; else pytest was cut short
        message = f"the tests crashed (exit status {status}): {message}"
    return False, message


def grade_task(task, where, work, timeout):
    """Grade one task of file `where`: its report entry.

    `work` holds the unpacked submission and the reference tree.
    """
    entry = {"passed": False, "points": 0, "max_points": tasks.POINTS[task], "file": where}
    if not (work / "submission" / where).is_file():
        return {**entry, "message": f"{where} is missing from the submission"}
    try:
        text = splice((work / "submission" / where).read_text(encoding="utf-8"),
                      (work / "reference" / where).read_text(encoding="utf-8"), task, where)
    except (regions.MarkerError, UnicodeDecodeError) as error:
        return {**entry, "message": str(error)}
    message = import_problem(text, where)
    if message is None:
        tree = sandbox.overlay(work / "reference", work / task, {where: text})
        passed, message = run_task(tree, task, timeout)
        entry.update(passed=passed, points=entry["max_points"] if passed else 0)
    return {**entry, "message": message}


def grade_notebook(work, bundle, timeout, missing):
    """The report's notebook entry: re-executed with the submission's own task files."""
    if tasks.NOTEBOOK in missing:
        return {**NO_NOTEBOOK, "status": f"missing: {tasks.NOTEBOOK} is not in the submission"}
    if missing:
        return {**NO_NOTEBOOK, "status": "not re-executed: it needs the missing task files"}
    files = {rel: (work / "submission" / rel).read_bytes() for rel in tasks.SUBMISSION_FILES}
    try:
        tree = sandbox.overlay(work / "reference", work / "notebook", files)
        return notebook.regrade(work / "submission" / tasks.NOTEBOOK, tree, bundle, timeout)
    except Exception as error:  # whatever the file holds, the report gets written
        return {**NO_NOTEBOOK,
                "status": f"could not be re-executed: {type(error).__name__}: {error}"}


def grade(submission, out, bundle=tasks.BUNDLE, task_timeout=tasks.TASK_TIMEOUT,
          notebook_timeout=tasks.NOTEBOOK_TIMEOUT):
    """Grade one submission (folder or zip), write its report into out, and return it."""
    submission, bundle = Path(submission).resolve(), Path(bundle)
    owner = regions.task_files(bundle)
    result = {"submission": submission.name, "total": 0,
              "max_total": sum(tasks.POINTS.values()), "problems": []}
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        work = Path(scratch)
        try:
            missing = sandbox.unpack(submission, work / "submission")
        except (zipfile.BadZipFile, OSError) as error:
            missing = list(tasks.SUBMISSION_FILES)
            result["problems"].append(f"the submission cannot be read: {error}")
        result["problems"] += [f"{rel} is missing from the submission" for rel in missing]
        sandbox.reference_tree(bundle, work / "reference")
        result["tasks"] = {task: grade_task(task, owner[task], work, task_timeout)
                           for task in tasks.POINTS}
        result["notebook"] = grade_notebook(work, bundle, notebook_timeout, missing)
    result["total"] = sum(entry["points"] for entry in result["tasks"].values())
    report.write(result, Path(out))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading.grade",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("submission", metavar="SUBMISSION", help="a submission folder or zip")
    parser.add_argument("--out", required=True, metavar="REPORT_DIR", help="report folder")
    parser.add_argument("--task-timeout", type=int, default=tasks.TASK_TIMEOUT,
                        help="seconds per task (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=int, default=tasks.NOTEBOOK_TIMEOUT,
                        help="seconds for the notebook (default: %(default)s)")
    args = parser.parse_args(argv)
    result = grade(args.submission, args.out, task_timeout=args.task_timeout,
                   notebook_timeout=args.notebook_timeout)
    print(f"grade: {result['submission']}: {result['total']} / {result['max_total']}; "
          f"report in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
