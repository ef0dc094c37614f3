"""Check one task from inside the notebook: ``check("softmax_naive")``.

The task's public tests run with pytest in a subprocess, on the code the
kernel imports: the bundle is the folder holding the `classifiers` package the
kernel finds, and that folder goes first on the subprocess's PYTHONPATH (and is
its working directory), ahead of any editable install of another copy. The
result shows inline: how many tests passed; when a probe recognised a common
mistake, its likely cause and hint first; then every failing test by name with
its message on one line, shortened between words so that no number is cut
(``check(task, details=True)`` shows the messages whole); tests that wait for
another task's stub are counted as waiting, never as failures; a stub of the
task itself is "not written yet". The text holds no timings and no paths, so a
notebook that shows it replays under nbval. `public_status` gives every task's
status (passed, failed, waiting, not written) with its counts.

Nothing is written into the bundle: pytest's cache is off, bytecode is not
written, and the JUnit report and any hypothesis storage go to a temporary
folder. Hidden tests are never run: only the public test folder is searched.
"""

import ast
import fnmatch
import html
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grading import tasks

TIMEOUT = 120  # seconds for one task's public tests
MESSAGE_LIMIT = 240  # characters of one failing test's line: its name and message
WAITING = "waiting for "  # the reason tests/conftest.py skips a test with
# A probe's message (tests/public/diagnoses.py): its cause, its hint, what it measured.
PROBE = re.compile(r"likely cause: (?P<cause>.+?) hint: (?P<hint>.+?) seen: (?P<seen>.+)")


@dataclass(frozen=True)
class Failure:
    """A failing public test: its name ('test_module::Class::test'), its message on one
    line, and its whole message (pytest's "E" lines) for ``details``."""

    test: str
    message: str
    full: str


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one task's public tests, shown as a few lines.

    `passed` and `total` count its tests; `waiting` counts, by task, the tests skipped
    while that task is a stub; `causes` are the (cause, hint) pairs of the probes that
    fired; `failures` are every other failing test, in the order they ran.
    """

    task: str
    passed: int
    total: int
    failure: str | None = None  # why no test ran, when none did
    not_written: bool = False  # the task's stub raised its NotImplementedError
    failures: tuple[Failure, ...] = ()
    causes: tuple[tuple[str, str], ...] = ()
    waiting: tuple[tuple[str, int], ...] = ()
    details: bool = field(default=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when every public test of the task passed."""
        return self.total > 0 and self.passed == self.total

    @property
    def state(self) -> str:
        """'passed', 'waiting' (nothing failed, some tests wait), 'not written' or 'failed'."""
        if self.ok:
            return "passed"
        if self.not_written:
            return "not written"
        if self.total and not self.failures and not self.causes and self.waiting:
            return "waiting"
        return "failed"

    def counts(self) -> str:
        """'3 of 5 public tests passed; 2 waiting for softmax_vectorized'."""
        waits = "".join(f"; {count} waiting for {task}" for task, count in self.waiting)
        return f"{self.passed} of {self.total} public tests passed{waits}"

    def __str__(self) -> str:
        if self.ok:
            return f"{self.task}: all {self.total} public tests passed"
        if self.not_written:
            return (f"{self.task}: not written yet ({self.counts()}; the stub raises "
                    "NotImplementedError)")
        if self.total == 0:
            return f"{self.task}: no public test ran: {self.failure}"
        lines = [f"{self.task}: {self.counts()}"]
        lines += [line for cause, hint in self.causes
                  for line in (f"likely cause: {cause}", f"  hint: {hint}")]
        lines += [f"failed: {failure.test}: " + (failure.full if self.details else
                                                 shortened(failure.message))
                  for failure in self.failures]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}.get(self.state, "#9a6700")
        mark = "&#10004;" if self.ok else "&#10008;"
        return (f'<pre class="grading-check" style="color: {colour}">'
                f"{mark} {html.escape(str(self))}</pre>")


