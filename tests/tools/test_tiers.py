"""The test tiers: without bubblewrap a security test skips on a developer's machine and
fails under CI=true, so a green CI run cannot hide a missing sandbox."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts import suite_scopes

BUNDLE = Path(__file__).resolve().parents[2]
NO_SANDBOX = "import grading.isolation.sandbox\ngrading.isolation.sandbox.level.found = 'none'\n"


@pytest.mark.parametrize("ci, outcome", [("true", "1 error"), ("", "1 skipped")])
def test_a_security_test_without_bubblewrap(tmp_path, ci, outcome):
    (tmp_path / "no_sandbox.py").write_text(NO_SANDBOX)
    env = {**os.environ, "CI": ci,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no_sandbox",
                           "-p", "no:cacheprovider", "tests/tools/test_sandbox.py",
                           "-k", "test_proc_shows_only_the_sandbox"],
                          cwd=BUNDLE, env=env, capture_output=True, text=True, timeout=300)
    assert outcome in done.stdout, done.stdout[-2000:]
    assert (done.returncode != 0) == bool(ci)
    if ci:
        assert "CI=true: no bubblewrap sandbox" in done.stdout


def test_the_graded_class_is_one_scope_and_every_other_module_its_own():
    assert {suite_scopes.scope(f"tests/tools/{module}.py::test_x[a::b]")
            for module in suite_scopes.CLASS_MODULES} == {suite_scopes.CLASS_SCOPE}
    assert suite_scopes.scope("tests/tools/test_check.py::test_x") == "tests/tools/test_check.py"
    assert suite_scopes.scope("notebooks/softmax.ipynb::Cell 3") == "notebooks/softmax.ipynb"


def test_a_module_reading_the_class_unlisted_stops_the_run():
    def reader(module):
        return SimpleNamespace(path=Path(f"tests/tools/{module}.py"), fixturenames=["graded_class"])
    item, listed = reader("test_new"), reader("test_hostile")
    suite_scopes.pytest_collection_modifyitems([listed])
    with pytest.raises(pytest.UsageError, match=r"\['test_new'\] read the graded_class fixture"):
        suite_scopes.pytest_collection_modifyitems([listed, item])


def test_the_modules_naming_the_graded_class_are_the_listed_ones():
    # The quick tier's check of CLASS_MODULES; the whole suite's run checks the fixtures.
    readers = {path.stem for path in (BUNDLE / "tests" / "tools").glob("test_*.py")
               if "graded_class" in path.read_text() and path.stem != "test_tiers"}
    assert readers == suite_scopes.CLASS_MODULES
