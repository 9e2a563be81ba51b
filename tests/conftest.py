from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, platform_session
from app.dbschema import upgrade_database
from app.main import create_app
from app.tenants.models import Tenant
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.mailbox import Mailbox, SmtpServer

SECRET = "test-secret-" + "k" * 40
# Apps built by tests run queued jobs only when a test asks (run_due_jobs, or jobs_mode set):
# a worker thread would share the test's connection. The live server (browser tests) does not
# inherit MINKA_* variables, so it runs the embedded worker as `make run` does.
os.environ.setdefault("MINKA_JOBS_MODE", "external")
# Tests read what they just wrote; tests/test_page_cache.py turns the caches on.
os.environ.setdefault("MINKA_CACHE_SECONDS", "0")
# Real argon2id with its cheapest parameters (app/accounts/passwords.py says why);
# tests/accounts/test_passwords.py checks what a server uses without it.
os.environ.setdefault("MINKA_TEST_CHEAP_PASSWORD_HASHES", "1")


def pytest_report_header() -> str:
    return f"minka database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's database, built by running the migrations (never by create_all)."""
    url = fresh_database("minka_test", tmp_path_factory.mktemp("db"))
    upgrade_database(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection per test inside a transaction that is rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    # Commits made by the app become savepoints of the test's outer transaction.
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    session = platform_session(sessions)
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The tests run queued jobs themselves; no worker thread shares their connection.
    return Settings(
        var_dir=tmp_path, database_url=database_url, secret_key=SECRET, jobs_mode="external"
    )


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[FastAPI]:
    application = create_app(settings)
    application.state.sessionmaker = sessions
    yield application
    application.state.engine.dispose()


@pytest.fixture
def tenant_a(db: Session) -> Tenant:
    tenant = make_tenant(db, "alfa", "alfa.test")
    db.flush()
    return tenant


@pytest.fixture
def tenant_b(db: Session) -> Tenant:
    tenant = make_tenant(db, "beta", "beta.test")
    db.flush()
    return tenant


def client_for(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, base_url=f"http://{host}", raise_server_exceptions=False)


@pytest.fixture
def client_a(app: FastAPI, tenant_a: Tenant) -> Iterator[TestClient]:
    with client_for(app, "alfa.test") as client:
        yield client


@pytest.fixture
def client_b(app: FastAPI, tenant_b: Tenant) -> Iterator[TestClient]:
    with client_for(app, "beta.test") as client:
        yield client


@pytest.fixture
def mailbox(app: FastAPI, settings: Settings) -> Iterator[Mailbox]:
    """Point the app's mail settings at a real SMTP server started for the test."""
    with SmtpServer() as server:
        app.state.settings = settings.model_copy(
            update={"mail_host": "127.0.0.1", "mail_port": server.port}
        )
        yield server.mailbox
