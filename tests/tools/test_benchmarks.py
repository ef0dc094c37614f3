"""The benchmark tooling runs and reports what it measured (no timing is asserted)."""

import pathlib
import subprocess
import sys

import nbformat
import pytest

from benchmarks import before, bench_notebook, bench_similarity, bench_tiers, report
from grading.course import similarity
from grading.grader import unpack

ROOT = pathlib.Path(__file__).resolve().parents[2]

GNU_TIME_REPORT = """\
\tCommand being timed: "python -m jupyter nbconvert --execute softmax.ipynb"
\tUser time (seconds): 71.20
\tPercent of CPU this job got: 183%
\tElapsed (wall clock) time (h:mm:ss or m:ss): {wall}
\tAverage total size (kbytes): 0
\tMaximum resident set size (kbytes): 1638348
\tPage size (bytes): 4096
\tExit status: 0
"""


def test_quick_loss_rows_print_one_table():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "loss"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert [line.count("|") for line in table] == [7] * 6, done.stdout
    assert "vectorized loss ÷ two-product floor (full)" in done.stdout
    assert table[-1].rstrip(" |").endswith("not judged")
    assert "BLAS:" in done.stdout


@pytest.mark.parametrize("wall, seconds", [("0:45.12", 45.12), ("1:02:03", 3723.0)])
def test_parse_gnu_time_reads_wall_clock_and_peak(wall, seconds):
    assert bench_notebook.parse_gnu_time(GNU_TIME_REPORT.format(wall=wall)) == \
        pytest.approx((seconds, 1638348 * 1024))


def test_parse_gnu_time_rejects_other_text():
    with pytest.raises(ValueError, match="text must be the report of /usr/bin/time -v"):
        bench_notebook.parse_gnu_time("Traceback (most recent call last):")


@pytest.mark.parametrize("value, met", [(1.1, "yes"), (1.2, "NO"), (None, "n/a")])
def test_row_judges_its_floor(value, met):
    row = report.Row("r", "1x1", "m", floor="≤ 1.15x", value=value, limit=1.15)
    assert row.met() == met
    assert report.format_table([row]).splitlines()[-1].rstrip(" |").endswith(met)


def test_slowest_cells_reads_nbclient_timestamps(tmp_path):
    def cell(source, start, end):
        stamps = {"iopub.execute_input": f"2026-01-01T00:00:{start}Z",
                  "shell.execute_reply": f"2026-01-01T00:00:{end}Z"}
        return nbformat.v4.new_code_cell(source, metadata={"execution": stamps})

    notebook = nbformat.v4.new_notebook(cells=[
        cell("fast()", "01.000000", "01.500000"), nbformat.v4.new_markdown_cell("# text"),
        cell("slow()\nmore()", "02.000000", "09.250000"),
        cell("medium()", "10.000000", "12.000000")])
    nbformat.write(notebook, tmp_path / "executed.ipynb")
    assert bench_notebook.slowest_cells(tmp_path / "executed.ipynb", count=2) == \
        [(7.25, 2, "slow()"), (2.0, 3, "medium()")]


@pytest.mark.parametrize("last, counts", [
    ("== 1 failed, 812 passed, 3 skipped, 2 warnings in 130.20s (0:02:10) ==",
     "1 failed, 812 passed, 3 skipped"),
    ("812 passed, 40 deselected in 95.01s (0:01:35)", "812 passed, 40 deselected"),
    ("== 2 errors in 4.92s ==", "2 errors"),
])
def test_tier_summary_reads_pytests_counts(last, counts):
    assert bench_tiers.summary(f"....... [100%]\n\n{last}\n") == counts


def test_tier_summary_rejects_output_without_one():
    with pytest.raises(ValueError, match="output must end with pytest's summary line"):
        bench_tiers.summary("INTERNALERROR> AttributeError")


@pytest.mark.parametrize("seconds, text", [(59.6, "1:00"), (125.2, "2:05"), (600, "10:00")])
def test_tier_minutes(seconds, text):
    assert bench_tiers.minutes(seconds) == text


def test_the_similarity_class_writes_every_region_and_no_two_alike(tmp_path):
    bench_similarity.make_class(tmp_path, 3)
    parts = similarity.release_parts()
    written = [similarity.bodies(unpack.read(tmp_path / f"sub-{k:03d}"), parts)
               for k in range(3)]
    assert all(problems == [] and set(bodies) == {part.label for part in parts}
               for bodies, problems in written)
    # Drawn by a generator seeded per submission: no two regions of some length alike.
    for label, body in written[0][0].items():
        if body.count("\n") >= 3:
            assert len({bodies[label] for bodies, _ in written}) == 3, label


def test_before_extracts_an_earlier_commit_and_refuses_a_name_git_does_not_know():
    with before.checkout("HEAD") as tree:
        assert (tree / "classifiers" / "softmax.py").read_bytes() == subprocess.run(
            ["git", "show", "HEAD:classifiers/softmax.py"], cwd=before.ROOT,
            capture_output=True, check=True).stdout
    assert not tree.exists()
    with pytest.raises(ValueError, match="--before must name a commit"):
        with before.checkout("no-such-commit"):
            pass
