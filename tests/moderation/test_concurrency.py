"""Simultaneous requests with real commits: one report per person, one hide per comment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.debates.models import Debate
from app.moderation import service
from app.moderation.models import Flag
from app.moderation.schemas import FlagForm
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant

THREADS = 10


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_moderation_race", tmp_path)
    upgrade_database(url)
    engine = (
        make_engine(url, pool_size=THREADS + 2)
        if url.startswith("postgresql")
        else (make_engine(url))
    )
    yield engine
    engine.dispose()
    drop_database(url)


def _race(engine: Engine, tenant_id: int, work: Callable[[Session], object]) -> list[object]:
    factory = make_sessionmaker(engine)
    start = threading.Barrier(THREADS)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait(timeout=10)
        try:
            for session in session_scope(factory, tenant_id, write=True):
                results.append(work(session))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_simultaneous_reports_and_hides(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "carrera", "carrera.test")
        with scoped_to(db, tenant.id):
            author = User(email="a@carrera.test", display_name="A")
            reporter = User(email="r@carrera.test", display_name="R")
            db.add_all([author, reporter])
            db.flush()
            debate = Debate(author_id=author.id, title="T", body="B", comments_count=1)
            db.add(debate)
            db.flush()
            comment = Comment(target_type="debate", target_id=debate.id, body="C")
            comment.author_id = author.id
            db.add(comment)
            db.flush()
        tenant_id, debate_id, comment_id, reporter_id = (
            tenant.id,
            debate.id,
            comment.id,
            reporter.id,
        )
        db.commit()

    form = FlagForm(reason="spam")
    reports = _race(
        engine,
        tenant_id,
        lambda s: service.report_content(s, reporter_id, "debate", debate_id, form),
    )
    assert sorted(reports, key=str) == [False] * (THREADS - 1) + [True]
    hides = _race(
        engine,
        tenant_id,
        lambda s: service.hide_content(s, "comment", comment_id).changed,
    )
    assert sorted(hides, key=str) == [False] * (THREADS - 1) + [True]

    with platform_session(factory) as db:
        assert db.scalar(select(func.count(Flag.id))) == 1
        assert db.scalar(select(Debate.comments_count).where(Debate.id == debate_id)) == 0
