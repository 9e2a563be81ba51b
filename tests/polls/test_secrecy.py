"""Ballot secrecy as a property of the data: the schema and the stored rows, inspected.

The roll (who voted) and the ballots (what was chosen) must share nothing that joins them.
They do share ``channel`` and ``booth_id``: results are published by channel and booth, so
these say no more than the results do (docs/polls.md explains the limit for tiny booths).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.db import Base, scoped_to, utcnow
from app.polls.ballots import Voter, cast_web_ballot, poll_key, replace_tag
from app.polls.closing import close_poll, erase_replacement_tags
from app.polls.models import Poll, PollBallot, PollVoter
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.databases import ON_POSTGRES
from tests.polls.factories import make_booth, make_poll, questions_of

SHARED = {"poll_id", "tenant_id", "channel", "booth_id"}


def test_the_schema_gives_no_way_to_join_roll_and_ballots(db: Session) -> None:
    schema = inspect(db.connection())
    ballots = {column["name"]: column for column in schema.get_columns("poll_ballots")}
    roll = {column["name"]: column for column in schema.get_columns("poll_voters")}
    assert set(ballots) & set(roll) == SHARED
    for table, other in (("poll_ballots", "poll_voters"), ("poll_voters", "poll_ballots")):
        referred = {key["referred_table"] for key in schema.get_foreign_keys(table)}
        assert other not in referred
        assert "residents" not in referred
        assert "users" not in referred or table == "poll_voters"  # the officer who marked
    # No moment of voting on a ballot, and no key that counts up.
    for column in ballots.values():
        assert not isinstance(column["type"], (sa.Date, sa.DateTime, sa.Time)), column["name"]
    assert schema.get_pk_constraint("poll_ballots")["constrained_columns"] == ["receipt"]
    integers = {name for name, c in ballots.items() if isinstance(c["type"], sa.Integer)}
    foreign = {
        column
        for key in schema.get_foreign_keys("poll_ballots")
        for column in key["constrained_columns"]
    }
    assert integers == foreign == {"poll_id", "booth_id", "tenant_id"}
    # Nor does the application's model relate them.
    for mapper in Base.registry.mappers:
        if mapper.class_ in (PollVoter, PollBallot):
            targets = {rel.mapper.class_ for rel in mapper.relationships}
            assert not targets & {PollVoter, PollBallot}


def vote(db: Session, poll: Poll, key: str, index: int) -> str:
    ((question, answers),) = questions_of(db, poll)
    voter = Voter(key, None, None, verified=True)
    with scoped_to(db, poll.tenant_id):
        return cast_web_ballot(
            db, poll, voter, {question.id: [answers[index].id]}, SECRET, utcnow()
        )


def test_receipt_codes_do_not_follow_the_order_of_voting(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a)
    receipts = [vote(db, poll, f"voter-{number}", number % 3) for number in range(40)]
    assert len(set(receipts)) == 40
    with scoped_to(db, tenant_a.id):
        by_key = db.scalars(select(PollBallot.receipt).order_by(PollBallot.receipt)).all()
    assert by_key != receipts
    assert sorted(receipts) == by_key


def every_stored_value(db: Session) -> list[str]:
    """Every value of every row of every table, as text."""
    values: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            values.extend(str(value) for value in row if value is not None)
    return values


def test_after_closing_no_ballot_can_be_traced_to_the_roll(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, closes=timedelta(minutes=5))
    keys = [f"dni-digest-{number:02d}" for number in range(12)]
    for number, key in enumerate(keys):
        vote(db, poll, key, number % 3)
    for key in keys[:4]:  # four people change their vote
        vote(db, poll, key, 2)
    with scoped_to(db, tenant_a.id):
        roll_keys = db.scalars(select(PollVoter.voter_key)).all()
        salt = db.scalar(select(Poll.ballot_salt).where(Poll.id == poll.id))
    assert sorted(roll_keys) == keys
    assert salt is not None
    recomputed = {replace_tag(poll_key(SECRET, poll.id, salt), key) for key in roll_keys}

    # While voting, whoever holds the database *and* the secret can link them: the check works.
    with scoped_to(db, tenant_a.id):
        tags = set(db.scalars(select(PollBallot.replace_tag)))
    assert tags == recomputed

    with scoped_to(db, tenant_a.id):
        close_poll(db, poll, utcnow() + timedelta(minutes=6))
        erase_replacement_tags(db)
        db.flush()
        db.expire_all()
        stored_salt = db.scalar(select(Poll.ballot_salt).where(Poll.id == poll.id))
        ballots = db.execute(select(PollBallot)).scalars().all()
    assert stored_salt is None
    assert len(ballots) == 12
    assert {ballot.replace_tag for ballot in ballots} == {None}
    # Even someone who kept the salt from before the close finds none of the hashes anywhere,
    # nor the salt, nor a voter's key in a ballot.
    stored = every_stored_value(db)
    for value in stored:
        assert salt not in value
        assert not any(tag in value for tag in recomputed)
    for ballot in ballots:
        assert not any(key in str(ballot.choices) + ballot.receipt for key in roll_keys)
    # The receipts appear only in the ballots, never in another table (audit log, jobs…).
    receipts = {ballot.receipt for ballot in ballots}
    assert sum(value in receipts for value in stored) == len(receipts)


def test_without_the_salt_the_secret_and_every_key_find_nothing(
    db: Session, tenant_a: Tenant
) -> None:
    """The salt is gone at close, before the hashes are blanked: in that window too, the
    secret and every voter key give nothing, since the hash needs the poll's salt."""
    poll = make_poll(db, tenant_a, closes=timedelta(minutes=5))
    keys = [f"dni-{number}" for number in range(5)]
    for number, key in enumerate(keys):
        vote(db, poll, key, number % 3)
    with scoped_to(db, tenant_a.id):
        close_poll(db, poll, utcnow() + timedelta(minutes=6))
        db.expire_all()
        tags = set(db.scalars(select(PollBallot.replace_tag)))
        assert db.scalar(select(Poll.ballot_salt).where(Poll.id == poll.id)) is None
    guesses = {
        replace_tag(poll_key(SECRET, poll.id, guess), key)
        for key in keys
        for guess in ("", "0" * 64, str(poll.id))
    }
    assert None not in tags
    assert not tags & guesses
    # The same person gets unrelated hashes in two polls: the salt, not the person, decides.
    other = make_poll(db, tenant_a)
    vote(db, other, keys[0], 0)
    with scoped_to(db, tenant_a.id):
        theirs = db.scalar(select(PollBallot.replace_tag).where(PollBallot.poll_id == other.id))
    assert theirs is not None
    assert theirs not in tags


