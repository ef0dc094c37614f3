"""``python -m grading.hint TASK``: print a task's hints (`grading.student.hint`)."""

import sys

from grading.student.hint import main

if __name__ == "__main__":
    sys.exit(main())
