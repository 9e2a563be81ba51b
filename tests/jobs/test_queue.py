"""The job queue: due jobs run once, failures retry with back-off, then give up; periodic
tasks are scheduled once per tenant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import scoped_to, utcnow
from app.jobs.models import Job
from app.jobs.periodic import PERIODIC, PREFIX, next_run, periodic_task, schedule_periodic
from app.jobs.queue import (
    HANDLERS,
    LEASE,
    MAX_ATTEMPTS,
    claim_due_jobs,
    enqueue,
    pending_counts,
    run_due_jobs,
)
from app.jobs.worker import SCHEDULE_AFTER_MINUTE_SECONDS, next_schedule_time
from app.tenants.models import Tenant
from tests.jobs.handlers import Recorder, job_kind


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _job(db: Session, job_id: int) -> Job:
    db.expire_all()
    job = db.get(Job, job_id)
    assert job is not None
    return job


def test_due_jobs_run_once_in_order_and_future_ones_wait(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    now = utcnow()
    with job_kind("test.record", Recorder()) as recorder, scoped_to(db, tenant_a.id):
        for n in range(3):
            enqueue(db, "test.record", {"n": n})
        later = enqueue(db, "test.record", {"n": "later"}, now + timedelta(hours=1))
        db.commit()

        assert run_due_jobs(sessions, now + timedelta(seconds=1), settings=settings) == 3
        assert run_due_jobs(sessions, now + timedelta(seconds=1), settings=settings) == 0
        assert recorder.ran == [0, 1, 2]
        assert run_due_jobs(sessions, now + timedelta(hours=2), settings=settings) == 1
        assert recorder.ran[-1] == "later"
        assert _job(db, later.id).done_at is not None


def test_enqueue_needs_a_tenant(db: Session) -> None:
    with pytest.raises(ValueError, match="tenant"):
        enqueue(db, "test.record", {})


def test_a_failing_job_retries_with_growing_delays_then_gives_up(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    with job_kind("test.flaky", Recorder(fail_times=100)), scoped_to(db, tenant_a.id):
        job = enqueue(db, "test.flaky", {"n": 1})
        db.commit()
        moment = utcnow()
        delays = []
        for _ in range(MAX_ATTEMPTS):
            assert run_due_jobs(sessions, moment, settings=settings) == 1
            failed = _job(db, job.id)
            assert failed.last_error == "RuntimeError: the outside world said no"
            delays.append(_aware(failed.run_after) - moment)
            moment = _aware(failed.run_after)
        assert delays == sorted(delays)
        assert delays[0] == timedelta(seconds=30)
        final = _job(db, job.id)
        assert final.attempts == MAX_ATTEMPTS
        assert final.done_at is None
        # It stays for people to see, and is never claimed again.
        assert run_due_jobs(sessions, moment + timedelta(days=30), settings=settings) == 0
        assert pending_counts(db) == {"waiting": 0, "failed": 1}


def test_a_job_that_fails_once_succeeds_on_retry(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    with job_kind("test.flaky", Recorder(fail_times=1)) as recorder, scoped_to(db, tenant_a.id):
        job = enqueue(db, "test.flaky", {"n": "ok"})
        db.commit()
        now = utcnow()
        run_due_jobs(sessions, now, settings=settings)
        run_due_jobs(sessions, now + timedelta(minutes=1), settings=settings)
    assert recorder.ran == ["ok"]
    done = _job(db, job.id)
    assert done.done_at is not None
    assert done.last_error is None


def test_an_unknown_kind_fails_without_stopping_the_others(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    with job_kind("test.record", Recorder()) as recorder, scoped_to(db, tenant_a.id):
        stray = enqueue(db, "no.such.kind", {})
        enqueue(db, "test.record", {"n": 1})
        db.commit()
        assert run_due_jobs(sessions, settings=settings) == 2
    assert recorder.ran == [1]
    assert "no handler for job kind no.such.kind" in (_job(db, stray.id).last_error or "")


def test_a_claimed_job_is_leased_until_its_worker_would_have_finished(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    with job_kind("test.record", Recorder()) as recorder, scoped_to(db, tenant_a.id):
        job = enqueue(db, "test.record", {"n": 1})
        db.commit()
        now = utcnow()
        # A worker claims it and dies before running it.
        assert [c.id for c in claim_due_jobs(sessions, now, 10)] == [job.id]
        assert run_due_jobs(sessions, now + LEASE - timedelta(seconds=1), settings=settings) == 0
        assert run_due_jobs(sessions, now + LEASE + timedelta(seconds=1), settings=settings) == 1
    assert recorder.ran == [1]
    assert _job(db, job.id).attempts == 2


def test_a_read_only_handler_is_marked_done_afterwards(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    with job_kind("test.read_only", Recorder(), writes=False), scoped_to(db, tenant_a.id):
        job = enqueue(db, "test.read_only", {})
        db.commit()
        assert run_due_jobs(sessions, settings=settings) == 1
    assert _job(db, job.id).done_at is not None


@pytest.fixture
def hourly() -> Iterator[list[tuple[int, datetime]]]:
    runs: list[tuple[int, datetime]] = []

    def count_tenant(session: Session, now: datetime) -> None:
        runs.append((session.info["tenant_id"], now))

    periodic_task("test_hourly", timedelta(hours=1))(count_tenant)
    yield runs
    PERIODIC.pop("test_hourly")
    HANDLERS.pop(PREFIX + "test_hourly")


def test_periodic_tasks_run_per_tenant_at_their_interval(
    db: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    hourly: list[tuple[int, datetime]],
) -> None:
    db.commit()
    now = utcnow()
    kind = PREFIX + "test_hourly"

    def waiting() -> list[int]:
        db.expire_all()
        return sorted(
            db.scalars(select(Job.tenant_id).where(Job.kind == kind, Job.done_at.is_(None)))
        )

    schedule_periodic(sessions, now)
    schedule_periodic(sessions, now)  # a second worker at the same moment adds nothing
    tenants = sorted({tenant_a.id, tenant_b.id} | set(waiting()))
    assert waiting() == tenants
    assert set(tenants) >= {tenant_a.id, tenant_b.id}

    run_due_jobs(sessions, now, limit=100, settings=settings)
    assert {tenant for tenant, _ in hourly} >= {tenant_a.id, tenant_b.id}
    assert waiting() == []

    schedule_periodic(sessions, now)
    assert waiting() == tenants
    next_runs = db.scalars(select(Job.run_after).where(Job.kind == kind, Job.done_at.is_(None)))
    assert all(_aware(moment) > now + timedelta(minutes=59) for moment in next_runs)
    runs = len(hourly)
    run_due_jobs(sessions, now + timedelta(minutes=30), settings=settings)
    assert len(hourly) == runs


def test_expired_proposals_are_archived_every_hour(
    db: Session, sessions: sessionmaker[Session], tenant_a: Tenant
) -> None:
    db.commit()
    schedule_periodic(sessions)
    with scoped_to(db, tenant_a.id):
        kinds = db.scalars(select(Job.kind).where(Job.tenant_id == tenant_a.id)).all()
    assert PERIODIC["archive_expired_proposals"].every == timedelta(hours=1)
    assert PREFIX + "archive_expired_proposals" in kinds


def test_old_finished_jobs_are_dropped(
    db: Session, sessions: sessionmaker[Session], tenant_a: Tenant
) -> None:
    with scoped_to(db, tenant_a.id):
        old = enqueue(db, "test.record", {})
        recent = enqueue(db, "test.record", {})
        old.done_at = utcnow() - timedelta(days=31)
        recent.done_at = utcnow() - timedelta(days=1)
        db.commit()
    ids = [old.id, recent.id]

    schedule_periodic(sessions)

    db.expire_all()
    assert set(db.scalars(select(Job.id).where(Job.id.in_(ids)))) == {ids[1]}


def test_periodic_runs_fall_on_whole_minutes() -> None:
    """A run finishing a few seconds into a minute is followed by one due on a whole minute, so
    a poll closing at 18:00 is not closed later and later each time."""
    finished = datetime(2026, 11, 23, 18, 0, 2, 500, tzinfo=UTC)
    assert next_run(finished, timedelta(minutes=1)) == datetime(2026, 11, 23, 18, 1, tzinfo=UTC)
    assert next_run(finished.replace(tzinfo=None), timedelta(hours=1)) == datetime(
        2026, 11, 23, 19, 0, tzinfo=UTC
    )


def test_workers_schedule_just_after_each_whole_minute() -> None:
    minute = datetime(2026, 11, 23, 18, 0, tzinfo=UTC).timestamp()
    after = SCHEDULE_AFTER_MINUTE_SECONDS
    assert next_schedule_time(minute) == minute + after
    assert next_schedule_time(minute + after) == minute + 60 + after
    assert next_schedule_time(minute + 59.9) == minute + 60 + after
