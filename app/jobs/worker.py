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
SCHEDULE_EVERY_SECONDS = 60.0


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
        next_schedule = 0.0
        while not self.stopping.is_set():
            try:
                if time.monotonic() >= next_schedule:
                    schedule_periodic(self.factory)
                    next_schedule = time.monotonic() + SCHEDULE_EVERY_SECONDS
                ran = run_due_jobs(self.factory, settings=self.settings())
            except Exception:  # the database may be away for a moment: keep the worker alive
                log.exception("job worker loop failed; retrying")
                ran = 0
            if ran and not self.stopping.is_set():
                continue  # more may be due right now
            wakeup.wait(self.poll_seconds)
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
