"""Simultaneous ballots on PostgreSQL, with real commits: one voice per person, none lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.authz.principal import Principal
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.polls.ballots import Voter, cast_online, cast_web_ballot
from app.polls.closing import close_poll
from app.polls.errors import PollNotOpen
from app.polls.models import Poll, PollBallot, PollVoter
from app.polls.tally import published_results
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.conftest import SECRET
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.people import make_user
from tests.polls.factories import make_poll, questions_of

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="concurrency is proven on PostgreSQL"),
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_ballots", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=20, max_overflow=0, pool_timeout=120)
    yield engine
    engine.dispose()
    drop_database(url)


def _prepare(engine: Engine) -> tuple[int, int, int, list[int]]:
    with platform_session(make_sessionmaker(engine)) as db:
        tenant = make_tenant(db, "urnas", "urnas.test")
        poll = make_poll(db, tenant, closes=timedelta(hours=1))
        ((question, answers),) = questions_of(db, poll)
        db.commit()
        return tenant.id, poll.id, question.id, [answer.id for answer in answers]


def _at_once(engine: Engine, tenant_id: int, jobs: list[Callable[[Poll], str]]) -> list[str]:
    """Run every job in its own thread and transaction, released together; their outcomes."""
    factory = make_sessionmaker(engine)
    start = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(job: Callable[[Poll], str]) -> None:
        start.wait(timeout=120)
        try:
            for session in session_scope(factory, tenant_id, write=True):
                poll = session.scalars(select(Poll)).one()
                outcome = job(poll)
            outcomes.append(outcome)
        except PollNotOpen:
            outcomes.append("refused")
        except Exception as error:
            outcomes.append(repr(error))

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def _voter(key: str, question_id: int, answer_id: int, now: datetime) -> Callable[[Poll], str]:
    voter = Voter(key, None, None, verified=True)

    def cast(poll: Poll) -> str:
        from sqlalchemy.orm import object_session

        session = object_session(poll)
        assert session is not None
        return cast_web_ballot(session, poll, voter, {question_id: [answer_id]}, SECRET, now)

    return cast


def _stored(engine: Engine, tenant_id: int) -> tuple[int, list[str]]:
    with platform_session(make_sessionmaker(engine)) as db, scoped_to(db, tenant_id):
        roll = db.scalar(select(func.count(PollVoter.id))) or 0
        return roll, list(db.scalars(select(PollBallot.receipt)))


def test_fifty_simultaneous_ballots_by_one_person_leave_one(engine: Engine) -> None:
    tenant_id, _, question_id, answers = _prepare(engine)
    now = datetime.now().astimezone()
    jobs = [_voter("same-person", question_id, answers[n % 3], now) for n in range(50)]
    outcomes = _at_once(engine, tenant_id, jobs)
    assert all(len(outcome) == 14 for outcome in outcomes), outcomes[:5]
    roll, receipts = _stored(engine, tenant_id)
    assert roll == 1
    assert len(receipts) == 1
    assert receipts[0] in outcomes  # the last one to commit


def test_two_hundred_people_at_once_give_two_hundred_ballots(engine: Engine) -> None:
    tenant_id, _, question_id, answers = _prepare(engine)
    now = datetime.now().astimezone()
    jobs = [_voter(f"person-{n}", question_id, answers[n % 3], now) for n in range(200)]
    outcomes = _at_once(engine, tenant_id, jobs)
    assert all(len(outcome) == 14 for outcome in outcomes), [o for o in outcomes if len(o) != 14]
    roll, receipts = _stored(engine, tenant_id)
    assert roll == 200
    assert sorted(receipts) == sorted(outcomes)


def test_no_ballot_slips_past_a_closing_running_at_the_same_time(engine: Engine) -> None:
    tenant_id, poll_id, question_id, answers = _prepare(engine)
    with platform_session(make_sessionmaker(engine)) as db, scoped_to(db, tenant_id):
        closes_at = db.get_one(Poll, poll_id).closes_at
    # Voters a moment before the closing time; the closer a moment after, all released at once.
    before, after = closes_at - timedelta(seconds=1), closes_at + timedelta(seconds=1)
    jobs: list[Callable[[Poll], str]] = [
        _voter(f"person-{n}", question_id, answers[n % 3], before) for n in range(60)
    ]

    def close(poll: Poll) -> str:
        from sqlalchemy.orm import object_session

        session = object_session(poll)
        assert session is not None
        close_poll(session, poll, after)
        return "closed"

    jobs.insert(30, close)
    outcomes = _at_once(engine, tenant_id, jobs)
    accepted = [outcome for outcome in outcomes if len(outcome) == 14]
    assert set(outcomes) - set(accepted) <= {"closed", "refused"}, outcomes
    assert "closed" in outcomes
    with platform_session(make_sessionmaker(engine)) as db, scoped_to(db, tenant_id):
        poll = db.get_one(Poll, poll_id)
        results = published_results(poll)
        stored = set(db.scalars(select(PollBallot.receipt)))
        roll = db.scalar(select(func.count(PollVoter.id)))
    assert results is not None
    # Every accepted ballot was committed before the closing counted, and only those.
    assert stored == set(accepted)
    assert results.ballots == len(accepted) == roll


def _people(engine: Engine, tenant_id: int, count: int) -> list[Principal]:
    """``count`` verified residents, as the ballot route sees them once signed in."""
    with platform_session(make_sessionmaker(engine)) as db:
        tenant = db.get_one(Tenant, tenant_id)
        users = [make_user(db, tenant, verified=True) for _ in range(count)]
        with scoped_to(db, tenant_id):
            found = db.execute(select(Resident.user_id, Resident.id)).all()
        residents: dict[int, int] = dict(found)  # type: ignore[arg-type]
        db.commit()
        return [
            Principal(
                user_id=user.id, display_name=user.display_name, resident_id=residents[user.id]
            )
            for user in users
        ]


def _online(person: Principal, question_id: int, answer_id: int) -> Callable[[Poll], str]:
    """What POST /polls/{id}/vote does: on PostgreSQL, on a connection of its own, committed."""

    def cast(poll: Poll) -> str:
        from sqlalchemy.orm import object_session

        session = object_session(poll)
        assert session is not None
        form = {f"q{question_id}": [str(answer_id)]}
        return cast_online(
            session, person, poll.id, form, SECRET, datetime.now().astimezone()
        ).receipt

    return cast


def test_fifty_simultaneous_votes_through_the_route_by_one_person_leave_one(
    engine: Engine,
) -> None:
    tenant_id, _, question_id, answers = _prepare(engine)
    (person,) = _people(engine, tenant_id, 1)
    jobs = [_online(person, question_id, answers[n % 3]) for n in range(50)]
    outcomes = _at_once(engine, tenant_id, jobs)
    assert all(len(outcome) == 14 for outcome in outcomes), outcomes[:5]
    roll, receipts = _stored(engine, tenant_id)
    assert (roll, len(receipts)) == (1, 1)
    assert receipts[0] in outcomes


def test_a_hundred_people_voting_through_the_route_at_once_give_a_hundred_ballots(
    engine: Engine,
) -> None:
    tenant_id, _, question_id, answers = _prepare(engine)
    people = _people(engine, tenant_id, 100)
    jobs = [_online(person, question_id, answers[n % 3]) for n, person in enumerate(people)]
    outcomes = _at_once(engine, tenant_id, jobs)
    assert all(len(outcome) == 14 for outcome in outcomes), [o for o in outcomes if len(o) != 14]
    roll, receipts = _stored(engine, tenant_id)
    assert roll == 100
    assert sorted(receipts) == sorted(outcomes)
