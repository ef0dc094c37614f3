"""The Gradescope autograder: its zip, and run_autograder under the emulated contract.

The zip is built, as an instructor builds it, from a copy of the bundle whose
notebook is the small fixture of grading_fixtures. Each run unpacks it into a
temporary folder standing in for /autograder (AUTOGRADER_ROOT), puts the upload
in submission/, and runs run_autograder with this environment's Python and
without the sandbox (AUTOGRADER_SANDBOX=off): Gradescope's containers usually
forbid bubblewrap, so that is the path they take. setup.sh needs the network
and is not run. Each upload is the work of a submission of the class that the
grading tests share (class_submissions.HONEST), graded there by grade_all, each
submission by ``python -m grading.grader.grade`` in its sandbox: its report gives the
totals to compare.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest

from grading import tasks
from grading.authoring import release
from grading.grader import grade
from grading.gradescope import build as gradescope

from grading_fixtures import BUNDLE, CELLS, decoy, open_python
from hostile_regions import ATTACKS, CANARY, CHECK, LINEAR, SAVED, SOFTMAX, rewritten

# Manual marks by student email; the solution's student is marked, the others are not.
MARKS = ("submission,task,points,comment\n"
         "solution@example.edu,inline_question_1,2.5,\"Right; say why the scores start equal.\"\n"
         "someone@example.edu,ridge_question,3,\n")
SCHEMA = json.loads((BUNDLE / "grading/gradescope/autograder/results.schema.json").read_text())


def defined_tests(folder):
    """The names of the test functions defined in folder's modules."""
    return {name for path in (BUNDLE / folder).glob("*.py")
            for name in re.findall(r"def (test_\w+)", path.read_text())}


# Tests only the hidden folder has: their names must not reach a student before the due date.
HIDDEN_NAMES = sorted(defined_tests(tasks.HIDDEN_TESTS) - defined_tests(tasks.PUBLIC_TESTS))
# Each upload, and the graded class's submission of the same work.
GRADED = {"solution": "solution", "planted": "planted.zip", "release": "release"}


def named(name, text):
    """Whether text names the test `name` (not merely a longer name it begins)."""
    return re.search(rf"\b{name}\b", text) is not None


def uploads(graded_class, root):
    """Three uploads as Gradescope stores them: {name: folder standing for submission/}.

    Each is the work of one of the graded class's submissions (GRADED), handed in otherwise.
    """
    subs = graded_class.submissions
    # The solution's files uploaded one by one: Gradescope puts them side by side.
    (root / "up-solution").mkdir()
    for rel in tasks.SUBMISSION_FILES:
        shutil.copyfile(subs / "solution" / rel, root / "up-solution" / Path(rel).name)
    # A planted bug, uploaded as collect's zip.
    (root / "up-planted").mkdir()
    shutil.copyfile(subs / "planted.zip", root / "up-planted/submission.zip")
    # The untouched release, its files in their folders.
    shutil.copytree(subs / "release", root / "up-release")
    return {name: root / f"up-{name}" for name in GRADED}


