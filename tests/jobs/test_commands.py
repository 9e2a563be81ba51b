"""``minka jobs run-once`` and ``status`` against a scratch database, with a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.accounts.models import User
from app.cli import main
from app.config import get_settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, utcnow
from app.dbschema import upgrade_database
from app.jobs.models import Job
from app.notifications.service import EMAIL_JOB, notify
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.mailbox import SmtpServer


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    url = fresh_database("minka_test_jobs_cli", tmp_path)
    upgrade_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def environment(
    scratch_url: str, tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("MINKA_DATABASE_URL", scratch_url)
    monkeypatch.setenv("MINKA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MINKA_MAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("MINKA_MAIL_PORT", str(smtp.port))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _queue_one_email(url: str) -> str:
    engine = make_engine(url)
    try:
        with platform_session(make_sessionmaker(engine)) as db:
            tenant = make_tenant(db, "cola", "cola.test")
            with scoped_to(db, tenant.id):
                user = User(
                    email="lector@cola.test",
                    email_confirmed_at=utcnow(),
                    display_name="Lector",
                    email_notifications=True,
                )
                db.add(user)
                db.flush()
                notify(db, [user.id], "answer", "debate", 1, {"title": "Agua potable"})
            db.commit()
    finally:
        engine.dispose()
    return "lector@cola.test"


def test_run_once_sends_what_is_due_and_exits(
    environment: None, scratch_url: str, smtp: SmtpServer
) -> None:
    address = _queue_one_email(scratch_url)
    runner = CliRunner()

    before = runner.invoke(main, ["jobs", "status"])
    result = runner.invoke(main, ["jobs", "run-once"])
    after = runner.invoke(main, ["jobs", "status"])
    again = runner.invoke(main, ["jobs", "run-once"])
    last = runner.invoke(main, ["jobs", "status"])

    assert before.output == "Waiting: 1. Failed: 0.\n"
    assert result.exit_code == 0, result.output
    # The email, and the instance's first run of each periodic task (proposals, polls, purge).
    assert result.output == "Ran 4 job(s).\n"
    assert [m["To"] for m in smtp.mailbox.messages] == [address]
    assert "Agua potable" in smtp.mailbox.text(smtp.mailbox.messages[0])
    assert after.output == "Waiting: 0. Failed: 0.\n"
    assert again.output == "Ran 0 job(s).\n"
    # The second run scheduled the next periodic runs: in an hour (proposals, purge) and in a
    # minute (polls).
    assert last.output == "Waiting: 3. Failed: 0.\n"
    engine = make_engine(scratch_url)
    try:
        with platform_session(make_sessionmaker(engine)) as db:
            [email] = db.scalars(select(Job).where(Job.kind == EMAIL_JOB)).all()
            assert email.done_at is not None
    finally:
        engine.dispose()


def test_a_missing_database_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MINKA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("MINKA_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["jobs", "run-once"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1
    assert "minka: error: database:" in result.output
    assert "minka db upgrade" in result.output
