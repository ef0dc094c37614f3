"""--no-sandbox as root: submitted code runs as uid 65534, and the report says what applied.

Each claim of grading/isolation/unprivileged.py is attacked once. The attacker is an
interpreter that uid can run (the system's Python), started by `sandbox.run`
with `sandbox.drops` forced true, as the grader starts a child where the check
succeeds. Whether uid 65534 can run or read something is decided here by
subprocess's own uid switch (`user=`), never by the code under test.
test_hostile_uid.py grades end to end with a Python that uid can run.
"""

import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from grading.grader import nbgrade
from grading.grader.workspace import Workspace
from grading.isolation import sandbox, unprivileged
from grading.isolation.unprivileged import NOBODY

from grading_fixtures import nobody_runs, open_to_others

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops to another "
                                f"uid; these tests run as uid {os.geteuid()}")
AS_NOBODY = f"none (--no-sandbox): submitted code runs as uid {NOBODY}"


@pytest.fixture(scope="module")
def python():
    """An interpreter uid 65534 can run: the system's, else ours."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable):
        if Path(candidate).exists() and nobody_runs([candidate, "-c", "pass"])[0] == 0:
            return candidate
    pytest.skip("uid 65534 can run no Python on this machine")


@pytest.fixture
def dropping(monkeypatch):
    """Children without a sandbox drop to NOBODY, as where it can run this Python."""
    monkeypatch.setattr(sandbox, "drops", lambda: True)


def test_a_child_drops_to_nobody_for_good(python, dropping, uid_tmp):
    code = ("import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getegid(), "
            "os.getgroups())\ntry:\n os.setuid(0); print('root again')\n"
            "except PermissionError: print('no way back')")
    status, output = sandbox.run([python, "-c", code], 60, writable=[uid_tmp], cwd=uid_tmp,
                                 isolation=sandbox.Isolation.UNSANDBOXED)
    assert status == 0 and output.splitlines() == [f"{NOBODY} {NOBODY} {NOBODY} {NOBODY} []",
                                                   "no way back"], output


ATTACK = """import pathlib, sys
canary, new, secret = map(pathlib.Path, sys.argv[1:])
for path in (canary, new):
    try:
        path.write_text("pwned"); print("wrote", path.name)
    except OSError as error: print("refused", type(error).__name__)
try:
    print("read", secret.read_text())
except OSError as error: print("refused", type(error).__name__)
pathlib.Path("mine.txt").write_text("ok")
"""


def attack_root_files(python, folder):
    """Run ATTACK as a plain child on root's files in folder: (status, output, canary text)."""
    (folder / "root").mkdir(mode=0o755)
    canary, secret = folder / "root" / "canary.txt", folder / "root" / "secret.txt"
    canary.write_text("clean")
    canary.chmod(0o644)
    unprivileged.write_private(secret, "hidden")
    (folder / "mine").mkdir()
    status, output = sandbox.run([python, "-c", ATTACK, str(canary), str(folder / "root/new"),
                                  str(secret)], 60, writable=[folder / "mine"],
                                 cwd=folder / "mine",
                                 isolation=sandbox.Isolation.UNSANDBOXED)
    assert (folder / "mine" / "mine.txt").read_text() == "ok"  # its own folder, written
    return status, output, canary.read_text()


def test_root_files_the_child_could_write_and_read_before_are_out_of_its_reach(
        python, uid_tmp, monkeypatch):
    monkeypatch.setattr(sandbox, "drops", lambda: False)  # as root: the attack works
    (uid_tmp / "before").mkdir()
    status, output, canary = attack_root_files(python, uid_tmp / "before")
    assert status == 0 and output.split() == ["wrote", "canary.txt", "wrote", "new", "read",
                                              "hidden"] and canary == "pwned"
    monkeypatch.setattr(sandbox, "drops", lambda: True)
    (uid_tmp / "after").mkdir()
    status, output, canary = attack_root_files(python, uid_tmp / "after")
    assert status == 0 and output.split() == ["refused", "PermissionError"] * 3, output
    assert canary == "clean" and not (uid_tmp / "after" / "root" / "new").exists()
    assert (uid_tmp / "after" / "mine" / "mine.txt").stat().st_uid == NOBODY


def test_each_child_has_a_home_of_its_own_that_goes_with_it(python, dropping, uid_tmp):
    code = ("import os, tempfile\nhome = os.environ['HOME']\ninfo = os.stat(home)\n"
            "open(os.path.join(home, 'startup.py'), 'w').write('x')\n"
            "print(home, tempfile.gettempdir() == home, info.st_uid, oct(info.st_mode & 0o777))")
    homes = []
    for _ in range(2):
        status, output = sandbox.run([python, "-c", code], 60, cwd=uid_tmp,
                                     isolation=sandbox.Isolation.UNSANDBOXED)
        home, same_tmp, owner, mode = output.split()
        assert status == 0 and same_tmp == "True" and int(owner) == NOBODY and mode == "0o700"
        assert not Path(home).exists()  # removed when the child ended
        homes.append(home)
    assert homes[0] != homes[1] and "/tmp" not in map(os.path.normpath, homes)


