"""Running the queue: a loop used by ``minka jobs work`` and by the embedded worker thread.

Embedded mode (``MINKA_JOBS_MODE=embedded``, the default) starts the loop in a thread of each
web process: nothing else to run, right for SQLite and small deployments. External mode leaves
the web processes alone and runs ``minka jobs work`` as its own service (systemd, a container),
which survives web restarts and can be scaled; several workers may run at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs.periodic import schedule_periodic
from app.jobs.queue import run_due_jobs, wakeup

log = logging.getLogger("minka.jobs")

POLL_SECONDS = 5.0
# Periodic runs are scheduled this long after each whole minute of the wall clock, when the
# runs due on that minute (see app.jobs.periodic) have just become due.
SCHEDULE_AFTER_MINUTE_SECONDS = 0.5


def next_schedule_time(now: float) -> float:
    """The wall-clock time (seconds since the epoch) of the next scheduling pass after ``now``."""
    minute = now - now % 60.0
    moment = minute + SCHEDULE_AFTER_MINUTE_SECONDS
    return moment if moment > now else moment + 60.0


class Worker:
    """Run due jobs until told to stop; finishes the job at hand before stopping."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Callable[[], Settings],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        wakeup.set()

    def run_forever(self) -> None:
        next_schedule = 0.0  # schedule at once on start, then just after each whole minute
        while not self.stopping.is_set():
            try:
                if time.time() >= next_schedule:
                    schedule_periodic(self.factory)
                    next_schedule = next_schedule_time(time.time())
                ran = run_due_jobs(self.factory, settings=self.settings())
            except Exception:  # the database may be away for a moment: keep the worker alive
                log.exception("job worker loop failed; retrying")
                ran = 0
            if ran and not self.stopping.is_set():
                continue  # more may be due right now
            wakeup.wait(max(0.0, min(self.poll_seconds, next_schedule - time.time())))
            wakeup.clear()


def start_embedded_worker(app: FastAPI) -> None:
    """Start the in-process worker thread, unless the settings ask for an external worker.
    Call from the application's lifespan start; pair with ``stop_embedded_worker``."""
    settings: Settings = app.state.settings
    if settings.jobs_mode != "embedded":
        return
    worker = Worker(app.state.sessionmaker, lambda: app.state.settings)
    thread = threading.Thread(target=worker.run_forever, name="minka-jobs", daemon=True)
    app.state.job_worker = (worker, thread)
    thread.start()


def stop_embedded_worker(app: FastAPI, timeout: float = 30.0) -> None:
    running: tuple[Worker, threading.Thread] | None = getattr(app.state, "job_worker", None)
    if running is None:
        return
    worker, thread = running
    worker.stop()
    thread.join(timeout)
    app.state.job_worker = None
