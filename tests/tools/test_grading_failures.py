"""Grading a submission that hangs, crashes or imports what it may not, and unpacking what
a submission holds."""

import json
import re
import subprocess
import sys
import zipfile

from grading import tasks
from grading.grader import grade, unpack
from grading.student import regions

from grading_fixtures import BUNDLE


def grade_broken(tmp_path, softmax_bodies, files=None, options=()):
    """Grade a submission of classifiers/softmax.py with these region bodies, and `files`
    ({rel: text}); its report. Only a real hang may meet the task timeout: what a test runs
    besides it takes as long as a busy machine needs."""
    sub = tmp_path / "broken"
    (sub / "classifiers").mkdir(parents=True)
    text = (BUNDLE / "classifiers/softmax.py").read_text()
    (sub / "classifiers/softmax.py").write_text(regions.rewrite(
        text, "code", "softmax.py", lambda region, body: softmax_bodies[region.task]))
    for rel, content in (files or {}).items():
        (sub / rel).write_text(content)
    done = subprocess.run([sys.executable, "-m", "grading.grader.grade", str(sub),
                           "--out", str(tmp_path / "out"), "--task-timeout", "60", *options],
                          cwd=BUNDLE, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    return json.loads((tmp_path / "out" / "report.json").read_text())


CRASH = ["    import os", "    os._exit(3)"]


def test_a_hanging_task_times_out(tmp_path):
    # The loop never ends, so it meets the timeout however busy the machine; the crash
    # beside it ends the task of softmax_vectorized before it can take long.
    result = grade_broken(tmp_path, {"softmax_naive": ["    while True:", "        pass"],
                                     "softmax_vectorized": CRASH},
                          options=["--task-timeout", "5"])
    assert result["tasks"]["softmax_naive"]["message"] == "timed out after 5 s (an endless loop?)"


def test_crashes_bad_imports_and_missing_files_get_a_report(tmp_path):
    # An import a region makes counts; one outside the regions is ignored with its code.
    files = {"classifiers/least_squares.py": regions.rewrite(
        (BUNDLE / "classifiers/least_squares.py").read_text(), "code", "ls.py",
        lambda region, body: [region.indent + "import scipy.linalg", *body])}
    text = (BUNDLE / "classifiers/linear_classifier.py").read_text()  # exits 0 before a report
    files["classifiers/linear_classifier.py"] = regions.rewrite(
        text, "code", "lc.py", lambda region, body: [region.indent + "import os; os._exit(0)"]
        if region.task == "linear_classifier" else None)
    result = grade_broken(tmp_path, {"softmax_naive": CRASH, "softmax_vectorized": CRASH}, files)
    messages = {task: entry["message"] for task, entry in result["tasks"].items()}
    assert result["total"] == tasks.TASKS["train_grid"].points  # its region was left intact
    assert "the submission's process failed" in messages["softmax_naive"], messages
    assert "the submission's process failed" in messages["linear_classifier"], messages
    assert "the submission's process failed" in messages["softmax_vectorized"], messages
    assert re.match(r"classifiers/least_squares.py:\d+ imports scipy; task files may import "
                    "only numpy", messages["least_squares"]), messages
    assert messages["gradient_check"] == "gradient_check.py is missing from the submission"
    assert result["notebook"]["status"].startswith("missing")
    assert (tmp_path / "out" / "report.md").read_text().startswith("# Grading report: broken")


def test_unpack_takes_only_submission_files_even_from_a_wrapped_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "wrapped.zip", "w") as archive:
        archive.writestr("alice/gradient_check.py", "x = 1\n")
        archive.writestr("alice/../../escape.py", "y = 2\n")
        archive.writestr("alice/notes.txt", "hello")
    missing = unpack.unpack(tmp_path / "wrapped.zip", tmp_path / "out")
    assert (tmp_path / "out" / "gradient_check.py").read_text() == "x = 1\n"
    assert sorted(regions.walk(tmp_path / "out")) == ["gradient_check.py"]
    assert missing == [rel for rel in tasks.SUBMISSION_FILES if rel != "gradient_check.py"]
    assert not (tmp_path / "escape.py").exists()


def test_unpack_keeps_the_paths_of_a_zip_holding_only_classifiers(tmp_path):
    partial = ("classifiers/softmax.py", "classifiers/least_squares.py")
    with zipfile.ZipFile(tmp_path / "partial.zip", "w") as archive:
        for rel in partial:
            archive.writestr(rel, f"# {rel}\n")
    missing = unpack.unpack(tmp_path / "partial.zip", tmp_path / "out")
    assert sorted(regions.walk(tmp_path / "out")) == sorted(partial)
    assert (tmp_path / "out/classifiers/softmax.py").read_text() == "# classifiers/softmax.py\n"
    assert missing == [rel for rel in tasks.SUBMISSION_FILES if rel not in partial]


KEEP_ALIVE = [  # never returns, and calls the grader back every second: each message is prompt
    "    import gc, time",
    "    server = next(o for o in gc.get_objects() if type(o).__name__ == 'Server')",
    "    while True:",
    "        time.sleep(1)",
    "        try:",
    "            server.channel.call({'op': 'nope'})",
    "        except Exception:",
    "            pass"]


def test_a_call_kept_alive_by_callbacks_ends_with_its_tasks_time_and_costs_only_its_task(
        tmp_path):
    sub = tmp_path / "keep_alive"
    for rel in ("classifiers/softmax.py", "classifiers/least_squares.py"):
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text((BUNDLE / rel).read_text())
    (sub / "classifiers/softmax.py").write_text(regions.rewrite(
        (BUNDLE / "classifiers/softmax.py").read_text(), "code", "softmax.py",
        lambda region, body: KEEP_ALIVE if region.task == "softmax_naive" else None))
    results = grade.grade_tasks(sub, ["least_squares", "softmax_naive"], task_timeout=15)
    assert results["least_squares"].points == tasks.TASKS["least_squares"].points
    assert results["softmax_naive"].message == "timed out after 15 s (an endless loop?)"
