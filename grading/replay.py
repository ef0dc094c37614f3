"""``python -m grading.replay REPORT_DIR SUBMISSION``: replay a grade (`grading.grader.replay`)."""

import sys

from grading.grader.replay import main

if __name__ == "__main__":
    sys.exit(main())
