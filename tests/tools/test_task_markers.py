"""Each task's pytest marker comes from its `Task`: registered by tests/conftest.py, from
grading.tasks.TASKS, and still held to ``--strict-markers``."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grading import tasks

BUNDLE = Path(__file__).resolve().parents[2]


def test_every_task_is_a_marker_registered_once(pytestconfig):
    names = [line.split(":")[0] for line in pytestconfig.getini("markers")]
    assert all(names.count(task) == 1 for task in tasks.TASKS), names


def test_pyproject_lists_no_task_marker():
    ini = tomllib.loads((BUNDLE / "pyproject.toml").read_text())["tool"]["pytest"]
    assert "--strict-markers" in ini["ini_options"]["addopts"]
    listed = {line.split(":")[0] for line in ini["ini_options"]["markers"]}
    assert not listed & set(tasks.TASKS), "tests/conftest.py registers the task markers"


def collect(root):
    """`pytest --collect-only tests` in root, with this bundle's grading importable."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(BUNDLE), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only",
                           "-p", "no:cacheprovider", "tests"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("marker, refused", [("softmax_naive", False), ("softmax_naiv", True)])
def test_a_misspelt_task_marker_is_refused_in_any_test_folder(tmp_path, marker, refused):
    """Hidden tests are collected before public ones: both see the registered markers."""
    shutil.copyfile(BUNDLE / "pyproject.toml", tmp_path / "pyproject.toml")
    for folder in (tasks.HIDDEN_TESTS, tasks.PUBLIC_TESTS):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / f"test_{Path(folder).name}.py").write_text(
            f"import pytest\n\npytestmark = pytest.mark.{marker}\n\n\n"
            "def test_marked():\n    pass\n")
    (tmp_path / "tests" / "conftest.py").write_text((BUNDLE / "tests/conftest.py").read_text())
    done = collect(tmp_path)
    output = done.stdout + done.stderr
    if refused:
        assert done.returncode != 0
        assert "'softmax_naiv' not found in `markers` configuration option" in output
    else:
        assert done.returncode == 0 and "2 tests collected" in output, output
