"""The course's wing: a whole class graded (`grade_all`, with its `progress`), the class
report (`class_report`), manual marks (`manual`) and notebooks for reading (`export`,
from notebooks cleaned by `sanitize`).

Used by instructors. Nothing but the Gradescope wing imports it.
"""
