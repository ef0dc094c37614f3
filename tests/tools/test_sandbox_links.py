"""The sandbox behind links, and a refusal that quotes bwrap's own error."""

import subprocess
import sys
from pathlib import Path

import pytest

from grading import tasks
from grading.isolation import bwrap, sandbox

pytestmark = pytest.mark.skipif(sandbox.level() != "bubblewrap",
                                reason="no bubblewrap sandbox on this machine")


def python(argv_python, code):
    """Run code with the given Python from the bundle's root: its stdout, stripped."""
    done = subprocess.run([str(argv_python), "-c", code], cwd=tasks.BUNDLE,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def linked_environment(tmp_path):
    """A virtual environment with numpy, reached through a link: `venv -> real`."""
    if sys.prefix != sys.base_prefix:  # this Python's own environment holds numpy
        real = sys.prefix
    else:
        real = tmp_path / "real"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip",
                        "--system-site-packages", str(real)], check=True, timeout=120)
    link = tmp_path / "venv"
    link.symlink_to(real, target_is_directory=True)
    return link


def test_a_virtual_environment_behind_a_link_is_mounted_at_its_target(tmp_path):
    link = linked_environment(tmp_path)
    code = ("import sys\nfrom grading.isolation import sandbox\n"
            "print(sys.prefix)\nprint(sandbox.level())\n"
            "print(sandbox.run([sys.executable, '-c', 'import sys, numpy; "
            "print(sys.prefix, numpy.zeros(2).sum())'], 60))")
    prefix, level, result = python(link / "bin" / "python", code).splitlines()
    assert prefix == str(link)  # the link itself is the environment's prefix
    assert level == "bubblewrap"
    assert result == repr((0, f"{link} 0.0\n"))


def test_a_refusal_quotes_bwraps_own_error():
    # The case: bwrap cannot exec the Python it is given. Its own words must
    # reach the refusal, not a guess about user namespaces.
    code = ("import sys\nfrom grading.grader import grade\n"
            "sys.executable = '/nonexistent/bin/python'\n"
            "try:\n    grade.isolation(True)\nexcept SystemExit as refusal:\n    print(refusal)")
    refusal = python(sys.executable, code)
    assert refusal.startswith("grade: no sandbox can be made on this machine (bwrap failed")
    assert "bwrap: execvp /nonexistent/bin/python: No such file or directory" in refusal
    assert "namespaces" not in refusal


def test_a_sandbox_that_cannot_start_says_why(tmp_path):
    missing = tmp_path / "missing"
    status, output = sandbox.run([sys.executable, "-c", "print('ran')"], 60,
                                 read_only=[missing])
    assert status != 0 and "ran" not in output
    assert f"bwrap failed (exit status {status}): bwrap: Can't find source path {missing}" \
        in output


def test_a_failing_command_is_not_taken_for_a_failing_sandbox(tmp_path):
    status, output = sandbox.run([sys.executable, "-c", "print('ran'); raise SystemExit(3)"],
                                 60, read_only=[tmp_path])
    assert (status, output) == (3, "ran\n")


def test_a_failure_is_capped():
    said = bwrap.failure([sys.executable, "-c", "import sys; sys.stderr.write('x' * 9999); "
                          "sys.exit(1)"], sandbox.environment())
    assert said == f"bwrap failed (exit status 1): {'x' * bwrap.QUOTED} ..."


def test_links_are_made_again_and_their_targets_bound_once(tmp_path):
    real = tmp_path / "real"
    (real / "bin").mkdir(parents=True)
    (tmp_path / "venv").symlink_to(real)
    (tmp_path / "lib").symlink_to("real/bin")  # relative, inside a bound target
    paths = [tmp_path / "venv", tmp_path / "lib", real / "bin", Path("/usr")]
    assert bwrap.shown(paths) == [
        "--ro-bind", str(real), str(real), "--ro-bind", "/usr", "/usr",
        "--symlink", str(real), str(tmp_path / "venv"),
        "--symlink", str(real / "bin"), str(tmp_path / "lib")]
