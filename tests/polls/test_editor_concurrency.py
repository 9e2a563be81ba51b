"""A change of a poll's rules and the first ballot, at the same moment, on PostgreSQL with real
commits: the change waits for the ballot in flight and is then refused, never both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.errors import Conflict
from app.polls import service
from app.polls.ballots import cast_web_ballot
from app.polls.eligibility import Voter
from app.polls.models import Poll, PollQuestion
from app.polls.schemas import QuestionForm
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.polls.factories import make_poll, questions_of

pytestmark = pytest.mark.postgres_only
SECRET = "test-secret-" + "k" * 40


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_poll_editor", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=5, max_overflow=0, pool_timeout=30)
    yield engine
    engine.dispose()
    drop_database(url)


def test_a_rule_change_waits_for_the_first_ballot_and_is_refused(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "editor", "editor.test")
        poll = make_poll(db, tenant)
        ((question, answers),) = questions_of(db, poll)
        choices = {question.id: [answers[0].id]}
        db.commit()
        tenant_id, poll_id = tenant.id, poll.id
    voter = Voter("dni-digest-1", None, date(1980, 1, 1), verified=True)
    ballot_in_flight = threading.Event()
    release_ballot = threading.Event()
    outcome: dict[str, object] = {}

    def vote() -> None:
        for session in session_scope(factory, tenant_id, write=True):
            stored = session.get_one(Poll, poll_id)
            cast_web_ballot(session, stored, voter, choices, SECRET, datetime.now(UTC))
            ballot_in_flight.set()
            release_ballot.wait(10)

    def add_question() -> None:
        ballot_in_flight.wait(10)
        form = QuestionForm(title="¿Otra pregunta?", kind="single", answers="Sí\nNo")
        try:
            for session in session_scope(factory, tenant_id, write=True):
                service.add_question(session, session.get_one(Poll, poll_id), form)
            outcome["editor"] = "added"
        except Conflict as refused:
            outcome["editor"] = refused.message

    voting = threading.Thread(target=vote)
    editing = threading.Thread(target=add_question)
    voting.start()
    editing.start()
    ballot_in_flight.wait(10)
    editing.join(1.0)
    # The editor is still waiting on the poll row held by the uncommitted ballot.
    assert editing.is_alive()
    release_ballot.set()
    voting.join(10)
    editing.join(10)
    assert outcome["editor"] == service.LOCKED
    with platform_session(factory) as db, scoped_to(db, tenant_id):
        count = db.scalar(
            select(func.count(PollQuestion.id)).where(PollQuestion.poll_id == poll_id)
        )
    assert count == 1
