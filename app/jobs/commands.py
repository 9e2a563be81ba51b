"""``minka jobs``: run the queue outside the web processes, or look at it."""

from __future__ import annotations

import signal
from types import FrameType

import click

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope, utcnow


@click.group()
def jobs() -> None:
    """Deferred work (notification emails, periodic tasks)."""


@jobs.command("work")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between idle checks.")
def work(poll: float) -> None:
    """Run jobs until stopped (SIGTERM or Ctrl+C finish the job at hand, then exit).

    Use with MINKA_JOBS_MODE=external, as a service of its own; several may run at once."""
    from app.cli import run_cleanly
    from app.jobs.worker import Worker

    def body() -> None:
        settings = get_settings()
        engine = make_engine(settings.database_url)
        worker = Worker(make_sessionmaker(engine), lambda: settings, poll_seconds=poll)

        def stop(_signal: int, _frame: FrameType | None) -> None:
            click.echo("Stopping after the current job…")
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo("Job worker running (SIGTERM or Ctrl+C to stop).")
        try:
            worker.run_forever()
        finally:
            engine.dispose()
        click.echo("Job worker stopped.")

    run_cleanly(body)


@jobs.command("run-once")
def run_once() -> None:
    """Run every job due now, then exit (for cron, or to flush the queue by hand)."""
    from app.cli import run_cleanly
    from app.jobs.periodic import schedule_periodic
    from app.jobs.queue import run_due_jobs

    def body() -> None:
        settings = get_settings()
        engine = make_engine(settings.database_url)
        try:
            factory = make_sessionmaker(engine)
            started = utcnow()
            schedule_periodic(factory, started)
            total = 0
            # Jobs due at the start only: a failed one is rescheduled after it, so this ends.
            while ran := run_due_jobs(factory, started, settings=settings):
                total += ran
        finally:
            engine.dispose()
        click.echo(f"Ran {total} job(s).")

    run_cleanly(body)


@jobs.command("status")
def status() -> None:
    """How many jobs are waiting, and how many gave up after all their attempts."""
    from app.cli import run_cleanly
    from app.jobs.queue import pending_counts

    def body() -> None:
        settings = get_settings()
        engine = make_engine(settings.database_url)
        try:
            for session in session_scope(make_sessionmaker(engine), None):
                counts = pending_counts(session)
        finally:
            engine.dispose()
        click.echo(f"Waiting: {counts['waiting']}. Failed: {counts['failed']}.")

    run_cleanly(body)
