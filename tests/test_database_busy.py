"""When SQLite's write lock stays taken past the busy timeout, the person gets a 503 to retry,
never a 500, and nothing is half-saved."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.dbschema import upgrade_database
from app.main import create_app
from tests.conftest import SECRET, client_for
from tests.databases import ON_POSTGRES, fresh_database
from tests.factories import make_tenant
from tests.people import csrf_of
from tests.rendering import template_name

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite's single write lock")


@pytest.fixture
def scratch_url(tmp_path: Path) -> str:
    url = fresh_database("minka_test_busy", tmp_path)
    upgrade_database(url)
    engine = make_engine(url)
    for db in session_scope(make_sessionmaker(engine), None, write=True):
        make_tenant(db, "ocupada", "ocupada.test")
    engine.dispose()
    return url


@pytest.fixture
def locked(scratch_url: str) -> Iterator[None]:
    """Another process holding the write lock (a long import, a stuck writer)."""
    holder = sqlite3.connect(str(make_url(scratch_url).database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield
    holder.rollback()
    holder.close()


def test_a_write_that_cannot_get_the_lock_answers_503(
    scratch_url: str, tmp_path: Path, locked: None
) -> None:
    application = create_app(
        Settings(var_dir=tmp_path, database_url=scratch_url, secret_key=SECRET)
    )

    @event.listens_for(application.state.engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=100")  # after Minka's own 10 s

    with client_for(application, "ocupada.test") as client:
        token = csrf_of(client, "/login")
        response = client.post(
            "/register",
            data={
                "email": "nueva@correo.pe",
                "display_name": "Nueva",
                "password": "kusi-llaqta-2026",
                "csrf_token": token,
            },
        )
    application.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert template_name(response) == "errors/error.html"
