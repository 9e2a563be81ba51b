"""Generated data for the polls benchmark: an instance, its census, residents and open polls.

The tenant and the polls are made with the ORM (a handful of rows); people and the extra
ballots of the tally measurement are loaded with COPY (bench/bulk_load.py), never through the
services, so only casting and counting are timed. Every voter is a verified resident with a
census entry in one of the poll's geozones and a date of birth, so every eligibility check the
service makes is really made.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.geozones.models import Geozone
from app.polls.models import Poll, PollAnswer, PollQuestion
from app.tenants.schemas import TenantCreate
from app.tenants.service import create_tenant
from bench.bulk_load import BulkLoader

PROVINCES = (("1301", "Trujillo"), ("1306", "Otuzco"), ("1304", "Chepén"), ("1312", "Virú"))
# One question of each kind, as the issue asks: answers per question and how many may be chosen.
QUESTIONS = (
    ("single", "¿Dónde debe construirse el nuevo hospital regional?", 4, 1),
    ("multiple", "¿Qué dos obras viales son prioritarias?", 6, 2),
    ("ranked", "Ordena los proyectos de agua potable por prioridad", 5, 5),
)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class PollShape:
    """A poll's ids: enough to write ballots for it without asking the database."""

    poll_id: int
    questions: tuple[tuple[int, str, tuple[int, ...], int], ...]  # id, kind, answer ids, max


def dni_digest(number: int) -> str:
    """The stand-in for a person's keyed DNI digest (residents and census share it)."""
    return hashlib.sha256(f"bench-dni-{number}".encode()).hexdigest()


def create_instance(url: str) -> tuple[int, list[int]]:
    """Migrate the empty database; create the tenant and its geozones through the ORM."""
    upgrade_database(url)
    engine = make_engine(url)
    session = platform_session(make_sessionmaker(engine))
    try:
        tenant = create_tenant(
            session,
            TenantCreate(slug="bench", name="Gobierno Regional La Libertad", hosts=["127.0.0.1"]),
        )
        with scoped_to(session, tenant.id):
            zones = [Geozone(code=code, name=name, kind="urban") for code, name in PROVINCES]
            session.add_all(zones)
            session.flush()
        session.commit()
        return tenant.id, [zone.id for zone in zones]
    finally:
        session.close()
        engine.dispose()


def create_poll(url: str, tenant_id: int, zone_ids: list[int], title: str) -> PollShape:
    """A published poll, open for a week, for residents of 16 or more of the listed geozones."""
    engine = make_engine(url)
    session = platform_session(make_sessionmaker(engine))
    now = datetime.now(UTC)
    try:
        with scoped_to(session, tenant_id):
            poll = Poll(
                title=title,
                summary="Consulta ciudadana de prueba de carga",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=7),
                min_age=16,
                published_at=now - timedelta(days=1),
                ballot_salt=secrets.token_hex(32),
            )
            session.add(poll)
            session.flush()
            zones = session.query(Geozone).filter(Geozone.id.in_(zone_ids)).all()
            session.execute(
                Poll.metadata.tables["poll_geozones"].insert(),
                [{"poll_id": poll.id, "geozone_id": zone.id} for zone in zones],
            )
            shape = []
            for position, (kind, text, answers, most) in enumerate(QUESTIONS):
                question = PollQuestion(
                    poll_id=poll.id, position=position, title=text, kind=kind, max_choices=most
                )
                session.add(question)
                session.flush()
                rows = [
                    PollAnswer(question_id=question.id, position=i, title=f"Opción {i + 1}")
                    for i in range(answers)
                ]
                session.add_all(rows)
                session.flush()
                shape.append((question.id, kind, tuple(row.id for row in rows), most))
        session.commit()
        return PollShape(poll.id, tuple(shape))
    finally:
        session.close()
        engine.dispose()


