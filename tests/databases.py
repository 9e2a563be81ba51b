"""Test databases: a SQLite file by default, PostgreSQL when MINKA_TEST_DATABASE_URL names one."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("MINKA_TEST_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")


def fresh_database(name: str, tmp_dir: Path) -> str:
    """An empty database named ``name``: a new file on SQLite, a re-created one on PostgreSQL.

    On PostgreSQL the name carries the process id, so two test runs on one server (a developer
    and CI, or parallel runs) never drop each other's database."""
    if not ON_POSTGRES:
        path = tmp_dir / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"{name}_{os.getpid()}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if not ON_POSTGRES:
        return
    name = make_url(url).database
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
