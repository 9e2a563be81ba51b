"""What casting a web ballot reads, in as few statements as the rules allow.

Casting is the hot path of a poll: every vote used to reload the poll's questions, answers
and geozones through the ORM. Here each read is one Core statement, built once, so SQLAlchemy
compiles it once per process; they bypass the ORM's tenant scoping (app.db), so every
statement names the tenant itself.

The questions and answers of a poll are kept per process in a ``BallotPlan`` once they can no
longer change: the poll service refuses to edit them once someone is on the roll, and roll
entries are never deleted while the poll exists. A plan is therefore cached only when it was
read under the poll's share lock in a transaction that saw a roll entry it did not write
itself; before that, every ballot reads the rules again. The cache key includes the poll's
salt (random, drawn at publishing), so a poll id reused by another database or a re-created
row never finds an old plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Delete

from app.census.models import CensusEntry
from app.geozones.models import Geozone
from app.polls.models import Poll, PollAnswer, PollBallot, PollQuestion, PollVoter, poll_geozones
from app.verification.models import Resident

# Polls open at once are few; the bound only keeps a long-lived process from growing.
PLAN_CACHE_SIZE = 256


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


POLLS = _table(Poll)
QUESTIONS = _table(PollQuestion)
ANSWERS = _table(PollAnswer)
ROLL = _table(PollVoter)
BALLOTS = _table(PollBallot)
GEOZONES = _table(Geozone)
RESIDENTS = _table(Resident)
CENSUS = _table(CensusEntry)


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: str
    max_choices: int


@dataclass(frozen=True)
class AnswerRule:
    id: int


@dataclass(frozen=True)
class BallotPlan:
    """A poll's questions (by id) and each question's answers: all a ballot is checked against."""

    questions: Mapping[int, QuestionRule]
    answers: Mapping[int, tuple[AnswerRule, ...]]


@dataclass(frozen=True)
class PollGate:
    """The poll row as the share lock found it, and whether the voter's zone is among its own."""

    ballot_salt: str | None
    published_at: datetime | None
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    voter_level: str
    min_age: int | None
    zoned: bool
    in_zone: bool


@dataclass(frozen=True)
class ResidentRow:
    dni_digest: str
    born_on: date | None
    geozone_code: str | None


_GATE = (
    select(
        POLLS.c.ballot_salt,
        POLLS.c.published_at,
        POLLS.c.opens_at,
        POLLS.c.closes_at,
        POLLS.c.closed_at,
        POLLS.c.voter_level,
        POLLS.c.min_age,
        exists().where(poll_geozones.c.poll_id == POLLS.c.id).label("zoned"),
        exists()
        .where(
            poll_geozones.c.poll_id == POLLS.c.id,
            GEOZONES.c.id == poll_geozones.c.geozone_id,
            GEOZONES.c.tenant_id == POLLS.c.tenant_id,
            GEOZONES.c.code == bindparam("zone"),
        )
        .label("in_zone"),
    )
    .where(POLLS.c.id == bindparam("poll"), POLLS.c.tenant_id == bindparam("tenant"))
    # Only the poll row: closing updates it first, so ballots and closing take turns.
    .with_for_update(read=True, of=POLLS)
)

_RULES = (
    select(QUESTIONS.c.id, QUESTIONS.c.kind, QUESTIONS.c.max_choices, ANSWERS.c.id)
    .select_from(
        QUESTIONS.outerjoin(
            ANSWERS,
            and_(
                ANSWERS.c.question_id == QUESTIONS.c.id,
                ANSWERS.c.tenant_id == QUESTIONS.c.tenant_id,
            ),
        )
    )
    .where(QUESTIONS.c.poll_id == bindparam("poll"), QUESTIONS.c.tenant_id == bindparam("tenant"))
)

_ROLL_STARTED = select(
    exists().where(ROLL.c.poll_id == bindparam("poll"), ROLL.c.tenant_id == bindparam("tenant"))
)

_RESIDENT = (
    select(RESIDENTS.c.dni_digest, RESIDENTS.c.born_on, CENSUS.c.geozone_code)
    .select_from(
        RESIDENTS.outerjoin(
            CENSUS,
            and_(
                CENSUS.c.dni_digest == RESIDENTS.c.dni_digest,
                CENSUS.c.tenant_id == RESIDENTS.c.tenant_id,
            ),
        )
    )
    .where(RESIDENTS.c.id == bindparam("resident"), RESIDENTS.c.tenant_id == bindparam("tenant"))
    .limit(1)
)

_EARLIER_ENTRY = (
    select(ROLL.c.channel)
    .where(
        ROLL.c.poll_id == bindparam("poll"),
        ROLL.c.voter_key == bindparam("key"),
        ROLL.c.tenant_id == bindparam("tenant"),
    )
    .with_for_update()
)

