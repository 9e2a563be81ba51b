"""One account votes on a comment 50 times at the same moment: one row, a count of one."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.accounts.models import User
from app.comments.models import Comment, CommentVote
from app.comments.service import vote_comment
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.debates.models import Debate
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="concurrency is proven on PostgreSQL"),
]
VOTERS = 50


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # A name of its own: other suites may be racing on the same server.
    url = fresh_database(f"minka_test_comment_votes_{os.getpid()}", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=VOTERS, max_overflow=0)
    yield engine
    engine.dispose()
    drop_database(url)


def _vote(
    engine: Engine,
    tenant_id: int,
    user_id: int,
    comment_id: int,
    start: threading.Barrier,
    errors: list[BaseException],
) -> None:
    factory = make_sessionmaker(engine)
    try:
        start.wait(timeout=30)
        for session in session_scope(factory, tenant_id, write=True):
            comment = session.scalars(select(Comment).where(Comment.id == comment_id)).one()
            vote_comment(session, user_id, comment, 1)
    except BaseException as error:  # reported by the test below
        errors.append(error)


def test_fifty_simultaneous_votes_of_one_account_count_once(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "votos", "votos.test")
        with scoped_to(db, tenant.id):
            user = User(email="v@votos.test", display_name="Votante")
            db.add(user)
            db.flush()
            debate = Debate(author_id=user.id, title="Debate", body="Texto")
            db.add(debate)
            db.flush()
            comment = Comment(
                target_type="debate", target_id=debate.id, author_id=user.id, body="Hola"
            )
            db.add(comment)
            db.flush()
            ids = (tenant.id, user.id, comment.id)
        db.commit()
    start = threading.Barrier(VOTERS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_vote, args=(engine, *ids, start, errors)) for _ in range(VOTERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with platform_session(factory) as db:
        rows = db.scalar(select(func.count()).select_from(CommentVote))
        stored = db.scalars(select(Comment).where(Comment.id == ids[2])).one()
    assert rows == 1
    assert (stored.votes_up, stored.votes_down) == (1, 0)
