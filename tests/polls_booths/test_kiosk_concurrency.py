"""Many ballots sent to one tablet at once: exactly as many go through as people were sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.db import (
    make_engine,
    make_sessionmaker,
    platform_session,
    scoped_to,
    session_scope,
    utcnow,
)
from app.dbschema import upgrade_database
from app.errors import Conflict
from app.polls.booth_kiosk import cast_kiosk_ballot
from app.polls.booths import get_desk
from app.polls.models import PollBallot, PollBooth
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.polls.factories import make_booth, make_poll, questions_of

ATTEMPTS = 12
WAITING = 3


@pytest.fixture
def real_engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_kiosk_race", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=ATTEMPTS + 2, max_overflow=0, pool_timeout=60)
    yield engine
    engine.dispose()
    drop_database(url)


def test_simultaneous_tablet_ballots_take_one_turn_each(real_engine: Engine) -> None:
    factory = make_sessionmaker(real_engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "tableta", "tableta.test")
        poll = make_poll(db, tenant)
        booth = make_booth(db, tenant, poll, kiosk_pending=WAITING)
        question, answers = questions_of(db, poll)[0]
        db.commit()
        tenant_id, booth_id = tenant.id, booth.id
        form = {f"q{question.id}": [str(answers[0].id)]}
    start = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []

    def vote() -> None:
        start.wait(timeout=60)
        try:
            for session in session_scope(factory, tenant_id, write=True):
                cast_kiosk_ballot(session, get_desk(session, booth_id), form, utcnow())
                outcomes.append("cast")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=vote) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["cast"] * WAITING + ["refused"] * (ATTEMPTS - WAITING)
    with platform_session(factory) as db, scoped_to(db, tenant_id):
        ballots = db.scalar(select(func.count()).select_from(PollBallot))
        pending = db.scalar(select(PollBooth.kiosk_pending).where(PollBooth.id == booth_id))
    assert (ballots, pending) == (WAITING, 0)
