"""The isolation wing: how submitted code is confined.

`sandbox` starts children under bubblewrap (`bwrap` builds its command line) or, with
--no-sandbox, as an unprivileged uid (`unprivileged`); `cgroups` caps and reaps their
processes. Used by the grader and the course wing. Imports `grading.tasks` only.
"""