_REPLACE: Delete = delete(BALLOTS).where(
    BALLOTS.c.poll_id == bindparam("poll"),
    BALLOTS.c.replace_tag == bindparam("tag"),
    BALLOTS.c.tenant_id == bindparam("tenant"),
)


@dataclass(frozen=True)
class _Inserts:
    roll: Any
    ballot: Any


@cache
def _inserts(dialect: str) -> _Inserts:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING``, which both databases spell alike."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    roll = (
        insert(ROLL)
        .values(
            tenant_id=bindparam("tenant"),
            poll_id=bindparam("poll"),
            voter_key=bindparam("key"),
            channel="web",
            voted_on=bindparam("day"),
        )
        .on_conflict_do_nothing(index_elements=[ROLL.c.poll_id, ROLL.c.voter_key])
        .returning(ROLL.c.id)
    )
    ballot = (
        insert(BALLOTS)
        .values(
            receipt=bindparam("receipt"),
            tenant_id=bindparam("tenant"),
            poll_id=bindparam("poll"),
            channel=bindparam("channel"),
            booth_id=bindparam("booth"),
            choices=bindparam("choices"),
            replace_tag=bindparam("tag"),
        )
        .on_conflict_do_nothing(index_elements=[BALLOTS.c.receipt])
        .returning(BALLOTS.c.receipt)
    )
    return _Inserts(roll, ballot)


def read_gate(
    connection: Connection, tenant_id: int, poll_id: int, zone: str | None
) -> PollGate | None:
    """Share-lock the poll row (PostgreSQL; SQLite writers take turns anyway) and read it."""
    row = connection.execute(_GATE, {"poll": poll_id, "tenant": tenant_id, "zone": zone}).first()
    return None if row is None else PollGate(*row)


def resident_row(connection: Connection, tenant_id: int, resident_id: int) -> ResidentRow | None:
    row = connection.execute(_RESIDENT, {"resident": resident_id, "tenant": tenant_id}).first()
    return None if row is None else ResidentRow(*row)


_plans: dict[tuple[int, int, str], BallotPlan] = {}


def ballot_plan(
    connection: Connection, tenant_id: int, poll_id: int, salt: str, *, may_cache: bool = True
) -> BallotPlan:
    """The poll's rules; call it with the poll row share-locked (``read_gate``).

    ``may_cache=False`` when this transaction wrote to the poll's roll itself: the entry it
    would see is its own, and would be gone if it rolled back.
    """
    key = (tenant_id, poll_id, salt)
    plan = _plans.get(key)
    if plan is not None:
        return plan
    params = {"poll": poll_id, "tenant": tenant_id}
    # Read before the rules: a roll entry seen now means the rules read next are final.
    final = bool(connection.execute(_ROLL_STARTED, params).scalar())
    questions: dict[int, QuestionRule] = {}
    answers: dict[int, list[AnswerRule]] = {}
    for question_id, kind, max_choices, answer_id in connection.execute(_RULES, params):
        questions[question_id] = QuestionRule(question_id, kind, max_choices)
        listed = answers.setdefault(question_id, [])
        if answer_id is not None:
            listed.append(AnswerRule(answer_id))
    plan = BallotPlan(questions, {question: tuple(listed) for question, listed in answers.items()})
    if final and may_cache:
        if len(_plans) >= PLAN_CACHE_SIZE:
            _plans.clear()
        _plans[key] = plan
    return plan


def earlier_channel(connection: Connection, tenant_id: int, poll_id: int, key: str) -> str | None:
    """The channel of the person's roll entry, locked so their replacements take turns."""
    params = {"poll": poll_id, "key": key, "tenant": tenant_id}
    channel: str | None = connection.execute(_EARLIER_ENTRY, params).scalar()
    return channel


def add_web_roll_entry(
    connection: Connection, tenant_id: int, poll_id: int, key: str, day: date
) -> bool:
    """Put the person on the roll; False if they were on it already (nothing written)."""
    statement = _inserts(connection.dialect.name).roll
    params = {"tenant": tenant_id, "poll": poll_id, "key": key, "day": day}
    return connection.execute(statement, params).first() is not None


def delete_replaced(connection: Connection, tenant_id: int, poll_id: int, tag: str) -> int:
    result = connection.execute(_REPLACE, {"poll": poll_id, "tag": tag, "tenant": tenant_id})
    count: int = result.rowcount
    return count


def insert_ballot(
    connection: Connection,
    tenant_id: int,
    poll_id: int,
    receipt: str,
    choices: str,
    channel: str,
    booth_id: int | None,
    tag: str | None,
) -> bool:
    """Store a ballot; False if its receipt code was taken (nothing written)."""
    params = {
        "receipt": receipt,
        "tenant": tenant_id,
        "poll": poll_id,
        "channel": channel,
        "booth": booth_id,
        "choices": choices,
        "tag": tag,
    }
    statement = _inserts(connection.dialect.name).ballot
    return connection.execute(statement, params).first() is not None
