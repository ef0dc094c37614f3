"""The nbval sanitize file parses into exactly the intended regex/replace pairs.

nbval silently drops a pair whose lines are malformed, so a typo there would
quietly stop masking; this reads the file with nbval's own parser, and checks on
lines of the notebook's own form that each rule masks what it should and nothing else.
"""

import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

SANITIZE_FILE = Path(__file__).resolve().parents[1] / "nbval_sanitize.cfg"
PATTERNS = get_sanitize_patterns(SANITIZE_FILE.read_text())


def sanitized(text):
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def test_sanitize_file_has_exactly_the_timing_round_off_and_digest_rules():
    assert [replace for _, replace in PATTERNS] == [r"\1 TIMEs", "RATIOx as long",
                                                    r"\1: ROUND-OFF", '"task_files": "DIGEST"']


@pytest.mark.parametrize("line, masked", [
    ("naive loss: 2.302585e+00 computed in 0.035123s",
     "naive loss: 2.302585e+00 computed in TIMEs"),
    ("That took 3.310082s", "That took TIMEs"),
    ("the search took 15.2s; one model alone took 2.5s, so the 20 models one by one would "
     "take about 49.0s, 3.2x as long",
     "the search took TIMEs; one model alone took TIMEs, so the 20 models one by one would "
     "take about TIMEs, RATIOx as long"),
    ("numerical: 3.197226 analytic: 3.197226, relative error: 1.535425e-08",
     "numerical: 3.197226 analytic: 3.197226, relative error: ROUND-OFF"),
    ("numerical: 0.290189 analytic: 0.290189, relative error: 9.999999e-06",
     "numerical: 0.290189 analytic: 0.290189, relative error: ROUND-OFF"),
    ("Loss difference: 0.000000e+00", "Loss difference: ROUND-OFF"),
    ("Gradient difference: 3.140000e-15", "Gradient difference: ROUND-OFF"),
    ("Gradient difference: 1.000000e-100", "Gradient difference: ROUND-OFF"),
    (' "task_files": "' + "0123456789abcdef" * 4 + '"', ' "task_files": "DIGEST"'),
])
def test_timings_and_round_off_are_masked(line, masked):
    assert sanitized(line) == masked


@pytest.mark.parametrize("untouched", [
    "iteration 100 / 1500: loss 206.463 took place",
    "the 20 models one by one",
    # Errors of 1e-5 and above are no round-off: a replay must show them.
    "numerical: 1.000000 analytic: 1.500000, relative error: 2.000000e-01",
    "numerical: 1.000000 analytic: 1.000020, relative error: 1.000000e-05",
    "Loss difference: 1.000000e+00",
    "naive loss: 2.410224e-01 computed in",
    ' "dataset": "synthetic",',
])
def test_nothing_else_is_masked(untouched):
    assert sanitized(untouched) == untouched
