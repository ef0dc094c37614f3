"""Wall time and peak memory of the whole notebook, and of loading the data.

Both run in child processes under GNU time (``/usr/bin/time -v``, Debian's
``time`` package). Its "Maximum resident set size" is the ru_maxrss that
wait4() returns for the command, which Linux defines as the largest peak of any
single process in the tree the command waited for: for the notebook that is
the kernel, which nbconvert starts as a child and reaps, not a sum of the
kernel and nbconvert.
"""

import pathlib
import re
import subprocess
import sys
import tempfile
from datetime import datetime

import nbformat

import data_utils
from benchmarks import before, report, timing

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "softmax.ipynb"
GNU_TIME = pathlib.Path("/usr/bin/time")
WALL_FLOOR = 25.0  # seconds for the whole notebook, at full size on 2 idle cores
NOTEBOOK_PEAK = 1.5 * 2**30  # bytes resident, whole notebook
LOADING_PEAK = 1.6 * 2**30  # bytes resident, loading plus preprocessing
BUSY_FACTOR = 1.5  # the notebook beside a busy core, at most this times its idle wall time
LOADER = "import data_utils; data_utils.get_CIFAR10_data({})"
QUICK_LOADING = "num_training=4900, num_validation=500, num_test=500, num_dev=100"


def parse_gnu_time(text):
    """Wall seconds and peak resident bytes from the report of ``/usr/bin/time -v``."""
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not (wall and peak):
        raise ValueError(f"text must be the report of /usr/bin/time -v, got {text[-300:]!r}")
    seconds = 0.0
    for part in wall.group(1).split(":"):  # [h:]m:s
        seconds = 60 * seconds + float(part)
    return seconds, 1024 * int(peak.group(1))


def run_under_gnu_time(command, env=None, cwd=ROOT):
    """Run ``command`` from `cwd` (the repository root) under ``/usr/bin/time -v``.

    Returns
    -------
    wall, peak : float
        Seconds of wall clock and peak resident bytes (largest single process).
    failure : str
        Empty on success, else why not: the last line the command wrote to
        stderr, or that GNU time is missing.
    """
    if not GNU_TIME.exists():
        return None, None, "/usr/bin/time missing: apt-get install time"
    done = subprocess.run([str(GNU_TIME), "-v", *command], cwd=cwd, env=env,
                          capture_output=True, text=True)
    # GNU time exits with the command's status (128 + N if signal N killed it).
    report_start = done.stderr.rfind("\tCommand being timed:")
    wall, peak = parse_gnu_time(done.stderr[report_start:])
    errors = [line for line in done.stderr[:report_start].splitlines()
              if line.strip() and not line.startswith("Command ")] or ["no message"]
    failure = f"exit status {done.returncode}: {errors[-1]}" if done.returncode else ""
    return wall, peak, failure


def slowest_cells(path, count=3):
    """The ``count`` slowest code cells of an executed notebook, from nbclient's timestamps.

    Returns
    -------
    cells : list of (float, int, str)
        Seconds, cell index and first line of source, slowest first.
    """
    cells = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            start, end = (datetime.fromisoformat(stamps[key].replace("Z", "+00:00"))
                          for key in ("iopub.execute_input", "shell.execute_reply"))
            cells.append(((end - start).total_seconds(), index, cell.source.split("\n")[0]))
    return sorted(cells, reverse=True)[:count]


def _dataset():
    """The dataset's name, written first if it is the synthetic set and missing,
    so that generating it is never part of a measurement."""
    return data_utils.locate_cifar10()[1]


def execute_notebook(quick, root=ROOT, busy=False):
    """Execute the notebook of the bundle at `root` headless under GNU time, in a scratch folder.

    A quick run sets ``SOFTMAX_QUICK=1`` (the notebook's own small splits); a
    full run removes that variable, whatever the caller's environment. With
    `busy`, another process keeps one core busy meanwhile, as a student's
    laptop does.

    Returns
    -------
    wall, peak, failure
        As `run_under_gnu_time` returns them.
    slowest : list
        As `slowest_cells` returns it; empty if the execution failed.
    """
    env = before.environment(root, **({"SOFTMAX_QUICK": "1"} if quick else {}))
    notebook = root / NOTEBOOK.relative_to(ROOT)
    with tempfile.TemporaryDirectory() as out, timing.busy_core(busy):
        wall, peak, failure = run_under_gnu_time(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             str(notebook), "--output-dir", out, "--ExecutePreprocessor.timeout=1800",
             "--log-level", "WARN"], env=env, cwd=root)
        slowest = [] if failure else slowest_cells(pathlib.Path(out) / NOTEBOOK.name)
    return wall, peak, failure, slowest


