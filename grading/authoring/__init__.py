"""The author's wing: the student release (`release`): its stubs, its stamp, and the task
files rebuilt from it with a submission's region bodies.

Used by instructors and by the grader. Imports the student wing and `grading.tasks`.
"""
