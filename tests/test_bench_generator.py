"""The participation benchmark's generator, at a tiny scale: counters equal rows, sessions work.

Figures are never asserted here (no timed tests); only that the generated instance is
consistent, so the benchmark measures a database the application could have produced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from bench.participation_data import PASSWORD, TINY, Generated, generate
from tests.databases import drop_database, fresh_database

SECRET = "bench-secret-" + "s" * 40


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Generated]]:
    # Its own database (per process: helpers may run the suite at the same time).
    name = f"minka_bench_generator_{os.getpid()}"
    url = fresh_database(name, tmp_path_factory.mktemp("bench"))
    try:
        yield url, generate(url, TINY, SECRET)
    finally:
        drop_database(url)


@pytest.fixture
def connection(generated: tuple[str, Generated]) -> Iterator[Connection]:
    engine = make_engine(generated[0])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def scalar(connection: Connection, sql: str, **values: object) -> int:
    value = connection.scalar(text(sql), values)
    assert isinstance(value, int)
    return value


def test_supports_count_equals_the_rows(connection: Connection) -> None:
    assert scalar(connection, "SELECT count(*) FROM proposal_supports") == TINY.supports
    assert scalar(connection, "SELECT sum(supports_count) FROM proposals") == TINY.supports
    mismatched = """
        SELECT count(*) FROM proposals p WHERE p.supports_count !=
          (SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = p.id)"""
    assert scalar(connection, mismatched) == 0
    one_each = "SELECT count(DISTINCT resident_id) FROM proposal_supports"
    assert scalar(connection, one_each) == TINY.residents


def test_comments_count_equals_the_rows(
    connection: Connection, generated: tuple[str, Generated]
) -> None:
    assert scalar(connection, "SELECT count(*) FROM comments") == TINY.comments
    mismatched = """
        SELECT count(*) FROM proposals p WHERE p.comments_count !=
          (SELECT count(*) FROM comments c
           WHERE c.target_type = 'proposal' AND c.target_id = p.id)"""
    assert scalar(connection, mismatched) == 0
    hot = generated[1].hot_proposal_id
    assert scalar(connection, "SELECT max(comments_count) FROM proposals") == TINY.hot_comments
    on_hot = "SELECT comments_count FROM proposals WHERE id = :id"
    assert scalar(connection, on_hot, id=hot) == TINY.hot_comments


def test_replies_stay_in_their_thread(connection: Connection) -> None:
    strays = """
        SELECT count(*) FROM comments c JOIN comments parent ON parent.id = c.parent_id
        WHERE parent.target_id != c.target_id OR c.depth != parent.depth + 1
           OR parent.created_at > c.created_at"""
    assert scalar(connection, strays) == 0
    assert scalar(connection, "SELECT count(*) FROM comments WHERE parent_id IS NOT NULL") > 0


def test_organizations_are_not_residents(connection: Connection) -> None:
    sql = """
        SELECT count(*) FROM residents r JOIN users u ON u.id = r.user_id
        WHERE u.is_organization"""
    assert scalar(connection, sql) == 0


def test_the_app_accepts_the_login_and_the_minted_sessions(
    generated: tuple[str, Generated], tmp_path: Path
) -> None:
    url, data = generated
    app = create_app(Settings(var_dir=tmp_path, database_url=url, secret_key=SECRET))
    try:
        check_sign_ins(app, data)
    finally:
        app.state.engine.dispose()


def check_sign_ins(app: FastAPI, data: Generated) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {"email": data.login_email, "password": PASSWORD, "csrf_token": token.group(1)}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        assert client.get("/account", follow_redirects=False).status_code == 200
    assert len(data.support_sessions) == TINY.support_users
    for minted in data.support_sessions:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            client.cookies.set("minka_session", minted.cookie)
            assert client.get("/account", follow_redirects=False).status_code == 200
