"""What the test suite costs, by tier: ``./test.sh --quick`` and the whole ``./test.sh``.

The quick tier is every test not marked slow (tests/tools/conftest.py assigns the tiers by
module), a developer's loop; the whole suite adds the slow modules and the notebook
re-executed by nbval. Each command runs once, as a developer runs it, from the bundle's
root. A row gives its wall time and its CPU time, user and system, of the command and every
process it waited for: on a machine shared with other work the wall time grows with the
load while the CPU time barely moves, so the notes give the load average before and after.
"""

import os
import re
import resource
import subprocess
import time
from pathlib import Path

from benchmarks import report

ROOT = Path(__file__).resolve().parents[1]
QUICK_FLOOR = 180.0  # seconds of wall time for ./test.sh --quick, on 2 idle cores
WHOLE_FLOOR = 600.0  # seconds of wall time for ./test.sh, on 2 idle cores
# --quick: both commands on one small quick-tier module only, to show that the rows run.
SMOKE = ["-k", "test_layering"]
OUTCOMES = ("failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "error", "errors")


def summary(output):
    """The counts of pytest's last summary line, e.g. '812 passed, 3 skipped'.

    >>> summary("== 1 failed, 812 passed, 3 skipped, 2 warnings in 130.20s (0:02:10) ==")
    '1 failed, 812 passed, 3 skipped'
    """
    lines = [line for line in output.splitlines() if re.search(r"\bin [\d.]+s\b", line)]
    if not lines:
        raise ValueError(f"output must end with pytest's summary line, got {output[-200:]!r}")
    counts = re.findall(rf"(\d+) ({'|'.join(OUTCOMES)})\b", lines[-1])
    return ", ".join(f"{count} {outcome}" for count, outcome in counts)


def run_tier(args):
    """Run ``test.sh args`` once: (wall seconds, CPU seconds, pytest's counts, exit status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["bash", "test.sh", *args], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, summary(done.stdout), done.returncode


def minutes(seconds):
    """A duration as m:ss, to the second: '2:05'."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def tier_rows(sizes):
    """Rows: the quick tier and the whole suite, each run once; the load in the notes."""
    extra = SMOKE if sizes.quick else []
    load = [os.getloadavg()]
    rows, walls = [], {}
    for name, args, floor in (("quick tier: ./test.sh --quick", ["--quick"], QUICK_FLOOR),
                              ("whole suite: ./test.sh", [], WHOLE_FLOOR)):
        wall, cpu, counts, status = run_tier(args + extra)
        walls[name] = wall
        shape = counts + ("" if status == 0 else f" (exit status {status})")
        rows.append(report.Row(name, shape, f"{minutes(wall)} wall, {minutes(cpu)} CPU",
                               f"CPU ÷ wall {cpu / wall:.2f}", f"≤ {minutes(floor)} wall",
                               value=wall, limit=floor))
        load.append(os.getloadavg())
    before, after_quick, after_whole = (", ".join(f"{x:.1f}" for x in avg) for avg in load)
    notes = [f"Test tiers: each command run once{' with ' + ' '.join(SMOKE) if extra else ''}; "
             "CPU is user + system time of test.sh and every process it waited for. Load "
             f"average (1, 5, 15 min) on {os.cpu_count()} cores: {before} before, "
             f"{after_quick} after the quick tier, {after_whole} after the whole suite. "
             "On a busy machine the wall times grow and the CPU times barely move."]
    return rows, notes


if __name__ == "__main__":
    from benchmarks import problems
    report.print_report("The test suite by tier", *tier_rows(problems.FULL))
