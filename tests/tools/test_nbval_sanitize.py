"""The nbval sanitize file parses into exactly the intended regex/replace pairs.

nbval silently drops a pair whose lines are malformed, so a typo there would
quietly stop masking timings; this reads the file with nbval's own parser.
"""

import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

SANITIZE_FILE = Path(__file__).resolve().parents[1] / "nbval_sanitize.cfg"


def test_sanitize_file_has_exactly_the_timing_rule():
    patterns = get_sanitize_patterns(SANITIZE_FILE.read_text())
    assert patterns == [(r"(computed in|took) \d+\.\d+s", r"\1 TIMEs")]


def test_timing_rule_masks_timings_and_nothing_else():
    (regex, replace), = get_sanitize_patterns(SANITIZE_FILE.read_text())
    assert re.sub(regex, replace, "naive loss: 2.302585e+00 computed in 0.035123s") == \
        "naive loss: 2.302585e+00 computed in TIMEs"
    assert re.sub(regex, replace, "That took 3.310082s") == "That took TIMEs"
    for untouched in ["iteration 100 / 1500: loss 206.463 took place",
                      "numerical: 3.197226 analytic: 3.197226, relative error < 1e-05",
                      "Loss difference < 1e-10: True"]:
        assert re.sub(regex, replace, untouched) == untouched
