"""Grading with --no-sandbox as root: the children run as uid 65534 and reach nothing hidden.

The end-to-end tests grade with a Python that uid can run: a virtual environment
of the system's Python, in a folder open to every user, that imports this
environment's packages. The bundle graded against is copied into a private
folder (0700), as a grader without a sandbox must keep it, and so is the dataset,
which the grader then copies for the notebook's child.
"""

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

from grading import tasks
from grading.grader import grade, nbgrade, scratch
from grading.isolation import sandbox
from grading.isolation.unprivileged import NOBODY
from grading.student import regions

from grading_fixtures import (
    BUNDLE,
    executed_solution,
    fixture_notebook,
    nobody_runs,
    open_python,
    small_synthetic,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops to another "
                                f"uid; these tests run as uid {os.geteuid()}")
CHECK = "gradient_check.py"
LINEAR = "classifiers/linear_classifier.py"
NAMES = ("solution", "hostile", "save")
ORACLES = f"{tasks.HIDDEN_TESTS}/oracles.py"
PROBE = """import os, sys
for path in sys.argv[1:]:
    try:
        os.listdir(path) if os.path.isdir(path) else open(path).read(1); print("read")
    except OSError: print("refused")
"""


def test_the_grader_opens_the_child_its_folder_and_nothing_else(monkeypatch, tmp_path):
    python = "/usr/bin/python3"
    if nobody_runs([python, "-c", "pass"])[0] != 0:
        pytest.skip(f"uid {NOBODY} cannot run {python} here")
    monkeypatch.setattr(sandbox, "drops", lambda: True)  # for the probes; the grading is real
    seen, run_tasks = {}, grade.run_tasks

    def probed(work, names, sandboxed, timeout):
        child = work.child(names[0])  # started as proxy.Client starts the task's child

        def probe(*paths):
            status, output = sandbox.run([python, "-c", PROBE, *map(str, paths)], 60,
                                         read_only=[child], cwd=child,
                                         isolation=sandbox.Isolation.UNSANDBOXED)
            return output.split()
        seen["before"] = probe(child / CHECK, work.reference / ORACLES, work.root,
                               work.submission / CHECK, work.config)
        entry = run_tasks(work, names, sandboxed, timeout)
        seen["after"] = probe(work.results)
        seen["modes"] = [stat.S_IMODE(path.stat().st_mode) for path in (
            work.root, work.reference, work.submission, work.config, work.results)]
        return entry

    monkeypatch.setattr(grade, "run_tasks", probed)
    (tmp_path / "sub").mkdir()
    shutil.copyfile(BUNDLE / CHECK, tmp_path / "sub" / CHECK)
    entry = grade.grade_tasks(tmp_path / "sub", ["gradient_check"], sandboxed=False)
    assert entry["gradient_check"].passed, entry  # the grading itself is untouched
    assert seen["before"] == ["read", "refused", "refused", "refused", "refused"]
    assert seen["after"] == ["refused"]
    assert seen["modes"] == [0o701, 0o700, 0o700, 0o600, 0o600]  # passed through, never listed


def reach_everything(bundle, canary):
    """Regions of gradient_check that read and write what they can find, then say what worked."""
    return [
        "    import os, pathlib",
        "    work = pathlib.Path(__file__).resolve().parents[1]",
        "    cwd = pathlib.Path(f'/proc/{os.getppid()}/cwd')",  # the trusted pytest's
        f"    hidden = [work / 'reference' / {ORACLES!r}, cwd / {ORACLES!r},",
        f"              pathlib.Path({str(bundle / ORACLES)!r}), work / 'grading.json',",
        f"              work / 'submission' / {CHECK!r}]",
        "    read = [str(p) for p in hidden if os.access(p, os.R_OK)]",
        "    wrote = []",
        "    for p in [work / 'reference' / 'tests' / 'conftest.py', work / 'planted.txt',",
        f"              pathlib.Path({str(canary)!r})]:",
        "        try:",
        "            p.write_text('pwned'); wrote.append(str(p))",
        "        except OSError:",
        "            pass",
        "    raise ValueError(f'uid {os.getuid()} read {read} wrote {wrote}')"]


