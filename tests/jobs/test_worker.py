"""The two ways jobs run: a thread inside the web process, or ``minka jobs work``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select

from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, session_scope
from app.dbschema import upgrade_database
from app.jobs.models import Job
from app.jobs.queue import enqueue
from app.jobs.worker import start_embedded_worker, stop_embedded_worker
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.jobs.handlers import Recorder, job_kind

MINKA = str(Path(sys.executable).with_name("minka"))


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    url = fresh_database("minka_test_jobs_worker", tmp_path)
    upgrade_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def engine(scratch_url: str) -> Iterator[Engine]:
    engine = make_engine(scratch_url)
    yield engine
    engine.dispose()


def test_the_embedded_worker_runs_a_job_soon_after_its_commit(
    engine: Engine, scratch_url: str, tmp_path: Path
) -> None:
    factory = make_sessionmaker(engine)
    app = FastAPI()
    app.state.settings = Settings(var_dir=tmp_path, database_url=scratch_url, jobs_mode="embedded")
    app.state.sessionmaker = factory
    for db in session_scope(factory, None, write=True):
        tenant_id = make_tenant(db, "hilo", "hilo.test").id
    with job_kind("test.embedded", Recorder()) as recorder:
        start_embedded_worker(app)
        try:
            # Like a writing request: SQLite's write lock taken up front (see app.db).
            for db in session_scope(factory, tenant_id, write=True):
                enqueue(db, "test.embedded", {"n": "hecho"})
            deadline = time.monotonic() + 10
            while not recorder.ran and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop_embedded_worker(app)
    assert recorder.ran == ["hecho"]
    assert app.state.job_worker is None
    with platform_session(factory) as db:
        assert db.scalars(select(Job.done_at).where(Job.kind == "test.embedded")).one()


def test_minka_jobs_work_stops_cleanly_on_sigterm(scratch_url: str, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
        "MINKA_DATABASE_URL": scratch_url,
        "MINKA_VAR_DIR": str(tmp_path / "var"),
    }
    worker = subprocess.Popen(
        [MINKA, "jobs", "work", "--poll", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert "Job worker running" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Job worker stopped." in output
