"""How reports show the grader's measured accuracy beside what the notebook printed."""

from grading import report
from grading.grader import measure, nbgrade
from grading.gradescope import results as gradescope_results


def test_the_report_shows_the_measure_beside_the_print_out():
    nb = {"status": nbgrade.EXECUTED, "dataset": "synthetic", "cells_matched": 1,
          "cells_total": 1, "answers": {}, "accuracy_measured": {"val": 0.412, "test": 0.398},
          "weights": f"measured by the grader from {measure.WEIGHTS}",
          "accuracy": {"softmax, tuned **forged**": {"train": 1.0, "val": 0.99, "test": 0.99}}}
    text = "\n".join(report.accuracy_section(nb))
    assert "| measured by the grader | tuned softmax, from its saved W | - | 0.412 | 0.398 |" \
        in text
    assert r"| printed by the notebook | softmax, tuned \*\*forged\*\* | 1.000 | 0.990 |" in text
    assert "what the submission's code printed" in text
    missing = {**nb, "accuracy_measured": None, "weights": f"{measure.WEIGHTS} is missing: <b>"}
    text = "\n".join(report.accuracy_section(missing))
    assert "measured by the grader |" not in text and r"is missing: \<b\>" in text
    assert report.accuracy_section({**nb, "accuracy_measured": None, "weights": None,
                                    "accuracy": None}) == []


def test_gradescope_shows_the_measure_in_the_summary_and_the_notebook_test():
    nb = {"status": nbgrade.EXECUTED, "dataset": "synthetic", "cells_matched": 1,
          "cells_total": 1, "answers": {}, "accuracy_measured": {"val": 0.412, "test": 0.398},
          "weights": "measured", "accuracy": {"softmax": {"val": 0.99}}}
    result = {"total": 50, "max_total": 50, "isolation": "bubblewrap", "problems": [],
              "notebook": nb}
    assert ("measured by the grader from its saved weights: validation 0.412, test 0.398."
            in gradescope_results.summary(result))
    output = gradescope_results.notebook_test(nb, "7")["output"]
    assert "| measured by the grader |" in output and "| printed by the notebook |" in output
    result["notebook"] = {**nb, "accuracy_measured": None}
    assert "measured by the grader" not in gradescope_results.summary(result)
