"""Seconds to compare every pair of a class of 200 (`grading.course.similarity`).

Every submission is this bundle's solution, its task files and its committed notebook
(outputs and figures included), with each region's body replaced by as many lines drawn
at random, by a generator seeded with the submission's number, from all the solution's
region bodies of its kind (code or answers). So nearly every pair shares fragments of
nearly every region, and the regions are compared in full, more work than a real class,
where most regions of most pairs share nothing. Timed once, in this process: reading and
fingerprinting the submissions, comparing every pair, and writing similarity.csv and the
flagged pairs' pages.
"""

import random
import tempfile
import time
from pathlib import Path

import nbformat

from benchmarks import report
from grading import tasks
from grading.course import similarity
from grading.grader import unpack
from grading.student import regions

ROOT = Path(__file__).resolve().parents[1]
# grade_all --jobs 2 per submission, from benchmarks/README.md's grading rows (42.3 s): what
# the comparison is held against, since timing a class's grading here would take hours.
GRADE_ALL_SECONDS = 42.3
SHARE = 0.02  # the floor: comparing a class takes at most this share of grading it


def pools():
    """{kind: lines} of every region body of the solution, stripped: what bodies are drawn
    from."""
    found = {"code": [], "answer": []}
    nb = nbformat.read(ROOT / tasks.NOTEBOOK, as_version=4)
    texts = [(kind, source, tasks.NOTEBOOK) for _, kind, source, _ in
             regions.notebook_sources(nb, tasks.NOTEBOOK)]
    texts += [("code", (ROOT / rel).read_text(), rel) for rel in tasks.SUBMISSION_FILES
              if rel != tasks.NOTEBOOK]
    for kind, text, where in texts:
        lines = text.split("\n")
        for region in regions.find_regions(text, kind, where):
            found[kind] += [line.strip() for line in lines[region.start + 1:region.end]
                            if line.strip()]
    return found


def drawn(text, kind, where, rng, pool):
    """`text` with each region's body replaced by as many lines drawn from `pool`."""
    return regions.rewrite(text, kind, where, lambda region, body: [
        region.indent + line for line in rng.sample(pool[kind], len(body))])


def make_class(folder, count):
    """Count submissions in folder (sub-000, ...): the solution's files, each region's body
    made of lines drawn from all the solution's regions of its kind, by a seeded generator."""
    pool = pools()
    for k in range(count):
        rng, sub = random.Random(k), folder / f"sub-{k:03d}"
        for rel in tasks.SUBMISSION_FILES:
            (sub / rel).parent.mkdir(parents=True, exist_ok=True)
            if rel == tasks.NOTEBOOK:
                nb = nbformat.read(ROOT / rel, as_version=4)
                for index, kind, source, loc in regions.notebook_sources(nb, rel):
                    nb.cells[index].source = drawn(source, kind, loc, rng, pool)
                nbformat.write(nb, sub / rel)
            else:
                (sub / rel).write_text(drawn((ROOT / rel).read_text(), "code", rel, rng, pool))


def similarity_rows(sizes):
    """A row: seconds to compare every pair of 200 submissions (20 with --quick)."""
    count = 20 if sizes.quick else 200
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as folder:
        folder = Path(folder)
        make_class(folder / "class", count)
        start, cpu = time.perf_counter(), time.process_time()
        result = similarity.similarity(unpack.submissions(folder / "class"), ROOT)
        similarity.write(result, folder / "out")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    share = elapsed / (count * GRADE_ALL_SECONDS)
    row = report.Row("similarity, all pairs", f"{count} submissions, {len(result.pairs)} pairs",
                     f"{report.seconds(elapsed)} ({report.seconds(cpu)} CPU)",
                     f"{share:.2%} of grading them",
                     f"≤ {SHARE:.0%} of grading them", value=share, limit=SHARE)
    note = (f"Similarity: {count} copies of the solution, each region's lines drawn from all "
            f"the solution's regions, compared once; {len(result.flagged)} pairs flagged at "
            f"{result.threshold} and their pages written. Grading them is taken as {count} x "
            f"{GRADE_ALL_SECONDS} s, the grade_all row of benchmarks/README.md.")
    return [row], [note]


if __name__ == "__main__":
    from benchmarks import problems
    report.print_report("Similarity", *similarity_rows(problems.FULL))