def notebook_rows(sizes):
    """Rows for the notebook's wall time, idle and beside a busy core, and its peak memory.

    With ``sizes.before`` (an earlier commit's tree), each run is repeated there right
    after, and the wall-time rows give the ratio today ÷ before.
    """
    if not NOTEBOOK.exists():
        return [report.Row("notebook", "", "notebook missing")], []
    dataset = _dataset()
    shape = f"{dataset}, {'SOFTMAX_QUICK=1' if sizes.quick else '49000 train rows'}"
    runs = {}
    for busy in (False, True):
        for name, root in (("now", ROOT), ("before", sizes.before)):
            if root is not None:
                runs[busy, name] = execute_notebook(sizes.quick, root, busy)
    rows, notes = [], []
    for busy, label in ((False, "notebook: wall time"),
                        (True, "notebook, one core kept busy: wall time")):
        wall, _, failure, slowest = runs[busy, "now"]
        floor = WALL_FLOOR if not busy else BUSY_FACTOR * (runs[False, "now"][0] or 0)
        row = report.Row(label, shape, report.seconds(wall) if not failure else
                         f"failed ({failure})", floor=f"≤ {WALL_FLOOR:g} s" if not busy else
                         f"≤ {BUSY_FACTOR}x idle", value=None if failure else wall, limit=floor)
        earlier = runs.get((busy, "before"))
        if earlier and not failure and not earlier[2]:
            row.name += ": now ÷ before"
            row.measured = f"{report.seconds(wall)} ÷ {report.seconds(earlier[0])}"
            row.ratio = report.ratio(wall / earlier[0])
        elif earlier:
            row.measured += f" (before: {earlier[2] or report.seconds(earlier[0])})"
        rows.append(row)
        if slowest:
            notes.append(f"{label}, slowest cells: " + "; ".join(
                f"cell {index} `{line[:50]}` {report.seconds(seconds)}"
                for seconds, index, line in slowest) + ".")
    wall, peak, failure, _ = runs[False, "now"]
    rows.append(report.Row("notebook: peak RSS (kernel)", shape, f"failed ({failure})" if failure
                           else report.gibibytes(peak), floor=f"≤ {NOTEBOOK_PEAK / 2**30:g} GiB",
                           value=None if failure else peak, limit=NOTEBOOK_PEAK))
    notes.insert(0, "Notebook: `python -m jupyter nbconvert --to notebook --execute "
                 "notebooks/softmax.ipynb` under `/usr/bin/time -v`, run once each way, default "
                 "BLAS threads; the wall time includes starting nbconvert and the kernel. 'One "
                 "core kept busy': `python -c \"while True: pass\"` runs meanwhile. The peak is "
                 "GNU time's maximum resident set size, the largest single process of the tree: "
                 "the kernel, since nbconvert itself stays under 0.1 GiB.")
    return rows, notes


def loading_rows(sizes):
    """Row for the peak memory of ``data_utils.get_CIFAR10_data()`` in a fresh process."""
    arguments = QUICK_LOADING if sizes.quick else ""
    row = report.Row("loading + preprocessing: peak RSS", "", "", floor="≤ 1.6 GiB",
                     limit=LOADING_PEAK)
    row.shape = f"{_dataset()}, {'4900' if sizes.quick else '49000'} train rows"
    wall, peak, failure = run_under_gnu_time([sys.executable, "-c", LOADER.format(arguments)])
    if failure:
        row.measured = f"failed ({failure})"
    else:
        row.measured, row.value = f"{report.gibibytes(peak)} in {report.seconds(wall)}", peak
    note = (f"Loading: `data_utils.get_CIFAR10_data({arguments})` in a fresh Python process "
            "under `/usr/bin/time -v`, run once; the peak includes the interpreter and numpy.")
    return [row], [note]