def test_closing_rewrites_web_ballots_out_of_the_order_of_voting(
    db: Session, tenant_a: Tenant
) -> None:
    """What a copy of the database files shows: SQLite's hidden ``rowid``, PostgreSQL's
    physical position (``ctid``) follow the order of writing until the ballots are rewritten."""
    poll = make_poll(db, tenant_a, closes=timedelta(minutes=5))
    cast_order = [vote(db, poll, f"voter-{number}", number % 3) for number in range(30)]
    position: sa.ColumnClause[object] = sa.literal_column("ctid" if ON_POSTGRES else "rowid")
    physical = select(PollBallot.receipt).order_by(position)
    with scoped_to(db, tenant_a.id):
        assert db.scalars(physical).all() == cast_order
        close_poll(db, poll, utcnow() + timedelta(minutes=6))
        assert erase_replacement_tags(db, limit=20) == 20
        assert erase_replacement_tags(db, limit=20) == 10
        _assert_rewritten(db.scalars(physical).all(), cast_order)


def test_closing_rewrites_tablet_and_paper_ballots_out_of_the_order_of_voting(
    db: Session, tenant_a: Tenant
) -> None:
    """Tablet ballots are written right after their voter is marked at the booth, so their
    physical order mirrors the booth's roll until closing rewrites them in receipt order.
    The receipts here sort opposite to the voting order, so nothing passes by chance."""
    poll = make_poll(db, tenant_a, closes=timedelta(minutes=5))
    booth = make_booth(db, tenant_a, poll)
    ((question, answers),) = questions_of(db, poll)
    cast_order = [f"Z{99 - number:02d}" for number in range(12)]
    with scoped_to(db, tenant_a.id):
        for number, receipt in enumerate(cast_order):
            db.add(
                PollBallot(
                    receipt=receipt,
                    poll_id=poll.id,
                    channel="tablet" if number % 4 else "paper",
                    booth_id=booth.id,
                    choices=f"{question.id}:{answers[number % 3].id}",
                )
            )
            db.flush()
    position: sa.ColumnClause[object] = sa.literal_column("ctid" if ON_POSTGRES else "rowid")
    physical = select(PollBallot.receipt).order_by(position)
    with scoped_to(db, tenant_a.id):
        assert db.scalars(physical).all() == cast_order
        close_poll(db, poll, utcnow() + timedelta(minutes=6))
        _assert_rewritten(db.scalars(physical).all(), cast_order)
        assert db.scalar(select(sa.func.count()).select_from(PollBallot)) == 12
    results = poll.results_json
    assert results is not None


def _assert_rewritten(physical: Sequence[str], cast_order: list[str]) -> None:
    """SQLite numbers the re-inserted rows in receipt order. PostgreSQL puts them wherever its
    free-space map finds room (space freed by earlier tests included), so there the guarantee is
    only that the order of voting is gone."""
    assert sorted(physical) == sorted(cast_order)
    if ON_POSTGRES:
        assert list(physical) != cast_order
    else:
        assert list(physical) == sorted(cast_order)
