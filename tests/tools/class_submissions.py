"""One class of submissions, honest and hostile, graded once per session by grade_all.

Grading a class is the costly step of the grading tests, so test_grading_grade.py,
test_hostile.py, test_fair_points.py and test_gradescope.py share one class, graded once
with the sandbox as a grader grades it: `grade_all` over every submission, two at a time.
Each module asserts on its own submissions:

- HONEST (test_grading_grade.py, test_gradescope.py): the solution, its notebook run as a
  student runs it; a planted bug handed in as collect's zip; the solution with one output
  edited by hand; the untouched release; a file that is not a zip, and an empty folder named
  like it; a password-protected zip.
- HOSTILE (test_hostile.py): each attack of hostile_regions in its one task file (the other
  files are missing, so their tasks fail at once), a correct loss that shifts the scores only
  after an overflow, the bundle's solution file beside them, a link, a folder named like the
  class's scores.csv, and a zip bomb.
- IDIOMS (test_fair_points.py): each idiom of idioms.py in the released task file, alone.

The notebook is grading_fixtures' small stand-in, run on a small synthetic CIFAR-format set,
and the bundle graded against is this one with that notebook as its release's.
"""

import csv
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.course import grade_all
from grading.grader import scratch
from grading.isolation import sandbox
from grading.student import collect

import idioms
from grading_fixtures import (
    BUNDLE,
    digest,
    executed_solution,
    fixture_notebook,
    plant_bug,
    small_synthetic,
)
from hostile_regions import ATTACKS, CHECK, OVERFLOW_FALLBACK, SOFTMAX, rewritten

HONEST = ("solution", "planted.zip", "edited", "release", "garbage.zip", "garbage", "locked.zip")
HOSTILE = (*ATTACKS, "overflow_fallback", "honest", "linked", "scores.csv", "bomb.zip")
IDIOMS = tuple(map(idioms.name, idioms.IDIOMS))
# Seconds per task: room for the naive triple loop's tests on a loaded machine.
TASK_TIMEOUT = 240


@dataclass(frozen=True)
class GradedClass:
    """A class graded by grade_all: what was handed in, and what grading wrote."""

    data: Path  # the synthetic CIFAR-format set the notebooks ran on, and are re-run on
    bundle: Path  # this bundle with the fixture notebook: the release graded against
    submissions: Path  # one entry per submission, as handed in (grading changes none)
    out: Path  # grade_all's REPORTS_DIR: scores.csv, class_report.html, the reports
    rows: dict  # {submission: its row of scores.csv}
    names: ClassVar[tuple] = HONEST + HOSTILE + IDIOMS  # every submission of the class

    def folder(self, name):
        """The folder of one submission's report."""
        return self.out / grade_all.REPORTS / name

    def report(self, name):
        """One submission's report.json."""
        return json.loads((self.folder(name) / "report.json").read_text())

    def markdown(self, name):
        """One submission's report.md."""
        return (self.folder(name) / "report.md").read_text()


def grade_class(root):
    """Hand in the class under root and grade it: its GradedClass.

    Skips where bubblewrap cannot run, since the class is graded with the sandbox.
    """
    if sandbox.level() != "bubblewrap":
        pytest.skip("no bubblewrap sandbox on this machine")
    subs = root / "submissions"
    with pytest.MonkeyPatch.context() as patch:
        data = small_synthetic(root / "cifar-10-synthetic", 500, 100)
        patch.setenv("CIFAR10_DIR", str(data))  # for the student's run, then for grading's
        honest(root, subs)
        unreadable(subs)
        hostile(subs)
        for idiom in idioms.IDIOMS:
            idioms.handed_in(subs / "release", subs / idioms.name(idiom), idiom)
        assert sorted(entry.name for entry in subs.iterdir()) == sorted(GradedClass.names)
        before, bundle_before = digest(subs), digest(BUNDLE / "tests")
        patch.setenv("SOFTMAX_QUICK", "1")  # a grader's quick setting must not reach the notebook
        bundle = fixture_bundle(root / "bundle")
        # pdf=False: printing PDFs is slow, and test_manual.py covers it.
        grade_all.grade_all(subs, root / "reports", jobs=2, task_timeout=TASK_TIMEOUT,
                            bundle=bundle, pdf=False)
    assert digest(subs) == before, "grading modified a submission"
    assert digest(BUNDLE / "tests") == bundle_before, "grading modified the bundle's tests"
    with open(root / "reports" / "scores.csv") as scores:
        rows = {row["submission"]: row for row in csv.DictReader(scores)}
    return GradedClass(data, bundle, subs, root / "reports", rows)