def load_people(url: str, tenant_id: int, residents: int, census: int, seed: int) -> None:
    """Census entries 0..census-1; the first ``residents`` of them also verified accounts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = date.today()
    oldest = (today - timedelta(days=90 * 365)).toordinal()
    span = (today - timedelta(days=18 * 366)).toordinal() - oldest
    codes = [code for code, _name in PROVINCES]
    flags = (False, False, False)  # not an organization, not made by the desk, no e-mails

    def born(days: int) -> date:
        return date.fromordinal(oldest + days)

    loader = BulkLoader(url)
    try:
        loader.insert(
            "census_entries",
            ("id", "tenant_id", "dni_digest", "birth_digest", "geozone_code", "updated_at"),
            (
                (i + 1, tenant_id, dni_digest(i), dni_digest(-i - 1), rng.choice(codes), now)
                for i in range(census)
            ),
        )
        loader.insert(
            "users",
            (
                *("id", "tenant_id", "email", "email_confirmed_at", "display_name"),
                *("is_organization", "created_by_desk", "email_notifications", "created_at"),
            ),
            (
                (i + 1, tenant_id, f"votante{i}@bench.test", now, f"Votante {i}", *flags, now)
                for i in range(residents)
            ),
        )
        loader.insert(
            "residents",
            ("id", "tenant_id", "dni_digest", "user_id", "method", "verified_at", "born_on"),
            (
                (i + 1, tenant_id, dni_digest(i), i + 1, "census", now, born(rng.randrange(span)))
                for i in range(residents)
            ),
        )
        loader.finish(("census_entries", "users", "residents"))
    finally:
        loader.close()


def random_choices(rng: random.Random, shape: PollShape) -> dict[int, list[int]]:
    """A plausible ballot: skewed preferences, sometimes fewer answers than allowed."""
    choices: dict[int, list[int]] = {}
    for question_id, kind, answers, most in shape.questions:
        # Squaring the draw favours the first answers, as real votes favour a few options.
        ordered = sorted(answers, key=lambda _a: rng.random() ** 2 + answers.index(_a) * 0.15)
        if kind == "single":
            choices[question_id] = [ordered[0]]
        elif kind == "multiple":
            choices[question_id] = ordered[: rng.randint(1, most)]
        else:
            choices[question_id] = ordered[: rng.randint(2, most)]
    return choices


def encode_choices(shape: PollShape, choices: dict[int, list[int]]) -> str:
    """The ballot's stored text (see PollBallot): ``12:40,41;13:45>43>44``."""
    parts = []
    for question_id, kind, _answers, _most in shape.questions:
        separator = ">" if kind == "ranked" else ","
        parts.append(f"{question_id}:{separator.join(str(a) for a in choices[question_id])}")
    return ";".join(parts)


def receipt_code(rng: random.Random) -> str:
    """A random receipt in readable groups, like the service's (60 bits, Crockford base32)."""
    value = rng.getrandbits(60)
    code = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(0, 60, 5))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def load_extra_ballots(
    url: str, tenant_id: int, shape: PollShape, first_voter: int, count: int, seed: int
) -> None:
    """``count`` web ballots and their roll entries written straight to the tables (COPY)."""
    rng = random.Random(seed)
    today = date.today()
    loader = BulkLoader(url)

    def ballots() -> Iterator[tuple[object, ...]]:
        for _ in range(count):
            choices = encode_choices(shape, random_choices(rng, shape))
            tag = f"{rng.getrandbits(128):032x}"  # as long as the service's tags
            yield (receipt_code(rng), tenant_id, shape.poll_id, "web", choices, tag)

    try:
        loader.insert(
            "poll_voters",
            ("tenant_id", "poll_id", "voter_key", "channel", "voted_on"),
            (
                (tenant_id, shape.poll_id, dni_digest(i), "web", today)
                for i in range(first_voter, first_voter + count)
            ),
        )
        loader.insert(
            "poll_ballots",
            ("receipt", "tenant_id", "poll_id", "channel", "choices", "replace_tag"),
            ballots(),
        )
        loader.finish(())
    finally:
        loader.close()
