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

On PostgreSQL the statements of casting run on the driver's own cursor (``_rows``), inside
the session's transaction: they are compiled by SQLAlchemy once per process, and psycopg
prepares them on the server after a few uses. Going through ``Connection.execute`` costs three
times the client CPU per statement, and casting is bound by that CPU (bench/README.md, polls).
Errors are raised as SQLAlchemy's own (``DBAPIError.instance``), so a busy database is still a
503, and a lost connection is invalidated as SQLAlchemy would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    FromClause,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Delete
from sqlalchemy.sql.elements import ColumnElement

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


def _gate(zone: ColumnElement[Any], source: FromClause, *more: ColumnElement[Any]) -> Select[Any]:
    """The poll row, share-locked, with whether ``zone`` is one of the poll's geozones."""
    return (
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
                GEOZONES.c.code == zone,
            )
            .label("in_zone"),
            *more,
        )
        .select_from(source)
        .where(POLLS.c.id == bindparam("poll"), POLLS.c.tenant_id == bindparam("tenant"))
        # Only the poll row: closing updates it first, so ballots and closing take turns.
        .with_for_update(read=True, of=POLLS)
    )


_GATE = _gate(bindparam("zone"), POLLS)

# The gate and the voter at once: their resident row and census zone (None when the account
# has no resident), and the poll's title for the receipt page.
# A resident row with its census row (for the zone), when the census has them.
_RESIDENT_WITH_CENSUS = RESIDENTS.outerjoin(
    CENSUS,
    and_(
        CENSUS.c.dni_digest == RESIDENTS.c.dni_digest,
        CENSUS.c.tenant_id == RESIDENTS.c.tenant_id,
    ),
)

_GATE_AND_RESIDENT = _gate(
    CENSUS.c.geozone_code,
    POLLS.outerjoin(
        _RESIDENT_WITH_CENSUS,
        and_(
            RESIDENTS.c.id == bindparam("resident"),
            RESIDENTS.c.tenant_id == POLLS.c.tenant_id,
        ),
    ),
    POLLS.c.title,
    RESIDENTS.c.id,
    RESIDENTS.c.dni_digest,
    RESIDENTS.c.born_on,
    CENSUS.c.geozone_code,
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
    # The form's order, so a ballot is checked question by question as the voter saw it.
    .order_by(QUESTIONS.c.position, QUESTIONS.c.id, ANSWERS.c.position, ANSWERS.c.id)
)

_ROLL_STARTED = select(
    exists().where(ROLL.c.poll_id == bindparam("poll"), ROLL.c.tenant_id == bindparam("tenant"))
)

