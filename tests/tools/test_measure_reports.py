"""How reports show the grader's measured accuracy beside what the notebook printed."""

import dataclasses

from grading import report
from grading.grader import measure, nbgrade
from grading.gradescope import results as gradescope_results
from grading.report import NotebookResult, Report


def test_the_report_shows_the_measure_beside_the_print_out():
    nb = NotebookResult(
        status=nbgrade.EXECUTED, dataset="synthetic", cells_matched=1, cells_total=1,
        accuracy_measured={"val": 0.412, "test": 0.398},
        weights=f"measured by the grader from {measure.WEIGHTS}",
        accuracy={"softmax, tuned **forged**": {"train": 1.0, "val": 0.99, "test": 0.99}})
    text = "\n".join(report.accuracy_section(nb))
    assert "| measured by the grader | tuned softmax, from its saved W | - | 0.412 | 0.398 |" \
        in text
    assert r"| printed by the notebook | softmax, tuned \*\*forged\*\* | 1.000 | 0.990 |" in text
    assert "what the submission's code printed" in text
    missing = dataclasses.replace(nb, accuracy_measured=None,
                                  weights=f"{measure.WEIGHTS} is missing: <b>")
    text = "\n".join(report.accuracy_section(missing))
    assert "measured by the grader |" not in text and r"is missing: \<b\>" in text
    assert report.accuracy_section(dataclasses.replace(nb, accuracy_measured=None, weights=None,
                                                       accuracy=None)) == []


def test_gradescope_shows_the_measure_in_the_summary_and_the_notebook_test():
    nb = NotebookResult(status=nbgrade.EXECUTED, dataset="synthetic", cells_matched=1,
                        cells_total=1, accuracy_measured={"val": 0.412, "test": 0.398},
                        weights="measured", accuracy={"softmax": {"val": 0.99}})
    result = Report("alice", {}, nb, isolation="bubblewrap")
    assert ("measured by the grader from its saved weights: validation 0.412, test 0.398."
            in gradescope_results.summary(result))
    output = gradescope_results.notebook_test(nb, "7")["output"]
    assert "| measured by the grader |" in output and "| printed by the notebook |" in output
    result.notebook = dataclasses.replace(nb, accuracy_measured=None)
    assert "measured by the grader" not in gradescope_results.summary(result)
