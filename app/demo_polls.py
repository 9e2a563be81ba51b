"""Demo polls of one instance: one open with a voting booth, one closed with results, one to come.

Made through the same services an official and the voters use (poll editor, booths, ballots,
closing), so the demo shows what real use leaves behind. The closed poll is given dates in the
past and its ballots are cast at a moment inside its voting period; closing then destroys the
ballot key as it always does. Loading again changes nothing: a poll whose title exists is kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authz.principal import Principal
from app.db import scoped_to, utcnow
from app.demo_people import demo_email
from app.geozones.models import Geozone
from app.polls.ballots import cast_web_ballot, web_voter
from app.polls.booths import BoothData, assign_officer, save_booth
from app.polls.closing import close_poll, erase_replacement_tags
from app.polls.models import Poll
from app.polls.repository import answers_by_question, questions_of
from app.polls.schemas import PollForm, QuestionForm
from app.polls.service import add_question, create_poll, publish_poll
from app.tenants.models import Tenant
from app.verification.models import Resident


@dataclass(frozen=True)
class DemoQuestion:
    kind: str
    title: str
    answers: tuple[str, ...]
    max_choices: int | None = None


@dataclass(frozen=True)
class DemoPoll:
    title: str
    summary: str
    description: str
    questions: tuple[DemoQuestion, ...]
    opens_in_days: int
    closes_in_days: int
    min_age: int | None = None


OPEN = DemoPoll(
    "Presupuesto participativo 2027: ¿en qué invertimos en {lugar}?",
    "Elige la obra prioritaria, los servicios que deben mejorar y el orden de los proyectos "
    "culturales.",
    "El resultado orienta el presupuesto participativo del próximo año. Puedes votar en línea "
    "o en la mesa de votación de la Plaza de Armas, y cambiar tu voto en línea hasta el cierre: "
    "solo cuenta el último.",
    (
        DemoQuestion(
            "single",
            "¿Qué obra debe hacerse primero?",
            ("Agua potable y desagüe", "Pistas y veredas", "Posta médica", "Losa deportiva"),
        ),
        DemoQuestion(
            "multiple",
            "¿Qué dos servicios municipales deben mejorar?",
            ("Recojo de basura", "Serenazgo", "Alumbrado público", "Parques y jardines"),
            2,
        ),
        DemoQuestion(
            "ranked",
            "Ordena los proyectos culturales según tu preferencia",
            ("Biblioteca itinerante", "Talleres de quechua", "Museo comunitario", "Festival"),
        ),
    ),
    -5,
    25,
)
CLOSED = DemoPoll(
    "Consulta vecinal: horario de la feria dominical",
    "¿En qué horario debe funcionar la feria y qué debe ofrecer?",
    "La feria dominical de productores se mudó a la alameda. Esta consulta decidió su horario.",
    (
        DemoQuestion(
            "single",
            "¿En qué horario debe funcionar la feria?",
            ("De 6:00 a 12:00", "De 8:00 a 14:00", "De 10:00 a 16:00"),
        ),
        DemoQuestion(
            "ranked",
            "Ordena lo que más te importa encontrar en la feria",
            ("Productos orgánicos", "Comida típica", "Artesanía", "Precios bajos"),
        ),
    ),
    -30,
    -2,
)
UPCOMING = DemoPoll(
    "Nombre del nuevo parque de {lugar}",
    "Propón y vota el nombre del parque que se inaugura el próximo año.",
    "Pueden votar las personas de 16 años o más empadronadas en la provincia.",
    (
        DemoQuestion(
            "single",
            "¿Qué nombre debe llevar el parque?",
            ("Parque de la Amistad", "Parque Chan Chan", "Parque de los Niños"),
        ),
    ),
    10,
    40,
    16,
)
# The closed poll's voters (in the order of the verified demo residents) and their ballots:
# an answer index for each question, or the ranking as indexes.
CLOSED_BALLOTS = ((0, (0, 1, 3)), (1, (1, 0)), (0, (0, 3, 1, 2)), (0, (3, 0)), (2, (2,)))


def load_demo_polls(session: Session, tenant: Tenant) -> None:
    """The three demo polls of one instance (what exists already is kept)."""
    place = tenant.name.replace("Gobierno Regional ", "").replace(
        "Municipalidad Provincial de ", ""
    )
    with scoped_to(session, tenant.id):
        author = _account(session, "funcionaria", tenant)
        if author is None:
            return
        now = utcnow()
        open_poll = _poll(session, OPEN, author, place, now)
        if open_poll is not None:
            _booth(session, tenant, open_poll, now)
        closed = _poll(session, CLOSED, author, place, now)
        if closed is not None:
            _vote_and_close(session, tenant, closed, now)
        _poll(session, UPCOMING, author, place, now)
        session.flush()


def _account(session: Session, local: str, tenant: Tenant) -> User | None:
    email = demo_email(local, tenant)
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def _poll(session: Session, spec: DemoPoll, author: User, place: str, now: datetime) -> Poll | None:
    """A new published poll, or None if it was loaded before."""
    title = spec.title.format(lugar=place)
    if session.scalars(select(Poll.id).where(Poll.title == title)).first() is not None:
        return None
    opens_at = now + timedelta(days=spec.opens_in_days)
    form = PollForm(
        title=title,
        summary=spec.summary,
        description=spec.description,
        opens_at=opens_at,
        closes_at=now + timedelta(days=spec.closes_in_days),
        min_age=spec.min_age,
    )
    poll = create_poll(session, author.id, form)
    for question in spec.questions:
        add_question(
            session,
            poll,
            QuestionForm(
                kind=question.kind,
                title=question.title,
                answers="\n".join(question.answers),
                max_choices=question.max_choices,
            ),
        )
    # Published the day before voting opened, as an official would have done.
    publish_poll(session, poll, min(now, opens_at - timedelta(days=1)))
    return poll


def _booth(session: Session, tenant: Tenant, poll: Poll, now: datetime) -> None:
    zone = session.scalars(select(Geozone).order_by(Geozone.code)).first()
    booth = save_booth(
        session,
        poll,
        BoothData(
            name="Mesa de la Plaza de Armas",
            place="Local municipal, Plaza de Armas (primer piso)",
            geozone_id=zone.id if zone else None,
            opens_at=poll.opens_at,
            closes_at=poll.closes_at,
        ),
    )
    officer = _account(session, "personero", tenant)
    if officer is not None:
        assign_officer(session, booth, officer.id)


def _vote_and_close(session: Session, tenant: Tenant, poll: Poll, now: datetime) -> None:
    """A few verified residents vote (a week before closing), then the poll is closed."""
    questions = questions_of(session, poll.id)
    answers = answers_by_question(session, [question.id for question in questions])
    voters = session.execute(
        select(User.id, User.display_name, Resident.id)
        .join(Resident, Resident.user_id == User.id)
        .order_by(Resident.id)
        .limit(len(CLOSED_BALLOTS))
    ).all()
    # The key behind replacement tags is destroyed at closing, so any secret serves here.
    secret = secrets.token_urlsafe(32)
    voted_at = poll.closes_at - timedelta(days=7)
    for (user_id, name, resident_id), (single, ranking) in zip(
        voters, CLOSED_BALLOTS, strict=False
    ):
        principal = Principal(user_id=user_id, display_name=name, resident_id=resident_id)
        voter = web_voter(session, principal, secret)
        if voter is None:
            continue
        first, ranked = questions
        choices = {
            first.id: [answers[first.id][single].id],
            ranked.id: [answers[ranked.id][index].id for index in ranking],
        }
        cast_web_ballot(session, poll, voter, choices, secret, voted_at)
    close_poll(session, poll, now)
    erase_replacement_tags(session)  # the job worker would do it within the minute
