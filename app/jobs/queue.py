"""A queue in the ``jobs`` table: enqueue inside a request, run later in a worker.

Claiming is safe with several workers: on PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP
LOCKED`` (a second worker passes over rows the first is claiming); on SQLite the claim runs in a
write transaction (``BEGIN IMMEDIATE``), so claims take turns. A claimed job carries a lease
(``locked_until``): if its worker dies, the job becomes due again when the lease runs out.

``attempts`` counts the runs started. A run that raises is retried with a growing delay until
``MAX_ATTEMPTS``; after that the job stays in the table, not done, with its ``last_error``, for
someone to read (``minka jobs status``). Delivery is at least once: a handler must tolerate
running again (e.g. after a worker died between sending a mail and recording it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.db import TENANT_KEY, session_scope, utcnow
from app.jobs.models import Job

log = logging.getLogger("minka.jobs")

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
BATCH = 20
ERROR_LENGTH = 2000

Handler = Callable[[Session, dict[str, Any], Settings], None]


@dataclass(frozen=True)
class JobKind:
    handler: Handler
    # Handlers that only read (and talk to the outside world, e.g. SMTP) run in a read
    # transaction, so on SQLite a slow mail server never holds the database's write lock.
    writes: bool


HANDLERS: dict[str, JobKind] = {}

# Set after a commit that enqueued something, so an embedded worker wakes up at once.
wakeup = threading.Event()


def job_handler(kind: str, *, writes: bool = True) -> Callable[[Handler], Handler]:
    """Declare the function that runs jobs of ``kind``: ``(session, payload, settings)``; the
    session is bound to the job's tenant."""

    def register(function: Handler) -> Handler:
        if kind in HANDLERS:
            raise ValueError(f"job kind {kind} is declared twice")
        HANDLERS[kind] = JobKind(function, writes)
        return function

    return register


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    run_after: datetime | None = None,
    *,
    tenant_id: int | None = None,
) -> Job:
    """Add a job for the session's tenant; it runs after the surrounding transaction commits."""
    tenant = tenant_id if tenant_id is not None else session.info.get(TENANT_KEY)
    if tenant is None:
        raise ValueError("enqueue needs a session bound to a tenant, or tenant_id")
    job = Job(tenant_id=tenant, kind=kind, payload=payload, run_after=run_after or utcnow())
    session.add(job)
    session.flush()
    session.info["jobs_enqueued"] = True
    return job


def retry_delay(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, about 2 h: enough for a mail server to come back."""
    return timedelta(seconds=30 * 4 ** max(attempts - 1, 0))


@dataclass(frozen=True)
class Claimed:
    id: int
    tenant_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def claim_due_jobs(factory: sessionmaker[Session], now: datetime, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due jobs to this worker (one short transaction)."""
    claimed: list[Claimed] = []
    # Never return from inside a session_scope loop: closing it early rolls back.
    for session in session_scope(factory, None, write=True):
        statement = (
            select(Job)
            .where(
                Job.done_at.is_(None),
                Job.run_after <= now,
                Job.attempts < MAX_ATTEMPTS,
                or_(Job.locked_until.is_(None), Job.locked_until < now),
            )
            .order_by(Job.run_after, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        jobs = list(session.scalars(statement))
        for job in jobs:
            job.locked_until = now + LEASE
            job.attempts += 1
        session.flush()
        claimed = [Claimed(j.id, j.tenant_id, j.kind, dict(j.payload), j.attempts) for j in jobs]
    return claimed


def _mark_done(session: Session, job_id: int) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(done_at=utcnow(), locked_until=None, last_error=None)
    )


def _run_one(factory: sessionmaker[Session], job: Claimed, settings: Settings) -> None:
    kind = HANDLERS.get(job.kind)
    if kind is None:
        raise LookupError(f"no handler for job kind {job.kind}")
    for session in session_scope(factory, job.tenant_id, write=kind.writes):
        kind.handler(session, job.payload, settings)
        if kind.writes:
            # The handler's changes and "done" commit together: it never runs twice for them.
            _mark_done(session, job.id)
    if not kind.writes:
        for session in session_scope(factory, None, write=True):
            _mark_done(session, job.id)


def _record_failure(
    factory: sessionmaker[Session], job: Claimed, error: BaseException, now: datetime
) -> None:
    message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    for session in session_scope(factory, None, write=True):
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                locked_until=None,
                last_error=message,
                run_after=now + retry_delay(job.attempts),
            )
        )
    if job.attempts >= MAX_ATTEMPTS:
        log.error(
            "job %s (%s) gave up after %s attempts: %s", job.id, job.kind, job.attempts, message
        )
    else:
        log.warning("job %s (%s) failed, will retry: %s", job.id, job.kind, message)


def run_due_jobs(
    factory: sessionmaker[Session],
    now: datetime | None = None,
    limit: int = BATCH,
    *,
    settings: Settings | None = None,
) -> int:
    """Run the jobs due at ``now`` (up to ``limit``); return how many ran, failed ones included."""
    from app.jobs.registry import load_job_kinds

    load_job_kinds()
    settings = settings or get_settings()
    moment = now or utcnow()
    claimed = claim_due_jobs(factory, moment, limit)
    for job in claimed:
        try:
            _run_one(factory, job, settings)
        except Exception as error:  # one broken job must not stop the others
            _record_failure(factory, job, error, now or utcnow())
    return len(claimed)


def pending_counts(session: Session) -> dict[str, int]:
    """Jobs waiting, and jobs that gave up, for ``minka jobs status``."""
    gave_up = Job.attempts >= MAX_ATTEMPTS
    rows = session.execute(
        select(gave_up, func.count()).where(Job.done_at.is_(None)).group_by(gave_up)
    ).all()
    counts = {bool(failed): int(number) for failed, number in rows}
    return {"waiting": counts.get(False, 0), "failed": counts.get(True, 0)}


@event.listens_for(Session, "after_commit")
def _wake_embedded_worker(session: Session) -> None:
    if session.info.pop("jobs_enqueued", False):
        wakeup.set()