def test_share_opens_only_what_it_is_given_and_changes_nothing_outside(uid_tmp, monkeypatch):
    inside, outside = uid_tmp / "tmp", uid_tmp / "elsewhere"
    (inside / "work" / "child").mkdir(parents=True)
    (inside / "work" / "reference").mkdir()
    for folder in (inside / "work", inside / "work" / "child", inside / "work" / "reference"):
        folder.chmod(0o700)
    unprivileged.write_private(inside / "work" / "child" / "task.py", "x = 1")
    unprivileged.write_private(inside / "work" / "reference" / "oracles.py", "hidden")
    outside.mkdir(mode=0o700)
    open_to_others(inside)
    monkeypatch.setattr(tempfile, "tempdir", str(inside))
    unprivileged.share([inside / "work" / "child"], [])
    assert nobody_runs(["cat", str(inside / "work/child/task.py")]) == (0, "x = 1")
    assert nobody_runs(["cat", str(inside / "work/reference/oracles.py")])[0] != 0
    assert nobody_runs(["ls", str(inside / "work")])[0] != 0  # passed through, never listed
    with pytest.raises(PermissionError, match=f"uid {NOBODY} cannot read .*elsewhere"):
        unprivileged.share([outside], [])
    with pytest.raises(PermissionError, match=f"uid {NOBODY} cannot write .*elsewhere"):
        unprivileged.share([], [outside])
    assert stat.S_IMODE(outside.stat().st_mode) == 0o700 and outside.stat().st_uid == 0


def test_a_dataset_the_uid_cannot_read_in_place_is_copied_for_it(dropping, uid_tmp):
    data = uid_tmp / "private" / "cifar-10-synthetic"
    data.mkdir(parents=True)
    (uid_tmp / "private").chmod(0o700)
    unprivileged.write_private(data / "data_batch_1", "batch")
    work = uid_tmp / "work"
    work.mkdir()
    copy = nbgrade.readable_data(data, Workspace(work), sandboxed=False)
    unprivileged.share([copy], [])
    assert copy.parent == work and nobody_runs(["cat", str(copy / "data_batch_1")]) == \
        (0, "batch")
    assert nobody_runs(["cat", str(data / "data_batch_1")])[0] != 0  # the original stays shut
    assert nbgrade.readable_data(data, Workspace(work), sandboxed=True) == data  # bound


def test_can_run_agrees_with_the_uid_switch_of_subprocess(python, uid_tmp):
    numpy_parent = Path(__import__("numpy").__file__).parents[1]
    (uid_tmp / "shut").mkdir(mode=0o700)
    (uid_tmp / "shut" / "python").symlink_to(python)
    cases = [(python, {}), (python, {"PYTHONPATH": str(numpy_parent)}),
             (str(uid_tmp / "shut" / "python"), {"PYTHONPATH": str(numpy_parent)})]
    found = [unprivileged.can_run(exe, env) for exe, env in cases]
    oracle = [nobody_runs([exe, "-c", "import numpy"], env)[0] == 0 for exe, env in cases]
    assert found == oracle
    if set(oracle) != {True, False}:
        pytest.skip(f"the cases do not both succeed and fail here: {oracle}")


def test_the_report_says_root_where_the_uid_cannot_run_this_python(monkeypatch):
    if nobody_runs([sys.executable, "-c", "import numpy"])[0] == 0:
        pytest.skip(f"uid {NOBODY} can run {sys.executable} on this machine")
    monkeypatch.delenv(sandbox.DROPS, raising=False)  # the real check, once
    assert sandbox.describe(False) == ("none (--no-sandbox): submitted code runs as root; "
                                       f"uid {NOBODY} cannot run {sys.executable} "
                                       "(and import numpy)")
    assert sandbox.drops() is False


def test_the_report_states_each_level(dropping, monkeypatch, uid_tmp):
    shut, open_ = uid_tmp / "shut" / "tests" / "hidden", uid_tmp / "open" / "tests" / "hidden"
    for folder in (shut, open_):
        folder.mkdir(parents=True)
        (folder / "oracles.py").write_text("answer = 42")
    (uid_tmp / "shut").chmod(0o700)
    open_to_others(open_)
    assert nobody_runs(["cat", str(open_ / "oracles.py")])[0] == 0
    assert nobody_runs(["cat", str(shut / "oracles.py")])[0] != 0
    assert sandbox.describe(False) == sandbox.describe(False, [shut]) == AS_NOBODY
    assert sandbox.describe(False, [shut, open_]) == (
        f"{AS_NOBODY}; it can read the hidden tests in {open_}: make that bundle private")
    assert sandbox.describe(True) == sandbox.level()
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert sandbox.describe(False) == \
        "none (--no-sandbox): submitted code runs as the grader's own uid 1000"
