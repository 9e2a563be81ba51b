"""The rules a web ballot is checked against are cached only once they can no longer change."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.db import scoped_to, utcnow
from app.polls import ballot_plan as plans
from app.polls.ballots import Voter, cast_web_ballot
from app.polls.errors import BallotInvalid
from app.polls.models import Poll, PollAnswer, PollVoter
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.databases import ON_POSTGRES
from tests.polls.factories import make_poll, questions_of


def plan_of(db: Session, poll: Poll, *, may_cache: bool = True) -> plans.BallotPlan:
    assert poll.ballot_salt is not None
    return plans.ballot_plan(
        db.connection(), poll.tenant_id, poll.id, poll.ballot_salt, may_cache=may_cache
    )


def cached(poll: Poll) -> bool:
    assert poll.ballot_salt is not None
    return (poll.tenant_id, poll.id, poll.ballot_salt) in plans._plans


def test_rules_before_the_first_roll_entry_are_read_again_every_time(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a)
    ((question, answers),) = questions_of(db, poll)
    assert {a.id for a in plan_of(db, poll).answers[question.id]} == {a.id for a in answers}
    assert not cached(poll)
    with scoped_to(db, tenant_a.id):
        added = PollAnswer(question_id=question.id, position=9, title="nueva")
        db.add(added)
        db.flush()
    assert added.id in {a.id for a in plan_of(db, poll).answers[question.id]}


def test_rules_are_cached_once_someone_else_is_on_the_roll(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, questions=[("multiple", 4, 2)])
    with scoped_to(db, tenant_a.id):
        db.add(
            PollVoter(poll_id=poll.id, voter_key="k", channel="paper", voted_on=lima_date(utcnow()))
        )
        db.flush()
    plan_of(db, poll, may_cache=False)
    assert not cached(poll)
    plan = plan_of(db, poll)
    assert cached(poll)
    ((question, _answers),) = questions_of(db, poll)
    assert (plan.questions[question.id].kind, plan.questions[question.id].max_choices) == (
        "multiple",
        2,
    )


def test_a_transaction_does_not_cache_rules_on_the_strength_of_its_own_ballot(
    db: Session, tenant_a: Tenant
) -> None:
    """Its roll entry would vanish with a rollback, and the rules could then be edited."""
    poll = make_poll(db, tenant_a)
    ((question, answers),) = questions_of(db, poll)
    with scoped_to(db, tenant_a.id):
        for key in ("first", "second"):
            voter = Voter(key, None, None, verified=True)
            cast_web_ballot(db, poll, voter, {question.id: [answers[0].id]}, SECRET, utcnow())
        assert not cached(poll)
        third = Voter("third", None, None, verified=True)
        with pytest.raises(BallotInvalid):
            cast_web_ballot(db, poll, third, {question.id: [-1]}, SECRET, utcnow())


@pytest.mark.skipif(not ON_POSTGRES, reason="the driver's own cursor is used on PostgreSQL only")
def test_errors_on_the_drivers_cursor_are_raised_as_sqlalchemys_own(db: Session) -> None:
    """So the error pages (a 503 for an unavailable database) treat them alike."""
    savepoint = db.begin_nested()
    with pytest.raises(DataError) as raised:
        plans._rows(db.connection(), text("SELECT 1 / 0"), {})
    assert isinstance(raised.value.orig, psycopg.errors.DivisionByZero)
    savepoint.rollback()
    assert plans._rows(db.connection(), text("SELECT 6 * 7"), {}) == [(42,)]
