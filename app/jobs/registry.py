"""Loads every module that declares job kinds or periodic tasks, before a worker runs.

A module that adds a job kind imports ``job_handler`` / ``periodic_task`` and is listed here.
"""

from __future__ import annotations

from functools import cache


@cache
def load_job_kinds() -> None:
    import app.jobs.tasks  # periodic tasks (archiving expired proposals)
    import app.notifications.jobs  # notification emails
    import app.polls.closing  # noqa: F401 - closing polls when their time is up
