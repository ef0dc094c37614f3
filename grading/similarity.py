"""``python -m grading.similarity SUBMISSIONS_DIR --out DIR [--threshold T]``.

Similarity across a class without grading it: the command `grading.course.similarity`
runs, under the name a course types. Nothing imports this module.
"""

import sys

from grading.course import similarity

if __name__ == "__main__":
    sys.exit(similarity.main())