def fixture_bundle(folder):
    """A copy of this bundle with the fixture notebook, whose cells are its release's."""
    bundle = scratch.reference_tree(BUNDLE, folder)
    shutil.copytree(BUNDLE / "grading", bundle / "grading")
    nbformat.write(fixture_notebook(), bundle / tasks.NOTEBOOK)
    return bundle


def honest(root, subs):
    """The solution, a planted bug, a hand-edited output and the release, into subs."""
    solution = executed_solution(root, subs)
    # One planted bug, handed in as collect's zip.
    shutil.copytree(solution, root / "planted")
    softmax = solution / "classifiers/softmax.py"
    (root / "planted/classifiers/softmax.py").write_text(plant_bug(softmax.read_text()))
    assert collect.collect(root / "planted", subs / "planted.zip") == []
    # The solution with one stored output edited by hand: train accuracy off by 0.5.
    shutil.copytree(solution, subs / "edited")
    nb = nbformat.read(subs / "edited" / tasks.NOTEBOOK, as_version=4)
    output = nb.cells[4].outputs[0]
    output.text = re.sub(r"accuracy (\S+)", lambda m: f"accuracy {abs(float(m[1]) - 0.5):.3f}",
                         output.text)
    nbformat.write(nb, subs / "edited" / tasks.NOTEBOOK)
    # The untouched student bundle (with the fixture notebook, released), and not a zip.
    release.release(subs / "release", BUNDLE)
    (subs / "release" / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(release.stub_notebook(fixture_notebook(), tasks.NOTEBOOK),
                   subs / "release" / tasks.NOTEBOOK)


def unreadable(subs):
    """Submissions grade cannot read, into subs: not a zip, an empty folder, a locked zip."""
    (subs / "garbage.zip").write_bytes(b"not a zip")
    (subs / "garbage").mkdir()  # an empty folder named like the zip: its own submission
    # A password-protected zip: zipfile raises RuntimeError reading it, which grade
    # does not expect.
    with zipfile.ZipFile(subs / "locked.zip", "w") as archive:
        archive.writestr("gradient_check.py", "x = 1\n")
    locked = bytearray((subs / "locked.zip").read_bytes())
    locked[locked.find(b"PK\x01\x02") + 8] |= 1  # central directory: "encrypted" flag bit
    (subs / "locked.zip").write_bytes(locked)


def hostile(subs):
    """The attacks, and what tries the grader's limits beside them, into subs."""
    for name, (rel, body) in [*ATTACKS.items(), ("overflow_fallback",
                                                  (SOFTMAX, OVERFLOW_FALLBACK))]:
        (subs / name / rel).parent.mkdir(parents=True)
        (subs / name / rel).write_text(rewritten(rel, body))
    (subs / "honest" / "classifiers").mkdir(parents=True)
    shutil.copyfile(BUNDLE / SOFTMAX, subs / "honest" / SOFTMAX)
    (subs / "linked" / "classifiers").mkdir(parents=True)
    (subs / "linked" / SOFTMAX).symlink_to(BUNDLE / SOFTMAX)
    (subs / "scores.csv").mkdir()  # a submission named like the class's scores
    shutil.copyfile(BUNDLE / "gradient_check.py", subs / "scores.csv" / "gradient_check.py")
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(tasks.NOTEBOOK, b" " * (100 << 20))
        archive.writestr(CHECK, (BUNDLE / CHECK).read_text())
