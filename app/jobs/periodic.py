"""Tasks that run every so often for every instance (e.g. archiving expired proposals).

Each periodic task is an ordinary job of kind ``periodic.<name>``, one per tenant. A worker
makes sure every tenant has one waiting, due ``every`` after the last one finished. That check
runs in a serialized transaction (an advisory lock on PostgreSQL, the write lock on SQLite), so
two workers never schedule the same task twice; the run itself gets the queue's retries.

Runs fall on whole minutes: the next run is due ``every`` after the minute the last one finished
in, and workers schedule just after each minute turns, so a poll that closes at 18:00 is closed
at about 18:00:01 rather than up to a minute later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.jobs.models import Job
from app.jobs.queue import MAX_ATTEMPTS, enqueue, job_handler
from app.tenants.models import Tenant

PREFIX = "periodic."
# Any constant shared by every worker; names this lock in pg_locks.
ADVISORY_LOCK = 4_000_004
KEEP_DONE = timedelta(days=30)

TaskFunction = Callable[[Session, datetime], Any]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: timedelta
    run: TaskFunction


PERIODIC: dict[str, PeriodicTask] = {}


def periodic_task(name: str, every: timedelta) -> Callable[[TaskFunction], TaskFunction]:
    """Run ``function(session, now)`` for each tenant every ``every``; the session is bound to
    the tenant and commits after the function returns."""

    def register(function: TaskFunction) -> TaskFunction:
        if name in PERIODIC:
            raise ValueError(f"periodic task {name} is declared twice")
        PERIODIC[name] = PeriodicTask(name, every, function)

        def run_for_tenant(session: Session, _payload: dict[str, Any], _s: Settings) -> None:
            function(session, utcnow())

        job_handler(PREFIX + name, writes=True)(run_for_tenant)
        return function

    return register


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def next_run(last: datetime, every: timedelta) -> datetime:
    """``every`` after the whole minute ``last`` fell in: a run that finished at 18:00:02 is
    followed by one due at 18:01:00, not 18:01:02, so runs do not drift later minute by minute."""
    return _aware(last).replace(second=0, microsecond=0) + every


def schedule_periodic(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Give every tenant its next run of each periodic task; drop old finished jobs. Returns
    how many runs were scheduled."""
    from app.jobs.registry import load_job_kinds

    load_job_kinds()
    moment = now or utcnow()
    scheduled = 0
    for session in session_scope(factory, None, write=True):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        session.execute(delete(Job).where(Job.done_at < moment - KEEP_DONE))
        tenant_ids = set(session.scalars(select(Tenant.id))) if PERIODIC else set()
        for task in PERIODIC.values():
            kind = PREFIX + task.name
            waiting = set(
                session.scalars(
                    select(Job.tenant_id).where(
                        Job.kind == kind, Job.done_at.is_(None), Job.attempts < MAX_ATTEMPTS
                    )
                )
            )
            last_runs: dict[int, datetime] = {
                tenant_id: done_at
                for tenant_id, done_at in session.execute(
                    select(Job.tenant_id, func.max(Job.done_at))
                    .where(Job.kind == kind)
                    .group_by(Job.tenant_id)
                )
                if done_at is not None
            }
            for tenant_id in sorted(tenant_ids - waiting):
                last = last_runs.get(tenant_id)
                run_after = moment if last is None else next_run(last, task.every)
                enqueue(session, kind, {}, run_after, tenant_id=tenant_id)
                scheduled += 1
    return scheduled
