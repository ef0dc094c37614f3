"""Library hygiene: importing a utility module loads none of the student's classifiers."""

import subprocess
import sys
from pathlib import Path

BUNDLE = Path(__file__).resolve().parents[2]


def test_importing_gradient_check_imports_no_classifier_module():
    code = ("import sys, gradient_check\n"
            "print([m for m in sys.modules if m.split('.')[0] == 'classifiers'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=BUNDLE, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
