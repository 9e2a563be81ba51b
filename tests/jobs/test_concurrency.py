"""Several workers at once never run the same job twice (real commits, PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.jobs.models import Job
from app.jobs.queue import enqueue, run_due_jobs
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.jobs.handlers import Recorder, job_kind

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (FOR UPDATE SKIP LOCKED)"),
]
JOBS = 200
WORKERS = 6


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_jobs_concurrency", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=WORKERS * 2)
    yield engine
    engine.dispose()
    drop_database(url)


def test_concurrent_workers_run_each_job_exactly_once(engine: Engine, tmp_path: Path) -> None:
    factory = make_sessionmaker(engine)
    settings = Settings(var_dir=tmp_path, database_url=str(engine.url), secret_key="k" * 40)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "carrera", "carrera.test")
        with scoped_to(db, tenant.id):
            for n in range(JOBS):
                enqueue(db, "test.once", {"n": n})
        db.commit()
    start = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            while run_due_jobs(factory, limit=3, settings=settings):
                pass
        except BaseException as error:
            errors.append(error)

    with job_kind("test.once", Recorder()) as recorder:
        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    runs = Counter(recorder.ran)
    assert sorted(runs) == list(range(JOBS))
    assert set(runs.values()) == {1}
    with platform_session(factory) as db:
        jobs = db.scalars(select(Job)).all()
        assert len(jobs) == JOBS
        assert all(job.done_at is not None and job.attempts == 1 for job in jobs)