def shortened(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Text cut to about `limit` characters between words, so no number is cut, with ' ...'."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 3)
    return text[:cut if cut > 0 else limit - 4] + " ..."


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


def one_line(text: str, root: Path) -> str:
    """Text on one line, without the bundle's path."""
    return " ".join(text.replace(f"{root}{os.sep}", "").replace(str(root), ".").split())


def case_name(case: ET.Element) -> str:
    """'test_module::Class::test' of a JUnit <testcase>, without the folders."""
    parts = case.get("classname", "").split(".")
    start = next((k for k, part in enumerate(parts) if part.startswith("test_")), len(parts))
    return "::".join(parts[start:] + [case.get("name", "?")])


def outcome(case: ET.Element) -> tuple[str, str, str]:
    """('passed' | 'failure' | 'error' | 'skipped', its message, its whole message) of a
    JUnit <testcase>: pytest cuts the message attribute, and its "E" lines hold it all."""
    if not len(case):
        return "passed", "", ""
    problem = case[0]
    text = (problem.text or "").strip()
    message = problem.get("message") or text.split("\n")[-1]
    full = "\n".join(line[1:].strip() for line in text.splitlines() if line.startswith("E "))
    return problem.tag, message, full or message


def summarize(task: str, cases: list[ET.Element], output: str, root: Path) -> CheckResult:
    """A CheckResult from the JUnit test cases and pytest's output."""
    if not cases:
        lines = output.strip().splitlines()
        return CheckResult(task, 0, 0, one_line(lines[-1] if lines else "no output", root))
    ran = [(case_name(case), *outcome(case)) for case in cases]
    waiting = Counter(message.split(WAITING, 1)[1] for _, kind, message, _ in ran
                      if kind == "skipped" and WAITING in message)
    # The "E" lines, on one line: pytest cuts the message attribute after a few lines.
    failed = [Failure(name, one_line(full, root), full.replace(str(root), "."))
              for name, kind, _, full in ran if kind in ("failure", "error")]
    causes = {(found["cause"], found["hint"]): None for failure in failed
              for found in [PROBE.search(failure.message)] if found}
    return CheckResult(
        task, sum(kind == "passed" for _, kind, _, _ in ran), len(ran),
        not_written=any(f"NotImplementedError: Task {task}:" in failure.message
                        for failure in failed),
        failures=tuple(failure for failure in failed
                       if not (is_probe(failure.test) and PROBE.search(failure.message))),
        causes=tuple(causes), waiting=tuple(sorted(waiting.items())))


def is_probe(name: str) -> bool:
    """True for a probe's test name ('test_module::Class::test_likely_cause_x[...]')."""
    return fnmatch.fnmatchcase(re.sub(r"\[.*\]$", "", name.split("::")[-1]),
                               tasks.DIAGNOSIS_TESTS)


def run_check(task: str, root: Path | str | None = None,
              timeout: float = TIMEOUT, details: bool = False) -> CheckResult:
    """Run the public tests of `task` in a subprocess; return a CheckResult.

    Parameters
    ----------
    task : str
        One of the tasks of `grading.tasks.TASKS`.
    root : path, optional
        The bundle to test; by default the one whose `classifiers` this Python imports.
    timeout : float
        Seconds before the tests are stopped.
    details : bool
        Show each failing test's whole message, not one shortened line.
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
    result = summarize(task, cases, done.stdout + done.stderr, root)
    return replace(result, details=details)


def public_status(root: Path | str | None = None) -> dict[str, CheckResult]:
    """Every task's public check, by task: its `CheckResult.state` and counts."""
    return {task: run_check(task, root) for task in tasks.TASKS}


def check(task: str, details: bool = False) -> None:
    """Run the public tests of `task` and show the result below the cell; `details` shows
    each failing test's whole message."""
    result = run_check(task, details=details)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(result)
    else:
        print(result)
