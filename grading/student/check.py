"""Check one task from inside the notebook: ``check("softmax_naive")``.

The task's public tests run with pytest in a subprocess, on the code the
kernel imports: the bundle is the folder holding the `classifiers` package the
kernel finds, and that folder goes first on the subprocess's PYTHONPATH (and is
its working directory), ahead of any editable install of another copy. The
result shows inline as one line: how many tests passed, the first failure's
test and message, shortened, or "not written yet" for a stub. The line holds
no timings and no paths, so a notebook that shows it replays under nbval.

Nothing is written into the bundle: pytest's cache is off, bytecode is not
written, and the JUnit report and any hypothesis storage go to a temporary
folder. Hidden tests are never run: only the public test folder is searched.
"""

import ast
import html
import importlib.util
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grading import tasks

TIMEOUT = 120  # seconds for one task's public tests
MESSAGE_LIMIT = 240  # characters of the first failure: its test name and message


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one task's public tests, shown as one line."""

    task: str
    passed: int
    total: int
    failure: str | None = None  # "test name: message" of the first failure, shortened
    not_written: bool = False  # the task's stub raised its NotImplementedError

    @property
    def ok(self) -> bool:
        """True when every public test of the task passed."""
        return self.total > 0 and self.passed == self.total

    def __str__(self) -> str:
        if self.ok:
            return f"{self.task}: all {self.total} public tests passed"
        if self.not_written:
            return (f"{self.task}: not written yet ({self.passed} of {self.total} public tests "
                    "passed; the stub raises NotImplementedError)")
        if self.total == 0:
            return f"{self.task}: no public test ran: {self.failure}"
        return (f"{self.task}: {self.passed} of {self.total} public tests passed; "
                f"first failure: {self.failure}")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#9a6700" if self.not_written else "#cf222e"
        mark = "&#10004;" if self.ok else "&#10008;"
        return (f'<pre class="grading-check" style="color: {colour}">'
                f"{mark} {html.escape(str(self))}</pre>")


def bundle_root() -> Path:
    """The root of the bundle whose `classifiers` package this Python imports."""
    spec = importlib.util.find_spec("classifiers")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("cannot find the classifiers package; start Jupyter from the "
                                "bundle's folder after ./run.sh has set up .venv")
    return Path(spec.origin).resolve().parents[1]


def marks(path: Path, task: str) -> bool:
    """True if the test file marks tests with `task` (``pytest.mark.<task>``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Attribute) and node.attr == task
               and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"
               for node in ast.walk(tree))


def public_tests(root: Path, task: str) -> list[str]:
    """The public test files of `root` that mark `task`, relative to root."""
    return [path.relative_to(root).as_posix()
            for path in sorted((root / tasks.PUBLIC_TESTS).glob("test_*.py"))
            if marks(path, task)]


def one_line(text: str, root: Path, limit: int = MESSAGE_LIMIT) -> str:
    """Text on one line, without the bundle's path, cut to `limit` characters."""
    text = " ".join(text.replace(f"{root}{os.sep}", "").replace(str(root), ".").split())
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def case_name(case: ET.Element) -> str:
    """'test_module::Class::test' of a JUnit <testcase>, without the folders."""
    parts = case.get("classname", "").split(".")
    start = next((k for k, part in enumerate(parts) if part.startswith("test_")), len(parts))
    return "::".join(parts[start:] + [case.get("name", "?")])


def summarize(task: str, cases: list[ET.Element], output: str, root: Path) -> CheckResult:
    """A CheckResult from the JUnit test cases and pytest's output."""
    failed = [(case, case[0]) for case in cases
              if len(case) and case[0].tag in ("failure", "error")]
    skipped = sum(1 for case in cases if len(case) and case[0].tag == "skipped")
    passed = len(cases) - len(failed) - skipped
    if not cases:
        lines = output.strip().splitlines()
        return CheckResult(task, 0, 0, one_line(lines[-1] if lines else "no output", root))
    stub = f"NotImplementedError: Task {task}:"
    not_written = any(stub in (problem.get("message", "") + (problem.text or ""))
                      for _, problem in failed)
    failure = None
    if failed:
        case, problem = failed[0]
        message = problem.get("message") or (problem.text or "").strip().split("\n")[-1]
        failure = one_line(f"{case_name(case)}: {message}", root)
    elif skipped:
        failure = f"{skipped} test(s) skipped"
    return CheckResult(task, passed, len(cases), failure, not_written)


def run_check(task: str, root: Path | str | None = None,
              timeout: float = TIMEOUT) -> CheckResult:
    """Run the public tests of `task` in a subprocess; return a CheckResult.

    Parameters
    ----------
    task : str
        One of the tasks of `grading.tasks.TASKS`.
    root : path, optional
        The bundle to test; by default the one whose `classifiers` this Python imports.
    timeout : float
        Seconds before the tests are stopped.
    """
    if task not in tasks.TASKS:
        raise ValueError(f"task must be one of {', '.join(tasks.TASKS)}, got {task!r}")
    root = Path(root).resolve() if root is not None else bundle_root()
    files = public_tests(root, task)
    if not files:
        return CheckResult(task, 0, 0, f"no public test of {tasks.PUBLIC_TESTS}/ is marked {task}")
    with tempfile.TemporaryDirectory(prefix="check-") as scratch:
        junit = Path(scratch) / "junit.xml"
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
        path = [str(root)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        # Only hypothesis's plugin is loaded: autoloading every installed plugin (nbval
        # brings in Jupyter's client) would triple the start-up time.
        env.update(PYTHONPATH=os.pathsep.join(path), PYTHONDONTWRITEBYTECODE="1",
                   HYPOTHESIS_STORAGE_DIRECTORY=scratch, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "-p", "_hypothesis_pytestplugin", "-m", task, f"--junitxml={junit}", *files]
        try:
            done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return CheckResult(task, 0, 0, f"timed out after {timeout} s (an endless loop?)")
        try:
            cases = list(ET.parse(junit).getroot().iter("testcase"))
        except (ET.ParseError, OSError):
            cases = []
    return summarize(task, cases, done.stdout + done.stderr, root)


def check(task: str) -> None:
    """Run the public tests of `task` and show the result below the cell."""
    result = run_check(task)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(result)
    else:
        print(result)
