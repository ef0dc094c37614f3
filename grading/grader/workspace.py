"""The folder one grading works in: what lies where, in one place.

A `Workspace` names every path of a grading's temporary folder, and `prepare` lays it
out: the submitted files (never modified, only `tasks.SUBMISSION_FILES`), a copy of the
reference bundle the trusted tests run in, and the task files rebuilt from the release
that the notebook's kernel imports. Those three are owner-only, never open to a child's
uid; each task's child folder, configuration and results, and the notebook's run folder,
are named here too.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from grading import tasks
from grading.grader import scratch, unpack


@dataclass(frozen=True)
class Workspace:
    """The layout of one grading's folder `root`."""

    root: Path

    @property
    def submission(self) -> Path:
        """The submitted files, as unpacked."""
        return self.root / "submission"

    @property
    def reference(self) -> Path:
        """The copy of the reference bundle (solutions, hidden tests) the trusted tests run in."""
        return self.root / "reference"

    @property
    def graded(self) -> Path:
        """The task files rebuilt from the release with the submission's region bodies."""
        return self.root / "graded"

    @property
    def notebook_run(self) -> Path:
        """The folder the notebook re-executes in, the only one its child may write."""
        return self.root / "nb"

    @property
    def data(self) -> Path:
        """A copy of the dataset, for a child whose uid cannot read it where it lies."""
        return self.root / "data"

    def child(self, task: str) -> Path:
        """The folder task's sandboxed child sees."""
        return self.root / f"child-{task}"

    @property
    def config(self) -> Path:
        """The trusted pytest's configuration (owner-only)."""
        return self.root / "grading.json"

    @property
    def results(self) -> Path:
        """Where the trusted pytest writes every task's outcomes (owner-only)."""
        return self.root / "results.json"

    def prepare(self, submission: Path | str, bundle: Path) -> tuple[list[str], list[str]]:
        """Lay out the workspace for `submission` graded against `bundle`.

        Returns the submission files missing, and the problems to report (an unreadable
        submission, missing files, code outside the answer regions).
        """
        problems = []
        try:
            missing = unpack.unpack(Path(submission).absolute(), self.submission)
        except (zipfile.BadZipFile, unpack.SubmissionError, OSError) as error:
            missing = list(tasks.SUBMISSION_FILES)
            problems.append(f"the submission cannot be read: {error}")
        problems += [f"{rel} is missing from the submission" for rel in missing]
        scratch.reference_tree(bundle, self.reference)
        problems += scratch.graded_files(self.reference, self.submission, self.graded)
        # Never open to a child's uid: the notebook's folder gets copies of what it needs.
        for private in (self.submission, self.reference, self.graded):
            private.mkdir(exist_ok=True)
            private.chmod(0o700)
        return missing, problems
