"""The student's wing: the only grading code that ships in the student bundle.

`check` runs a task's public tests from a notebook cell, `hint` shows a task's hints one
at a time (``python -m grading.hint TASK`` prints them all), `collect` zips a submission,
`record` reads the notebook's record of its run, `regions` finds the solution markers.
Used by students, and by the other wings. Imports only the library, numpy, nbformat,
pytest, IPython, the standard library and `grading.tasks`.
"""
