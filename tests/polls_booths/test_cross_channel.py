"""One roll entry per person and poll, whatever the channel: web and booth refuse each other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.answers.calendar import lima_today
from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.errors import Conflict
from app.polls.booth_voters import look_up, record_voter
from app.polls.booths import get_desk
from app.polls.models import PollBallot, PollBooth, PollVoter
from app.tenants.models import Tenant
from tests.conftest import client_for
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.people import csrf_of, make_user, sign_in
from tests.polls.factories import CENSUS_SECRET, make_booth, make_person, questions_of
from tests.polls_booths.helpers import booth_in_phase, officer_at, poll_of, post, roll_of
from tests.rendering import template_name


def _vote_online(client: TestClient, db: Session, tenant: Tenant, booth: PollBooth) -> Response:
    question, answers = questions_of(db, poll_of(db, tenant, booth))[0]
    data = {f"q{question.id}": str(answers[0].id), "csrf_token": csrf_of(client)}
    return client.post(f"/polls/{booth.poll_id}/vote", data=data, follow_redirects=False)


def test_marked_at_a_booth_cannot_vote_online(
    db: Session,
    tenant_a: Tenant,
    client_a: TestClient,
    settings: Settings,
    app: FastAPI,
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    db.commit()
    data = {"dni": person.dni, "birth_date": person.born_on.isoformat(), "channel": "paper"}
    assert post(client_a, f"/booths/{booth.id}/voters", data).status_code == 303
    with client_for(app, "alfa.test") as resident:
        assert person.user is not None
        sign_in(resident, person.user)
        response = _vote_online(resident, db, tenant_a, booth)
    assert response.status_code == 409
    assert "Ya votaste en una mesa de votación" in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(PollBallot)).all() == []
    [entry] = roll_of(db, tenant_a, booth.poll_id)
    assert (entry.channel, entry.booth_id) == ("paper", booth.id)


def test_voted_online_is_refused_at_the_booth(
    db: Session,
    tenant_a: Tenant,
    client_a: TestClient,
    settings: Settings,
    app: FastAPI,
) -> None:
    booth = booth_in_phase(db, tenant_a)
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    db.commit()
    with client_for(app, "alfa.test") as resident:
        assert person.user is not None
        sign_in(resident, person.user)
        assert _vote_online(resident, db, tenant_a, booth).status_code == 200
    officer_at(db, tenant_a, client_a, booth)
    data = {"dni": person.dni, "birth_date": person.born_on.isoformat(), "channel": "tablet"}
    response = post(client_a, f"/booths/{booth.id}/voters", data)
    assert response.status_code == 409
    assert template_name(response) == "polls/booths/booth.html"
    assert "Esta persona ya votó en línea" in response.text
    [entry] = roll_of(db, tenant_a, booth.poll_id)
    assert entry.channel == "web"


def test_a_vote_arriving_between_lookup_and_mark_is_refused_cleanly(
    db: Session, tenant_a: Tenant
) -> None:
    """The officer saw "may vote"; meanwhile the person voted online. The SAVEPOINT keeps the
    request alive to show where they voted, and nothing of the booth's mark remains."""
    booth = booth_in_phase(db, tenant_a)
    person = make_person(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        desk = get_desk(db, booth.id)
        found = look_up(
            db, CENSUS_SECRET, tenant_a.slug, desk, person.dni, "1980-01-01", lima_today()
        )
        assert found.may_vote
        assert found.voter is not None
        db.add(
            PollVoter(
                poll_id=booth.poll_id,
                voter_key=person.dni_digest,
                channel="web",
                voted_on=date.today(),
            )
        )
        db.flush()
        with pytest.raises(Conflict) as refused:
            record_voter(db, desk, found.voter, "tablet", 1, lima_today())
        assert refused.value.message == "This person already voted online."
        db.refresh(desk.booth)
        assert desk.booth.kiosk_pending == 0
        assert [e.channel for e in roll_of(db, tenant_a, booth.poll_id)] == ["web"]


@pytest.fixture
def real_engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_booth_race", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=12, max_overflow=0, pool_timeout=60)
    yield engine
    engine.dispose()
    drop_database(url)


def test_two_booths_marking_one_person_at_once_leave_one_entry(real_engine: Engine) -> None:
    factory = make_sessionmaker(real_engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "mesas", "mesas.test")
        booth = booth_in_phase(db, tenant)
        poll = poll_of(db, tenant, booth)
        booths = [booth] + [make_booth(db, tenant, poll) for _ in range(9)]
        officer = make_user(db, tenant, "poll_officer")
        person = make_person(db, tenant, account=False)
        db.commit()
        tenant_id, booth_ids, officer_id = tenant.id, [b.id for b in booths], officer.id
    start = threading.Barrier(len(booth_ids))
    outcomes: list[str] = []

    def mark(booth_id: int) -> None:
        start.wait(timeout=60)
        try:
            for session in session_scope(factory, tenant_id, write=True):
                desk = get_desk(session, booth_id)
                found = look_up(
                    session, CENSUS_SECRET, "mesas", desk, person.dni, "1980-01-01", lima_today()
                )
                assert found.voter is not None
                record_voter(session, desk, found.voter, "tablet", officer_id, lima_today())
                outcomes.append("marked")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=mark, args=(booth_id,)) for booth_id in booth_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["marked"] + ["refused"] * 9
    with platform_session(factory) as db:
        [entry] = roll_of(db, tenant, poll.id)
        with scoped_to(db, tenant_id):
            pending = db.scalars(select(PollBooth.kiosk_pending)).all()
    assert entry.booth_id in booth_ids
    assert sum(pending) == 1  # only the winning booth's tablet was given a turn
