"""Closing: every minute and from the command line; the salt and tags go, results appear."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, utcnow
from app.dbschema import upgrade_database
from app.jobs.models import Job
from app.jobs.periodic import PERIODIC, PREFIX, schedule_periodic
from app.jobs.queue import run_due_jobs
from app.polls.ballots import Voter, cast_web_ballot
from app.polls.closing import close_due_polls, close_poll, erase_replacement_tags
from app.polls.errors import PollNotOpen, PollStillOpen
from app.polls.models import Poll, PollBallot
from app.polls.tally import published_results
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.polls.factories import make_poll, questions_of


def vote(db: Session, poll: Poll, key: str, index: int = 0) -> str:
    ((question, answers),) = questions_of(db, poll)
    voter = Voter(key, None, None, verified=True)
    with scoped_to(db, poll.tenant_id):
        return cast_web_ballot(
            db, poll, voter, {question.id: [answers[index].id]}, SECRET, utcnow()
        )


def tags_of(db: Session, poll: Poll) -> list[str | None]:
    statement = select(PollBallot.replace_tag).where(PollBallot.poll_id == poll.id)
    return list(db.scalars(statement.execution_options(populate_existing=True)))


def reload(db: Session, poll: Poll) -> Poll:
    with scoped_to(db, poll.tenant_id):
        db.expire_all()
        return db.get_one(Poll, poll.id)


def test_closing_destroys_the_salt_and_the_tags_and_publishes_the_count(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, closes=timedelta(minutes=5))
    for number in range(3):
        vote(db, poll, f"voter-{number}", index=number % 2)
    assert published_results(poll) is None  # hidden while voting, from everyone
    with scoped_to(db, tenant_a.id), pytest.raises(PollStillOpen):
        close_poll(db, poll, utcnow())
    later = utcnow() + timedelta(minutes=6)
    with scoped_to(db, tenant_a.id):
        close_poll(db, poll, later)
    poll = reload(db, poll)
    assert poll.closed_at is not None
    assert poll.ballot_salt is None
    with scoped_to(db, tenant_a.id):
        assert None not in tags_of(db, poll)  # no longer computable; blanked just after
        assert erase_replacement_tags(db, limit=2) == 2
        assert erase_replacement_tags(db, limit=2) == 1
        assert erase_replacement_tags(db, limit=2) == 0
        assert tags_of(db, poll) == [None, None, None]
    results = published_results(poll)
    assert results is not None
    assert [answer.votes for answer in results.questions[0].answers] == [2, 1, 0]
    # Closing again changes nothing, and no ballot is taken any more.
    stored = poll.results_json
    with scoped_to(db, tenant_a.id):
        close_poll(db, poll, later + timedelta(hours=1))
    assert reload(db, poll).results_json == stored
    with pytest.raises(PollNotOpen):
        vote(db, poll, "late")


def test_due_polls_of_the_instance_only_are_closed(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    due = make_poll(db, tenant_a, opens=timedelta(days=-3), closes=timedelta(minutes=-1))
    running = make_poll(db, tenant_a)
    draft = make_poll(db, tenant_a, closes=timedelta(minutes=-1), published=False)
    theirs = make_poll(db, tenant_b, opens=timedelta(days=-3), closes=timedelta(minutes=-1))
    with scoped_to(db, tenant_a.id):
        assert close_due_polls(db, utcnow()) == 1
        assert close_due_polls(db, utcnow()) == 0
    closed = {poll.id: reload(db, poll).closed_at is not None for poll in (due, running, draft)}
    assert closed == {due.id: True, running.id: False, draft.id: False}
    assert reload(db, theirs).closed_at is None


def test_the_job_worker_closes_due_polls_every_minute(
    db: Session, sessions: sessionmaker[Session], settings: Settings, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, opens=timedelta(days=-3), closes=timedelta(minutes=-1))
    with scoped_to(db, tenant_a.id):
        db.execute(
            update(Poll).where(Poll.id == poll.id).values(closes_at=utcnow() + timedelta(minutes=1))
        )
    vote(db, reload(db, poll), "someone")
    with scoped_to(db, tenant_a.id):
        db.execute(
            update(Poll).where(Poll.id == poll.id).values(closes_at=utcnow() - timedelta(seconds=1))
        )
    db.commit()
    assert PERIODIC["close_due_polls"].every == timedelta(minutes=1)
    now = utcnow()
    schedule_periodic(sessions, now)
    with scoped_to(db, tenant_a.id):
        kinds = db.scalars(select(Job.kind).where(Job.tenant_id == tenant_a.id)).all()
    assert PREFIX + "close_due_polls" in kinds
    run_due_jobs(sessions, now, limit=100, settings=settings)
    poll = reload(db, poll)
    assert poll.closed_at is not None
    assert published_results(poll) is not None
    with scoped_to(db, tenant_a.id):
        assert tags_of(db, poll) == [None]


def test_the_command_closes_due_polls_in_every_instance(tmp_path: Path) -> None:
    url = fresh_database("minka_test_polls_cli", tmp_path)
    try:
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        with platform_session(factory) as session:
            polls = [
                make_poll(
                    session,
                    make_tenant(session, slug),
                    opens=timedelta(days=-2),
                    closes=timedelta(seconds=-1),
                )
                for slug in ("uno", "dos")
            ]
            ids = [poll.id for poll in polls]
            # A web ballot left with its hash, as voting leaves it.
            with scoped_to(session, polls[0].tenant_id):
                session.add(
                    PollBallot(
                        receipt="AAAA-BBBB-CCCC",
                        poll_id=ids[0],
                        channel="web",
                        choices="1:1",
                        replace_tag="f" * 64,
                    )
                )
                session.flush()
            session.commit()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
            "MINKA_DATABASE_URL": url,
            "MINKA_VAR_DIR": str(tmp_path / "var"),
        }
        minka = str(Path(sys.executable).with_name("minka"))
        done = subprocess.run(
            [minka, "polls", "close-due"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "closed: 2" in done.stdout
        assert "replacement hashes erased: 1" in done.stdout
        with platform_session(factory) as session:
            rows = session.execute(
                select(Poll.closed_at, Poll.ballot_salt, Poll.results_json).where(Poll.id.in_(ids))
            ).all()
        assert len(rows) == 2
        assert all(closed and salt is None and results for closed, salt, results in rows)
        with platform_session(factory) as session:
            assert session.scalars(select(PollBallot.replace_tag)).all() == [None]
        engine.dispose()
    finally:
        drop_database(url)