_RESIDENT = (
    select(RESIDENTS.c.dni_digest, RESIDENTS.c.born_on, CENSUS.c.geozone_code)
    .select_from(_RESIDENT_WITH_CENSUS)
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
    # PostgreSQL only: the roll entry and the ballot in one statement (None elsewhere).
    both: Any


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
    both = None
    if dialect == "postgresql":
        # WITH entered AS (INSERT roll entry … RETURNING), stored AS (INSERT ballot SELECT …
        # FROM entered …) SELECT count(entered), count(stored): the ballot is written only
        # when the roll entry was, and the counts tell a replacement (0, 0) from a receipt
        # code already taken (1, 0). SQLite has no INSERT in WITH: two statements there.
        entered = roll.cte("entered")
        stored = (
            insert(BALLOTS)
            .from_select(
                [
                    "receipt",
                    "tenant_id",
                    "poll_id",
                    "channel",
                    "booth_id",
                    "choices",
                    "replace_tag",
                ],
                select(
                    bindparam("receipt", type_=BALLOTS.c.receipt.type),
                    bindparam("tenant", type_=BALLOTS.c.tenant_id.type),
                    bindparam("poll", type_=BALLOTS.c.poll_id.type),
                    literal("web", BALLOTS.c.channel.type),
                    null(),
                    bindparam("choices", type_=BALLOTS.c.choices.type),
                    bindparam("tag", type_=BALLOTS.c.replace_tag.type),
                ).select_from(entered),
            )
            .on_conflict_do_nothing(index_elements=[BALLOTS.c.receipt])
            .returning(BALLOTS.c.receipt)
            .cte("stored")
        )
        both = select(
            select(func.count()).select_from(entered).scalar_subquery(),
            select(func.count()).select_from(stored).scalar_subquery(),
        )
    return _Inserts(roll, ballot, both)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: Mapping[str, Any]


@cache
def _compiled(statement: Any, dialect: Any) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    return _Compiled(str(compiled), dict(compiled.params))


def _rows(
    connection: Connection, statement: Executable, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Run one of this module's statements in the connection's transaction.

    PostgreSQL: on psycopg's cursor (see the module docstring); elsewhere through SQLAlchemy.
    Returns every row (the statements here return at most a few), or ``[rowcount]`` for a
    statement that returns no rows.
    """
    dialect = connection.dialect
    if dialect.name != "postgresql":
        result = connection.execute(statement, params)
        if result.returns_rows:
            return [tuple(row) for row in result]
        return [(result.rowcount,)]
    compiled = _compiled(statement, dialect)
    driver = connection.connection.driver_connection
    assert driver is not None
    values = {**compiled.defaults, **params}
    cursor = driver.cursor()
    try:
        cursor.execute(compiled.sql, values)
        # The result's status, not cursor.description, which builds a column object per column.
        # Imported here: psycopg's libpq wrapper costs 20 MB to every process, SQLite ones too.
        from psycopg.pq import ExecStatus

        result = cursor.pgresult
        returned = result is not None and result.status == ExecStatus.TUPLES_OK
        rows = cursor.fetchall() if returned else [(cursor.rowcount,)]
    except dialect.loaded_dbapi.Error as error:
        invalidated = dialect.is_disconnect(error, driver, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(
            compiled.sql,
            values,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=invalidated,
            dialect=dialect,
        ) from error
    finally:
        cursor.close()
    return [tuple(row) for row in rows]


def _first(
    connection: Connection, statement: Executable, params: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    rows = _rows(connection, statement, params)
    return rows[0] if rows else None


def read_gate(
    connection: Connection, tenant_id: int, poll_id: int, zone: str | None
) -> PollGate | None:
    """Share-lock the poll row (PostgreSQL; SQLite writers take turns anyway) and read it."""
    row = _first(connection, _GATE, {"poll": poll_id, "tenant": tenant_id, "zone": zone})
    return None if row is None else PollGate(*row)


@dataclass(frozen=True)
class GateAndVoter:
    gate: PollGate
    title: str
    resident: ResidentRow | None


def read_gate_and_resident(
    connection: Connection, tenant_id: int, poll_id: int, resident_id: int | None
) -> GateAndVoter | None:
    """``read_gate`` and ``resident_row`` in one statement: the voting page's hot path."""
    params = {"poll": poll_id, "tenant": tenant_id, "resident": resident_id}
    row = _first(connection, _GATE_AND_RESIDENT, params)
    if row is None:
        return None
    gate, (title, found, digest, born_on, zone) = PollGate(*row[:9]), row[9:]
    resident = None if found is None else ResidentRow(digest, born_on, zone)
    return GateAndVoter(gate, title, resident)


def resident_row(connection: Connection, tenant_id: int, resident_id: int) -> ResidentRow | None:
    row = _first(connection, _RESIDENT, {"resident": resident_id, "tenant": tenant_id})
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
    final = bool(_rows(connection, _ROLL_STARTED, params)[0][0])
    questions: dict[int, QuestionRule] = {}
    answers: dict[int, list[AnswerRule]] = {}
    for question_id, kind, max_choices, answer_id in _rows(connection, _RULES, params):
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
    row = _first(connection, _EARLIER_ENTRY, {"poll": poll_id, "key": key, "tenant": tenant_id})
    return None if row is None else str(row[0])


def add_web_roll_entry(
    connection: Connection, tenant_id: int, poll_id: int, key: str, day: date
) -> bool:
    """Put the person on the roll; False if they were on it already (nothing written)."""
    statement = _inserts(connection.dialect.name).roll
    params = {"tenant": tenant_id, "poll": poll_id, "key": key, "day": day}
    return _first(connection, statement, params) is not None


def add_web_vote(
    connection: Connection,
    tenant_id: int,
    poll_id: int,
    key: str,
    day: date,
    receipt: str,
    choices: str,
    tag: str,
) -> tuple[bool, bool]:
    """A first web vote: the roll entry and the ballot. Returns (on the roll now, stored):
    (False, False) when the person was on the roll already (nothing written), (True, False)
    when only the receipt code was taken (the roll entry is written; store the ballot again
    with another code)."""
    both = _inserts(connection.dialect.name).both
    params = {"tenant": tenant_id, "poll": poll_id, "key": key, "day": day}
    if both is None:
        if not add_web_roll_entry(connection, tenant_id, poll_id, key, day):
            return False, False
        return True, insert_ballot(
            connection, tenant_id, poll_id, receipt, choices, "web", None, tag
        )
    row = _first(connection, both, {**params, "receipt": receipt, "choices": choices, "tag": tag})
    assert row is not None
    return bool(row[0]), bool(row[1])


def delete_replaced(connection: Connection, tenant_id: int, poll_id: int, tag: str) -> int:
    row = _first(connection, _REPLACE, {"poll": poll_id, "tag": tag, "tenant": tenant_id})
    return 0 if row is None else int(row[0])


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
    return _first(connection, statement, params) is not None
