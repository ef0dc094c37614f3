"""Grade a folder of submissions, each in its own process tree.

``python -m grading.course.grade_all SUBMISSIONS_DIR --out REPORTS_DIR [--jobs N] [--no-sandbox]``

Every folder and every .zip directly inside SUBMISSIONS_DIR is one
submission. Each is graded by its own ``python -m grading.grader.grade`` process,
N at a time, under a watchdog that kills its whole process group at the
deadline; a crash, kill, hang or flood in one cannot touch another's result.
Its report goes to REPORTS_DIR/submissions/<entry name>/ (alice/ and
alice.zip are two submissions), moved there whole once written, and
REPORTS_DIR/scores.csv, written to a temporary file and renamed, has a row
for every submission (a column per task, and one per group of tests,
`task:group`): one whose grading stopped gets a report saying so.
Beside it, similarity.csv and similarity/, the pairs of submissions whose
regions are alike (`grading.course.similarity`, flagged at
``--similarity-threshold``); class_report.html; beside each report, the re-executed notebook as
notebook.html (and .pdf, unless --no-pdf or without the system Chromium),
rendered under a deadline once scores.csv and the reports are written.
``--marks MARKS.csv`` merges manual points (format in grading/README.md); a bad
file is refused, exit status 2, before anything is graded.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grading import report, tasks
from grading.course import class_report, export, manual, similarity
from grading.course.progress import Progress
from grading.grader import grade, nbgrade, unpack
from grading.isolation import cgroups, sandbox
from grading.report import Report
from grading.student import regions

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
REPORTS = "submissions"  # REPORTS_DIR/submissions/<entry>/: no entry name meets scores.csv


@dataclass(frozen=True)
class Options:
    """How a class is graded: what every submission's grade process is given.

    jobs grade processes at once; `bundle` is the one whose release was handed out;
    timeouts in seconds; `sandboxed` false for --no-sandbox; `pdf` to print notebooks.
    """

    jobs: int
    bundle: Path
    task_timeout: int
    notebook_timeout: int
    sandboxed: bool
    pdf: bool


def stopped(name: str, problem: str) -> Report:
    """The `Report` of a submission whose grading stopped with `problem`."""
    return Report.failed(name, f"not graded: grading stopped with {problem} (grade it alone "
                               "with python -m grading.grader.grade to see the traceback)")


def deadline(task_timeout: int, notebook_timeout: int) -> int:
    """Seconds one submission may take: every task and the notebook, with slack."""
    return len(tasks.TASKS) * (task_timeout + 30) + notebook_timeout + 120


def environment(scratch: Path, jobs: int) -> dict[str, str]:
    """The environment of one grade process: its own TMPDIR, and its share of the cores.

    `jobs` grades run at once; each gets cores // jobs BLAS threads unless the
    grader set them. OpenBLAS's threads wait on each other when more run than
    there are cores, and the notebook prints nothing that the thread count
    changes (docs/reproducibility.md).
    """
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    return {**{name: threads for name in BLAS_THREADS}, **os.environ, "TMPDIR": str(scratch)}


def grade_one(path: Path, out: Path, options: Options) -> Report:
    """Grade one submission in its own process group; return its `Report` (always)."""
    final = out / REPORTS / path.name
    with tempfile.TemporaryDirectory(prefix=".grading-", dir=out) as partial, \
            tempfile.TemporaryFile() as errors:
        command = [sys.executable, "-m", "grading.grader.grade", str(path), "--out", partial,
                   "--task-timeout", str(options.task_timeout),
                   "--notebook-timeout", str(options.notebook_timeout),
                   "--bundle", str(options.bundle)]
        command += [] if options.sandboxed else ["--no-sandbox"]
        # Where the grader may, the grade process joins its own pids cgroup before it
        # starts, and every cgroup its sandboxes make lies inside it: killing its
        # members reaches every process it started, whatever session they are in.
        cgroup = cgroups.new_cgroup(limit=None)
        if cgroup:
            command = ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cgroup / "cgroup.procs"),
                       *command]
        # The grade's temporary files go into a folder of its own, removed here even when
        # the watchdog killed the grade before it could clean up. Mode 0711: a child
        # running as uid 65534 passes through to its own folders, never lists it.
        scratch = Path(tempfile.mkdtemp(prefix="grade_all-"))
        scratch.chmod(0o711)
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors, start_new_session=True, cwd=tasks.BUNDLE,
                                   env=environment(scratch, options.jobs))
        try:
            status = "exit status " + str(process.wait(deadline(options.task_timeout,
                                                                 options.notebook_timeout)))
        except subprocess.TimeoutExpired:
            status = "a timeout"
        finally:
            os.killpg(process.pid, signal.SIGKILL) if process.poll() is None else None
            process.wait()
            if cgroup:
                cgroups.remove_cgroup(cgroup)
            shutil.rmtree(scratch, ignore_errors=True)
        try:
            result = Report.from_json(json.loads((Path(partial) / "report.json").read_text(
                "utf-8")))
        except (OSError, ValueError):
            errors.seek(0)
            last = errors.read(1 << 16).decode("utf-8", "replace").strip().splitlines()[-1:]
            result = stopped(path.name, last[0][:300] if last else status)
            result.write(Path(partial))
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
        Path(partial).mkdir()  # for TemporaryDirectory's cleanup
    return result


def grade_all(folder: Path | str, out: Path | str, jobs: int | None = None,
              bundle: Path | str = tasks.BUNDLE, task_timeout: int = tasks.TASK_TIMEOUT,
              notebook_timeout: int = tasks.NOTEBOOK_TIMEOUT, sandboxed: bool = True,
              marks: Path | str | None = None, pdf: bool = True,
              threshold: float = similarity.THRESHOLD) -> list[dict[str, object]]:
    """Grade every submission in folder into out; write and return the rows of scores.csv.

    Also writes out/class_report.html, and each re-executed notebook as HTML (and
    PDF when `pdf` and the system Chromium allow) beside its report. `marks`, a
    manual marks CSV (`grading.course.manual`), is read and validated before any grading.
    Then compares every pair (`grading.course.similarity`): out/similarity.csv and
    the pages of the pairs whose score reaches `threshold`.
    """
    found, out = unpack.submissions(folder), Path(out)
    similarity.check_threshold(threshold)
    cgroups.sweep()
    given = manual.read_marks(marks, found) if marks is not None else None
    (out / REPORTS).mkdir(parents=True, exist_ok=True)
    sandboxed = grade.isolation(sandboxed)
    if not sandboxed and sandbox.drops() and jobs != 1:
        # Without a sandbox every submission runs as the same uid, NOBODY: two at once
        # could signal each other's processes or write into each other's folders.
        print(f"grade_all: --no-sandbox as root: one submission at a time, since all run "
              f"as uid {sandbox.NOBODY}", file=sys.stderr)
        jobs = 1
    options = Options(jobs or os.cpu_count() or 1, Path(bundle), task_timeout,
                      notebook_timeout, sandboxed, pdf)
    reports = graded(found, out, options)
    if given is not None:
        reports = manual.merge_reports(out / REPORTS, reports, given)
    rows = [result.row() for result in reports.values()]
    report.write_csv(out / "scores.csv", rows, list(rows[0]) if rows else ["submission"])
    compared = compare(found, out, options.bundle, threshold)
    if reports:  # out before any notebook is rendered, and again with what was rendered
        class_report.write_class_report(reports.values(), out, REPORTS + "/", compared)
        rendered(reports, out, options)
        class_report.write_class_report(reports.values(), out, REPORTS + "/", compared)
    return rows


def compare(found: Mapping[str, Path], out: Path, bundle: Path,
            threshold: float) -> similarity.Similarity | None:
    """Compare every pair of the submissions and write what `similarity.write` writes; the
    class compared, or None, said on stderr, where the bundle's release cannot be read."""
    try:
        compared = similarity.similarity(found, bundle, threshold)
    except (FileNotFoundError, regions.MarkerError) as error:  # the scores are out already
        print(f"grade_all: pairs not compared: {error}", file=sys.stderr)
        return None
    similarity.write(compared, out)
    return compared


