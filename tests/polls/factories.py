"""Polls for tests, with hostile text in every field, and residents who can vote in them.

Questions are given as a spec: ``("single", 3)`` is a question with 3 answers, one to choose;
``("multiple", 4, 2)`` up to 2 of 4; ``("ranked", 5, 3)`` a ranking of up to 3 of 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.answers.calendar import lima_today
from app.census.digests import Digester, census_key
from app.census.models import CensusEntry
from app.db import scoped_to, utcnow
from app.geozones.models import Geozone
from app.polls.ballots import ballot_rules, prepare_poll_key
from app.polls.models import (
    Poll,
    PollAnswer,
    PollBooth,
    PollBoothOfficer,
    PollQuestion,
    poll_geozones,
)
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.factories import HOSTILE
from tests.people import make_user

QuestionSpec = tuple[str, int] | tuple[str, int, int]
# The census secret of residents made here when a test does not care which it is; tests that
# look people up at a booth pass settings.census_secret instead.
CENSUS_SECRET = b"test-census-secret-" + b"c" * 32

_numbers = count(1)


def make_poll(
    db: Session,
    tenant: Tenant,
    *,
    opens: timedelta = timedelta(days=-1),
    closes: timedelta = timedelta(days=7),
    questions: Sequence[QuestionSpec] = (("single", 3),),
    geozones: Iterable[Geozone] = (),
    min_age: int | None = None,
    voter_level: str = "verified",
    published: bool = True,
    closed: bool = False,
    title: str = HOSTILE,
) -> Poll:
    """A poll opening and closing at ``now + opens`` / ``now + closes``, with its questions.

    ``published`` also draws the ballot salt, as publishing does. ``closed`` only sets
    ``closed_at`` (use app.polls.closing.close_poll to count it).
    """
    now = utcnow()
    with scoped_to(db, tenant.id):
        poll = Poll(
            title=title[:150],
            summary=f"{HOSTILE} resumen",
            description=f"{HOSTILE}\n\n**Segundo** párrafo.",
            opens_at=now + opens,
            closes_at=now + closes,
            voter_level=voter_level,
            min_age=min_age,
            created_at=now,
            published_at=now if published else None,
            closed_at=now if closed else None,
        )
        db.add(poll)
        db.flush()
        if published and not closed:
            prepare_poll_key(poll)
        zone_ids = [zone.id for zone in geozones]
        if zone_ids:
            db.execute(
                poll_geozones.insert(), [{"poll_id": poll.id, "geozone_id": z} for z in zone_ids]
            )
        for position, spec in enumerate(questions):
            kind, answers = spec[0], spec[1]
            most = spec[2] if len(spec) == 3 else (1 if kind == "single" else answers)
            question = PollQuestion(
                poll_id=poll.id,
                position=position,
                title=f"{HOSTILE} ¿pregunta {position + 1}?",
                description=f"{HOSTILE} detalle",
                kind=kind,
                max_choices=most,
            )
            db.add(question)
            db.flush()
            for place in range(answers):
                db.add(
                    PollAnswer(
                        question_id=question.id,
                        position=place,
                        title=f"{HOSTILE} opción {place + 1}",
                        description=f"{HOSTILE} descripción",
                    )
                )
        db.flush()
    return poll


def questions_of(db: Session, poll: Poll) -> list[tuple[PollQuestion, list[PollAnswer]]]:
    """The poll's questions in order, each with its answers in order."""
    with scoped_to(db, poll.tenant_id):
        questions, answers = ballot_rules(db, poll)
    return [(question, answers[question.id]) for question in questions]


def make_booth(
    db: Session,
    tenant: Tenant,
    poll: Poll,
    *,
    officers: Iterable[User] = (),
    geozone: Geozone | None = None,
    opens: timedelta | None = None,
    closes: timedelta | None = None,
    kiosk_pending: int = 0,
) -> PollBooth:
    """A booth open during the whole poll unless ``opens``/``closes`` (from now) say otherwise."""
    now = utcnow()
    with scoped_to(db, tenant.id):
        booth = PollBooth(
            poll_id=poll.id,
            name=f"{HOSTILE} mesa {next(_numbers)}",
            place=f"{HOSTILE} local comunal",
            geozone_id=geozone.id if geozone is not None else None,
            opens_at=now + opens if opens is not None else poll.opens_at,
            closes_at=now + closes if closes is not None else poll.closes_at,
            kiosk_pending=kiosk_pending,
        )
        db.add(booth)
        db.flush()
        for officer in officers:
            db.add(PollBoothOfficer(booth_id=booth.id, user_id=officer.id))
        db.flush()
    return booth


def new_dni() -> str:
    return f"{40_000_000 + next(_numbers):08d}"


@dataclass(frozen=True)
class Person:
    """Someone on the census; ``user``/``resident`` are None for a person with no account."""

    dni: str
    born_on: date
    geozone_code: str | None
    dni_digest: str
    user: User | None
    resident: Resident | None


def add_census_entry(
    db: Session,
    tenant: Tenant,
    *,
    dni: str | None = None,
    born_on: date = date(1980, 1, 1),
    geozone_code: str | None = None,
    census_secret: bytes = CENSUS_SECRET,
) -> tuple[str, str]:
    """A census row as the import writes it; returns (DNI, its digest)."""
    dni = dni or new_dni()
    digests = Digester(census_key(census_secret, tenant.slug))
    with scoped_to(db, tenant.id):
        entry = CensusEntry(
            dni_digest=digests.of_dni(dni),
            birth_digest=digests.of_birth(dni, born_on),
            extra_digest=None,
            geozone_code=geozone_code,
            updated_at=utcnow(),
        )
        db.add(entry)
        db.flush()
    return dni, entry.dni_digest


def make_person(
    db: Session,
    tenant: Tenant,
    *,
    geozone_code: str | None = None,
    born_on: date = date(1980, 1, 1),
    known_birth: bool = True,
    account: bool = True,
    census_secret: bytes = CENSUS_SECRET,
) -> Person:
    """A resident on the census with a verified account (or, ``account=False``, none).

    ``known_birth=False`` leaves ``Resident.born_on`` empty, as for people verified before
    the date of birth was kept.
    """
    dni, digest = add_census_entry(
        db, tenant, born_on=born_on, geozone_code=geozone_code, census_secret=census_secret
    )
    if not account:
        return Person(dni, born_on, geozone_code, digest, None, None)
    user = make_user(db, tenant)
    with scoped_to(db, tenant.id):
        resident = Resident(
            dni_digest=digest,
            user_id=user.id,
            method="census",
            verified_at=utcnow(),
            born_on=born_on if known_birth else None,
        )
        db.add(resident)
        db.flush()
    return Person(dni, born_on, geozone_code, digest, user, resident)


def years_ago(years: int, days: int = 0) -> date:
    """The Lima date ``years`` years ago, ``days`` later (a birthday tomorrow: days=1)."""
    today = lima_today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day + timedelta(days=days)
