"""The course's wing: a whole class graded (`grade_all`, with its `progress`), the class
report (`class_report`), the pairs of submissions alike (`similarity`, whose command
`python -m grading.similarity` forwards here), manual marks (`manual`) and notebooks for
reading (`export`, from notebooks cleaned by `sanitize`).

Used by instructors. Nothing but the Gradescope wing, and the `grading.similarity`
command, imports it.
"""
