"""The test tiers: without bubblewrap a security test skips on a developer's machine and
fails under CI=true, so a green CI run cannot hide a missing sandbox."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
