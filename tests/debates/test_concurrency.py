"""Many votes at the same moment on PostgreSQL: rows and counters stay equal (real commits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.accounts.models import User
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.debates.models import Debate, DebateVote
from app.debates.service import visible_debate, vote
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant

pytestmark = pytest.mark.postgres_only
THREADS = 50


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_debate_votes", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=THREADS, max_overflow=10)
    yield engine
    engine.dispose()
    drop_database(url)


def _setup(engine: Engine, users: int) -> tuple[int, int, list[int]]:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "carrera", "carrera.test")
        with scoped_to(db, tenant.id):
            people = [User(email=f"u{i}@carrera.test", display_name=f"U{i}") for i in range(users)]
            db.add_all(people)
            db.flush()
            debate = Debate(author_id=people[0].id, title="T", body="B")
            db.add(debate)
            db.flush()
            ids = (tenant.id, debate.id, [person.id for person in people])
        db.commit()
    return ids


def _run(
    engine: Engine, tenant_id: int, debate_id: int, voters: list[tuple[int, int]]
) -> list[str]:
    factory = make_sessionmaker(engine)
    start = threading.Barrier(len(voters))
    errors: list[str] = []

    def one(user_id: int, value: int) -> None:
        try:
            start.wait(timeout=20)
            for session in session_scope(factory, tenant_id, write=True):
                vote(session, visible_debate(session, debate_id), user_id, value)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=one, args=voter) for voter in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _stored(engine: Engine, debate_id: int) -> tuple[tuple[int, int, int], int, int]:
    with platform_session(make_sessionmaker(engine)) as db:
        debate = db.get(Debate, debate_id)
        assert debate is not None
        rows = db.scalar(select(func.count()).where(DebateVote.debate_id == debate_id)) or 0
        agree = (
            db.scalar(
                select(func.count()).where(DebateVote.debate_id == debate_id, DebateVote.value == 1)
            )
            or 0
        )
        return (debate.votes_agree, debate.votes_disagree, debate.votes_total), rows, agree


def test_fifty_votes_of_one_account_leave_one(engine: Engine) -> None:
    tenant_id, debate_id, [user_id] = _setup(engine, 1)
    voters = [(user_id, 1 if i % 2 else -1) for i in range(THREADS)]
    assert _run(engine, tenant_id, debate_id, voters) == []
    (agree, disagree, total), rows, agree_rows = _stored(engine, debate_id)
    assert (rows, total) == (1, 1)
    assert (agree, disagree) == (agree_rows, 1 - agree_rows)


def test_fifty_accounts_at_once_count_fifty(engine: Engine) -> None:
    tenant_id, debate_id, users = _setup(engine, THREADS)
    voters = [(user_id, 1 if i % 5 else -1) for i, user_id in enumerate(users)]
    assert _run(engine, tenant_id, debate_id, voters) == []
    counters, rows, agree_rows = _stored(engine, debate_id)
    assert counters == (40, 10, 50)
    assert (rows, agree_rows) == (50, 40)
