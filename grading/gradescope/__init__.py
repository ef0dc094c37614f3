"""The Gradescope wing: `build` writes the autograder zip, `results` its results.json.

Used by instructors. Nothing imports it.
"""