def autograde(zip_path, upload, root, env, email, python=sys.executable):
    """Run run_autograder on one upload in a fresh /autograder stand-in: (results, stdout)."""
    (root / "results").mkdir(parents=True)
    metadata = {"id": 1, "submission_method": "upload",
                "users": [{"email": email, "id": 7, "name": "A Student"}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copytree(upload, root / "submission")
    done = subprocess.run(["bash", str(root / "source/run_autograder")], capture_output=True,
                          text=True, timeout=900,
                          env={**env, "AUTOGRADER_ROOT": str(root),
                               "AUTOGRADER_PYTHON": str(python), "AUTOGRADER_SANDBOX": "off"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results/results.json").read_text()), done.stdout


@pytest.fixture(scope="module")
def graded(graded_class, tmp_path_factory):
    """{upload: (results.json, run_autograder's stdout, grade's report)}, and the zip.

    grade's report is the graded class's, of the same work (GRADED).
    """
    root = tmp_path_factory.mktemp("gradescope")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["CIFAR10_DIR"] = str(graded_class.data)
    ups = uploads(graded_class, root)
    zip_path = root / "autograder.zip"
    (root / "marks.csv").write_text(MARKS)
    subprocess.run([sys.executable, "-m", "grading.gradescope.build", str(zip_path), "--bundle",
                    str(graded_class.bundle), "--minutes", "30", "--marks",
                    str(root / "marks.csv")], cwd=BUNDLE, check=True, capture_output=True)
    with ThreadPoolExecutor(2) as pool:
        runs = {name: pool.submit(autograde, zip_path, up, root / f"ag-{name}", env,
                                  f"{name}@example.edu") for name, up in ups.items()}
        return {name: (*runs[name].result(), graded_class.report(GRADED[name]))
                for name in ups}, zip_path


def test_the_zip_follows_gradescopes_layout(graded):
    _, zip_path = graded
    with zipfile.ZipFile(zip_path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        settings = json.loads(archive.read("autograder.json"))
    for script in ("setup.sh", "run_autograder"):  # at the root, executable
        assert infos[script].external_attr >> 16 & 0o111 == 0o111, script
    assert settings == {"minutes": 30}
    names = set(infos)
    assert {f"bundle/{tasks.NOTEBOOK}", "bundle/requirements.txt",
            "bundle/grading/gradescope/build.py", "bundle/tests/hidden/oracles.py"} <= names
    assert not any(name.startswith(("bundle/tests/tools/", "bundle/datasets/", "bundle/.git/"))
                   for name in names)


def test_results_are_valid_against_the_schema(graded):
    runs, _ = graded
    for name, (results, _, _) in runs.items():
        jsonschema.validate(results, SCHEMA)  # raises on the first error
        assert results["stdout_visibility"] == "hidden", name


@pytest.mark.parametrize("change", [
    lambda r: r.update(score="50"),                           # a number as text
    lambda r: r.update(visibility="public"),                  # not a visibility
    lambda r: r["tests"][0].update(visibility="students"),
    lambda r: r["tests"][0].update(max_score=-1),
    lambda r: r["tests"][0].update(output=["a", "list"]),
    lambda r: r["tests"][0].update(status="ok"),
    lambda r: r["tests"][0].update(output_format="rtf"),
    lambda r: r.update(execution_time=-3),
    lambda r: r.update(test=r.pop("tests")),                  # a misspelt key
    lambda r: [r.pop("score"), r.pop("tests")],               # neither score nor tests
    lambda r: r.update(leaderboard=[{"name": "accuracy"}]),   # an entry without a value
])
def test_the_schema_refuses_invalid_results(graded, change):
    results = copy.deepcopy(graded[0]["solution"][0])
    change(results)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(results, SCHEMA)


def test_scores_match_grade_solution_full_release_zero(graded):
    runs, _ = graded
    for name, (results, _, alone) in runs.items():
        manual = 2.5 if name == "solution" else 0  # its marks, from the marks file
        assert results["score"] == alone["total"] + manual, name
        assert sum(test["score"] for test in results["tests"]) == results["score"]
    assert runs["solution"][2]["total"] == tasks.MAX_TOTAL
    assert runs["release"][2]["total"] == 0
    automatic = [test for test in runs["release"][0]["tests"] if test["max_score"] > 0
                 and "marked by hand" not in test["name"]]
    assert automatic and all(test["status"] == "failed" for test in automatic)


def test_manual_marks_count_for_their_student_only(graded):
    runs, _ = graded
    marked = {test["name"]: test for test in runs["solution"][0]["tests"]
              if test["name"].endswith("marked by hand")}
    assert set(marked) == {f"{task}: marked by hand" for task in tasks.MANUAL_POINTS}
    assert marked["inline_question_1: marked by hand"]["score"] == 2.5
    assert "scores start equal" in marked["inline_question_1: marked by hand"]["output"]
    assert marked["ridge_question: marked by hand"]["output"] == "not marked yet"
    manual = sum(tasks.MANUAL_POINTS.values())
    assert (f"Marked by hand: 2.5 / {manual} points; in all {tasks.MAX_TOTAL + 2.5} / "
            f"{tasks.MAX_TOTAL + manual}.") in runs["solution"][0]["output"]
    planted = [test for test in runs["planted"][0]["tests"] if "marked by hand" in test["name"]]
    assert all(test["score"] == 0 and test["output"] == "not marked yet" for test in planted)


def test_a_planted_bug_loses_points_only_in_its_own_task(graded):
    results = graded[0]["planted"][0]
    lost = {test["name"].split(" / ")[0] for test in results["tests"]
            if test["score"] < test["max_score"] and "marked by hand" not in test["name"]}
    assert lost == {"softmax_vectorized"}
    assert results["score"] < tasks.MAX_TOTAL


def test_hidden_tests_are_named_only_after_the_due_date(graded):
    results, stdout, _ = graded[0]["planted"]
    seen = [test for test in results["tests"] if test["visibility"] == "visible"]
    later = [test for test in results["tests"] if test["visibility"] == "after_due_date"]
    assert later and all(test["max_score"] == 0 for test in later)
    text = json.dumps([results["output"], seen])
    assert not [name for name in HIDDEN_NAMES if named(name, text)]
    assert "tests/hidden" not in text and "oracles" not in text
    assert any(named(name, later[0]["output"]) for name in HIDDEN_NAMES)
    assert any(named(name, stdout) for name in HIDDEN_NAMES)  # instructors see the report


def test_the_notebook_comparison_is_a_test_and_the_isolation_is_named(graded):
    results = graded[0]["solution"][0]
    [notebook] = [test for test in results["tests"] if test["name"].startswith("notebook")]
    assert notebook["max_score"] == 0
    assert notebook["status"] == "passed"
    assert f"Cells matched: {len(CELLS)} / {len(CELLS)}" in notebook["output"]
    assert "Isolation of the submitted code: none (--no-sandbox)" in results["output"]
    assert graded[0]["solution"][2]["isolation"] == "bubblewrap"  # grade's own run


def test_building_refuses_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="minutes=45"):
        gradescope.build(tmp_path / "a.zip", BUNDLE, minutes=45)
    shutil.copytree(BUNDLE / "grading", tmp_path / "bundle/grading")
    with pytest.raises(FileNotFoundError, match="notebooks/softmax.ipynb is missing"):
        gradescope.build(tmp_path / "b.zip", tmp_path / "bundle")
    (tmp_path / "marks.csv").write_text("submission,task,points,comment\n"
                                        "a@example.edu,inline_question_1,4,\n")
    with pytest.raises(ValueError, match="row 2: points 4 exceed the maximum 3"):
        gradescope.build(tmp_path / "c.zip", BUNDLE, marks=tmp_path / "marks.csv")
    assert not [path for path in tmp_path.iterdir() if "zip" in path.name]


def test_a_notebook_left_no_time_is_reported_not_run(tmp_path):
    entry = grade.grade_notebook(tmp_path, BUNDLE, 0, [], sandboxed=False)
    assert entry.status == "not re-executed: grading the tasks used all the time"
    assert entry.cells_matched == 0


HOOK = ("import IPython\n"
        "IPython.get_ipython().input_transformers_post.append(lambda lines: lines)\n")


@pytest.fixture(scope="module")
def hostile_run(graded, graded_class):
    """run_autograder on one upload that attacks the grader in every task file: (results,
    stdout). Without the sandbox, as Gradescope grades, with a Python uid 65534 can run (as
    its setup.sh makes one): the attacks must fail there too."""
    root = Path(tempfile.mkdtemp(prefix="gradescope-hostile-"))  # not 0700 above, as tmp_path
    try:
        yield run_hostile(graded[1], root, graded_class.data)
    finally:
        shutil.rmtree(root)


def run_hostile(zip_path, root, data):
    """Hand in the hostile upload in root and run run_autograder on it."""
    upload = root / "upload"
    upload.mkdir()
    attacks = {SOFTMAX: ATTACKS["zero_inputs"][1], LINEAR: ATTACKS["call_back_anything"][1],
               CHECK: ATTACKS["write_outside"][1]}
    for rel, body in attacks.items():  # uploaded one by one, side by side
        (upload / Path(rel).name).write_text(rewritten(rel, body))
    least = "classifiers/least_squares.py"  # its markers moved into a decoy, a hook at import
    text = release.stub_python((BUNDLE / least).read_text(), least)
    (upload / Path(least).name).write_text(HOOK + decoy(text, "least_squares", ["def _decoy():"]))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["CIFAR10_DIR"] = str(data)
    return autograde(zip_path, upload, root / "ag", env, "hostile@example.edu",
                     open_python(root))


def test_attacks_through_the_autograder_gain_nothing_and_touch_nothing(hostile_run):
    results, stdout = hostile_run
    assert results["score"] == 0
    assert not any(test["score"] for test in results["tests"])
    assert not CANARY.exists() and not SAVED.exists()
    oracle = (BUNDLE / tasks.HIDDEN_TESTS / "oracles.py").read_text().splitlines()[0]
    assert oracle not in json.dumps(results) and oracle not in stdout
    assert "must sit in one_hot()" in json.dumps(results)  # the decoy is refused, by name
    assert "submitted code runs as uid 65534" in results["output"]