def save_through_a_link(secret):
    """Regions of linear_classifier.py that link HOME/model.npz to `secret` and ask the
    grader to save its classifier there, speaking the wire protocol (test_hostile.py)."""
    return [
        "    import gc, os",
        "    link = os.path.join(os.environ['HOME'], 'model.npz')",
        "    if not os.path.lexists(link):",
        f"        os.symlink({str(secret)!r}, link)",
        "    server = next(o for o in gc.get_objects() if type(o).__name__ == 'Server')",
        "    try:",
        "        outcome = repr(server.ask({'op': 'method', 'id': 0, 'name': 'save'},",
        "                                  {'W': np.ones((2, 2))}, link))",
        "    except Exception as error:",
        "        outcome = str(error)[:60]",
        "    raise ValueError(f'uid {os.getuid()} save: {outcome}')"]


@pytest.fixture(scope="module")
def graded():
    """Grade the solution and hostile submissions with --no-sandbox.

    ({name: report}, canary, secret): the bundle graded against, the dataset and a
    root-only secret lie in a private folder.
    """
    root = Path(tempfile.mkdtemp(prefix="no-sandbox-"))  # not in tmp_path: see uid_tmp
    try:
        python, private, subs = open_python(root), root / "private", root / "submissions"
        private.mkdir(mode=0o700)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CIFAR10_DIR", str(small_synthetic(private / "data", 500, 100)))
            executed_solution(root, subs)
            bundle = scratch.reference_tree(BUNDLE, private / "bundle")
            shutil.copytree(BUNDLE / "grading", bundle / "grading")
            nbformat.write(fixture_notebook(), bundle / tasks.NOTEBOOK)
            canary = bundle / "tests" / "canary.txt"
            (subs / "hostile").mkdir()
            (subs / "hostile" / CHECK).write_text(regions.rewrite(
                (BUNDLE / CHECK).read_text(), "code", CHECK,
                lambda region, body: reach_everything(bundle, canary)))
            secret = private / "secret.txt"
            secret.write_text("root only")
            secret.chmod(0o600)
            (subs / "save" / LINEAR).parent.mkdir(parents=True)
            (subs / "save" / LINEAR).write_text(regions.rewrite(
                (BUNDLE / LINEAR).read_text(), "code", LINEAR, lambda region, body: [
                    region.indent + line[4:] for line in save_through_a_link(secret)]))
            env = {key: value for key, value in os.environ.items()
                   if not key.startswith("PYTEST_")}
            for name in NAMES:
                subprocess.run([str(python), "-m", "grading.grader.grade", str(subs / name),
                                "--out", str(root / name), "--no-sandbox", "--bundle", str(bundle),
                                "--task-timeout", "120"], cwd=BUNDLE, env=env, check=True,
                               capture_output=True, timeout=900)
        yield ({name: json.loads((root / name / "report.json").read_text())
                for name in NAMES}, canary, secret)
    finally:
        shutil.rmtree(root)


def test_the_solution_scores_full_with_every_child_as_nobody(graded):
    result = graded[0]["solution"]
    assert result["total"] == result["max_total"] == tasks.MAX_TOTAL, result
    assert result["notebook"]["status"] == nbgrade.EXECUTED  # the kernel ran as that uid too
    assert result["notebook"]["cells_matched"] == result["notebook"]["cells_total"] > 0
    # The bundle grading runs from (this one) is open to every user here: the report says so.
    ours = BUNDLE / tasks.HIDDEN_TESTS
    open_here = nobody_runs(["cat", str(ours / "oracles.py")])[0] == 0
    warning = f"; it can read the hidden tests in {ours}: make that bundle private"
    assert result["isolation"] == \
        f"none (--no-sandbox): submitted code runs as uid {NOBODY}" + warning * open_here


def test_a_hostile_child_reads_and_writes_nothing_hidden(graded):
    result, canary = graded[0]["hostile"], graded[1]
    entry = result["tasks"]["gradient_check"]
    assert not canary.exists()
    assert result["total"] == 0 and f"uid {NOBODY} read [] wrote []" in entry["message"], entry
    oracle = (BUNDLE / ORACLES).read_text().splitlines()[0]
    assert oracle not in json.dumps(result)


def test_a_forged_save_through_a_link_writes_nothing(graded):
    # The grader, root, would follow the child's link in its own HOME: it saves nothing.
    result, secret = graded[0]["save"], graded[2]
    assert secret.read_text() == "root only"
    assert result["total"] == 0
    for task in ("linear_classifier", "train_grid"):
        message = result["tasks"][task]["message"]
        assert f"uid {NOBODY} save: the submission may call back only" in message, message