def graded(found: Mapping[str, Path], out: Path, options: Options) -> dict[str, Report]:
    """{name: report} of the submissions found, `options.jobs` at a time, in name order.

    Progress counts submissions as they finish (as_completed), so its ETA follows
    the real pace.
    """
    reports = {}
    with ThreadPoolExecutor(max_workers=options.jobs) as pool, \
            Progress(len(found)) as progress:
        futures = {pool.submit(grade_one, path, out, options): name
                   for name, path in found.items()}
        for future in as_completed(futures):
            name = futures[future]
            reports[name] = future.result()
            progress.done(name, f"{reports[name].total} / {reports[name].max_total}")
    return {name: reports[name] for name in found}


def rendered(reports: Mapping[str, Report], out: Path, options: Options) -> None:
    """Render each kept notebook (student output, never executed again) for reading.

    Each `Report` gains `readable`, {file: outcome} (`export.render`); each reason
    a file was not rendered is said once at the end.
    """
    folders = [out / REPORTS / name for name in reports]
    kept = [folder for folder in folders if (folder / nbgrade.KEPT).is_file()]
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        for folder, outcomes in zip(kept, pool.map(lambda folder: export.render(
                folder / nbgrade.KEPT, folder, options.pdf), kept)):
            reports[folder.name].readable = outcomes
            reports[folder.name].write(folder)
    failed = Counter(f"{file}: {outcome}" for folder in kept for file, outcome
                     in (reports[folder.name].readable or {}).items() if outcome != "written")
    for reason, count in sorted(failed.items()):
        print(f"grade_all: {count} submission(s): {reason}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Grade a folder of submissions from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.course.grade_all",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folder", metavar="SUBMISSIONS_DIR", help="submission folders and zips")
    parser.add_argument("--out", required=True, metavar="REPORTS_DIR", help="report folder")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    parser.add_argument("--task-timeout", type=int, default=tasks.TASK_TIMEOUT,
                        help="seconds per task (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=int, default=tasks.NOTEBOOK_TIMEOUT,
                        help="seconds per notebook (default: %(default)s)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run submitted code without the OS sandbox (trusted code only)")
    parser.add_argument("--marks", metavar="MARKS.csv", type=Path,
                        help="manual points, submission,task,points,comment (grading/README.md)")
    parser.add_argument("--no-pdf", action="store_true",
                        help="write the re-executed notebooks as HTML only")
    parser.add_argument("--similarity-threshold", type=float, default=similarity.THRESHOLD,
                        help="flag a pair of submissions whose code or answers score reaches "
                             "this (default: %(default)s; grading/README.md)")
    args = parser.parse_args(argv)
    if not Path(args.folder).is_dir():
        print(f"grade_all: SUBMISSIONS_DIR must be a folder, got {args.folder}", file=sys.stderr)
        return 2
    try:  # a bad marks file or threshold is refused before any grading starts
        similarity.check_threshold(args.similarity_threshold)
        if args.marks is not None:
            manual.read_marks(args.marks, unpack.submissions(args.folder))
    except (ValueError, FileNotFoundError) as error:
        print(f"grade_all: {error}", file=sys.stderr)
        return 2
    rows = grade_all(args.folder, args.out, args.jobs, task_timeout=args.task_timeout,
                     notebook_timeout=args.notebook_timeout, sandboxed=not args.no_sandbox,
                     marks=args.marks, pdf=not args.no_pdf,
                     threshold=args.similarity_threshold)
    print(f"grade_all: graded {len(rows)} submission(s); scores in {Path(args.out) / 'scores.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
