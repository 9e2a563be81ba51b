"""Demo debates, proposals, supports, votes and comments, so a demo instance looks lived in.

Everything is invented. Each item is found by its title before it is created, so loading the
demo again adds nothing twice; counters are set from the rows written with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.answers.models import Office, ProposalAnswer
from app.census.models import CensusEntry
from app.comments.models import Comment
from app.content.models import Tag
from app.db import scoped_to, utcnow
from app.debates.models import Debate, DebateVote
from app.demo_people import demo_email
from app.geozones.models import Geozone
from app.notifications.service import follow
from app.proposals.models import Proposal, ProposalSupport
from app.tenants.models import Tenant
from app.verification.service import claim_resident, resident_of

TAGS = (
    "Agua",
    "Salud",
    "Educación",
    "Transporte",
    "Medio ambiente",
    "Cultura",
    "Seguridad ciudadana",
    "Agricultura",
)
# Residents of the demo census who took part (verified accounts with no password: they cannot
# sign in, they only give the demo its supports and votes).
NEIGHBOURS = (
    "Rosa Huamán Castillo",
    "José Rodríguez Alvarado",
    "Carmen Quispe Vega",
    "Luis Alberto Cruz",
    "Marleni Sánchez Polo",
    "Wilmer Chávez Ruiz",
    "Yolanda Rebaza León",
    "Segundo Paredes Gil",
    "Flor de María Ávila",
    "Édgar Moreno Tello",
    "Nelly Vásquez Ríos",
    "Teófilo Guevara Luján",
)
SUPPORTS_NEEDED = 12  # the demo goal: every neighbour supporting reaches it
OFFICE = "Gerencia de Planeamiento"  # the demo official's office (app.demo_people)


@dataclass(frozen=True)
class DebateSpec:
    title: str
    body: str
    tags: tuple[str, ...]
    zone: int | None
    author: str
    agree: int
    disagree: int
    comments: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProposalSpec:
    title: str
    summary: str
    body: str
    tags: tuple[str, ...]
    zone: int | None
    author: str
    supports: int
    state: str = "open"  # open, awaiting (answer due), overdue, answered, archived
    age_days: int = 20
    comments: tuple[tuple[str, str], ...] = field(default=())


DEBATES = (
    DebateSpec(
        "¿Deberían cerrarse al tránsito las calles del centro histórico los domingos?",
        "Cada domingo el centro de {lugar} se llena de familias, pero también de combis y "
        "mototaxis. Otras ciudades del país cierran sus centros al tránsito los fines de "
        "semana y el comercio no ha caído.\n\n¿Lo probamos aquí? ¿Qué calles incluirían y "
        "cómo llegarían los vecinos que viven dentro?",
        ("Transporte", "Medio ambiente"),
        0,
        "vecina",
        7,
        3,
        (
            ("n1", "Sí, pero con un horario claro: de 8 a 14 horas, como en otras ciudades."),
            ("n4", "Los bodegueros del centro deberían poder opinar antes de decidirlo."),
        ),
    ),
    DebateSpec(
        "El agua llega solo tres horas al día: ¿reservorios por sector o cisternas?",
        "En varios sectores de {zona} el agua potable llega de madrugada y por pocas horas. "
        "Se habla de construir reservorios elevados por sector, pero tardarían años.\n\n"
        "Mientras tanto, ¿conviene un servicio de cisternas con horario público? "
        "Compartan cómo lo resuelven en su barrio.",
        ("Agua",),
        1,
        "n2",
        9,
        1,
        (
            ("n3", "En mi calle juntamos para un tanque comunitario y funciona bien."),
            ("vecina", "Las cisternas deberían publicar su ruta en este portal."),
            (
                "n6",
                "Reservorios, sin duda: las cisternas son caras y el agua no siempre es segura.",
            ),
        ),
    ),
    DebateSpec(
        "¿Enseñanza de quechua en las escuelas públicas de {lugar}?",
        "Muchos de nuestros abuelos hablan quechua y los niños ya no lo entienden. Proponemos "
        "debatir si las escuelas públicas deberían ofrecer quechua como curso, al menos en "
        "primaria.\n\n*Allinmi kanman* — sería bueno, dicen en las comunidades de altura.",
        ("Educación", "Cultura"),
        None,
        "organizacion",
        8,
        2,
        (("n5", "Mi hija lo aprendería con gusto si hubiera docentes preparados."),),
    ),
    DebateSpec(
        "Ferias agropecuarias mensuales en la plaza: ¿dónde y cuándo?",
        "Los productores de {zona} venden a intermediarios a precios bajos. Una feria mensual "
        "en la plaza permitiría vender directo a las familias.\n\n¿Qué día de la semana "
        "conviene más y qué productos no pueden faltar?",
        ("Agricultura",),
        2,
        "n7",
        5,
        0,
        (),
    ),
    DebateSpec(
        "Cámaras de vigilancia o más serenazgo a pie: ¿qué nos da más seguridad?",
        "Después de los robos en los paraderos, unos vecinos piden cámaras y otros prefieren "
        "que el presupuesto vaya a más serenos caminando por los barrios.\n\n¿Qué ha funcionado "
        "en su zona?",
        ("Seguridad ciudadana",),
        3,
        "vecino",
        4,
        5,
        (("n8", "Las cámaras sirven si alguien las mira; si no, son adorno."),),
    ),
    DebateSpec(
        "¿Cómo recuperamos las áreas verdes abandonadas del barrio?",
        "Hay parques en {zona} que son basurales. Algunas juntas vecinales los han recuperado "
        "con faenas comunales y plantones donados.\n\n¿Debería la municipalidad dar los "
        "plantones y el agua de riego si los vecinos ponen el trabajo?",
        ("Medio ambiente",),
        4,
        "n9",
        6,
        1,
        (),
    ),
)

PROPOSALS = (
    ProposalSpec(
        "Botiquín comunal y promotor de salud en cada centro poblado",
        "Un botiquín con medicinas básicas y un promotor de salud capacitado en cada centro "
        "poblado alejado.",
        "En los caseríos de {zona} la posta más cercana está a horas de camino. Proponemos un "
        "botiquín comunal con medicinas esenciales y un promotor de salud elegido por la "
        "comunidad y capacitado por la red de salud.\n\n- Reposición trimestral de medicinas.\n"
        "- Capacitación anual del promotor.\n- Reporte público de lo entregado.",
        ("Salud",),
        5,
        "vecina",
        12,
        "awaiting",
        40,
        (("n1", "Esto salvaría vidas en época de lluvias, cuando se cortan los caminos."),),
    ),
    ProposalSpec(
        "Iluminación solar para los paraderos de {lugar}",
        "Instalar luminarias solares en los paraderos sin alumbrado para viajar más seguros de "
        "noche.",
        "Muchos paraderos quedan a oscuras desde las seis de la tarde. Las luminarias solares "
        "no pagan recibo de luz y se instalan en días.\n\nProponemos empezar por los 20 "
        "paraderos con más denuncias de robo y publicar el avance aquí.",
        ("Seguridad ciudadana", "Transporte"),
        3,
        "n3",
        12,
        "overdue",
        120,
        (
            ("n2", "¿Ya hay respuesta? Se cumplió el plazo hace semanas."),
            ("vecino", "Sigo esperando lo mismo."),
        ),
    ),
    ProposalSpec(
        "Biblioteca itinerante para las escuelas rurales",
        "Una camioneta con libros que visite cada mes las escuelas rurales y las comunidades.",
        "Las escuelas rurales de {lugar} casi no tienen libros. Una biblioteca itinerante, con "
        "un bibliotecario y cuentacuentos en castellano y quechua, podría visitar cada escuela "
        "una vez al mes.",
        ("Educación", "Cultura"),
        6,
        "organizacion",
        12,
        "answered",
        150,
    ),
    ProposalSpec(
        "Programa de cosecha de agua de lluvia en las zonas altas",
        "Qochas y zanjas de infiltración para guardar el agua de lluvia y tener riego en estiaje.",
        "Cada año perdemos el agua de las lluvias y en estiaje no hay para regar. Proponemos "
        "construir qochas rústicas y zanjas de infiltración con las comunidades, con asistencia "
        "técnica de la agencia agraria.",
        ("Agua", "Agricultura", "Medio ambiente"),
        7,
        "n4",
        8,
        "open",
        30,
        (("n5", "En Cajamarca funcionó muy bien, hay experiencias para copiar."),),
    ),
    ProposalSpec(
        "Ciclovía segura entre los barrios y el centro",
        "Una ciclovía protegida que una los barrios con el centro, con estacionamientos para "
        "bicicletas.",
        "Cada vez más trabajadores y estudiantes usan bicicleta, pero las pistas son "
        "peligrosas. Una ciclovía protegida, con señalización y estacionamientos, reduciría "
        "accidentes y gastos de pasaje.",
        ("Transporte", "Medio ambiente"),
        0,
        "n6",
        5,
        "open",
        15,
    ),
    ProposalSpec(
        "Campaña de vacunación y esterilización de mascotas",
        "Jornadas gratuitas de vacunación antirrábica y esterilización en cada barrio.",
        "Los perros sin dueño aumentan y con ellos las mordeduras. Proponemos jornadas "
        "gratuitas mensuales de vacunación y esterilización, rotando por los barrios.",
        ("Salud",),
        1,
        "n7",
        3,
        "open",
        10,
    ),
    ProposalSpec(
        "Festival anual de danzas y música de {lugar}",
        "Un festival que reúna a las agrupaciones de danza y música de toda la provincia.",
        "Las agrupaciones de marinera, huaylas y danzas de tijeras ensayan todo el año sin un "
        "escenario. Un festival anual, con premios y transmisión por radio, daría a conocer "
        "nuestra cultura.",
        ("Cultura",),
        None,
        "n8",
        1,
        "open",
        5,
    ),
    ProposalSpec(
        "Contenedores para separar residuos en los mercados",
        "Contenedores de colores y recojo diferenciado en los mercados de abastos.",
        "Los mercados producen toneladas de residuos orgánicos que podrían ser compost. "
        "Proponemos contenedores de colores y un recojo diferenciado.",
        ("Medio ambiente",),
        2,
        "n9",
        2,
        "archived",
        400,
    ),
)


def _users(session: Session, tenant: Tenant) -> dict[str, User]:
    """The people the demo content is written by: demo accounts and verified neighbours."""
    people: dict[str, User] = {}
    for local in ("vecina", "vecino", "organizacion"):
        email = demo_email(local, tenant)
        account = session.scalars(select(User).where(User.email == email)).one_or_none()
        if account is not None:
            people[local] = account
    # The last census rows: the first ones back the role accounts and the sample resident.
    digests = list(
        session.scalars(
            select(CensusEntry.dni_digest).order_by(CensusEntry.id.desc()).limit(len(NEIGHBOURS))
        )
    )
    for number, (name, digest) in enumerate(zip(NEIGHBOURS, digests, strict=False), start=1):
        email = demo_email(f"residente{number:02d}", tenant)
        user = session.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None:
            user = User(email=email, display_name=name, email_confirmed_at=utcnow())
            session.add(user)
            session.flush()
            claim_resident(session, user, digest, "census")
        people[f"n{number}"] = user
    return people


def _tags(session: Session) -> dict[str, Tag]:
    existing = {tag.name: tag for tag in session.scalars(select(Tag))}
    for name in TAGS:
        if name not in existing:
            existing[name] = Tag(name=name)
            session.add(existing[name])
    session.flush()
    return existing


def _voters(people: dict[str, User]) -> list[User]:
    return [user for key, user in people.items() if key.startswith("n") or key == "vecina"]


def _add_comments(
    session: Session,
    people: dict[str, User],
    target_type: str,
    target_id: int,
    comments: tuple[tuple[str, str], ...],
    start: datetime,
) -> int:
    added = 0
    for index, (author, body) in enumerate(comments):
        user = people.get(author)
        if user is None:
            continue
        session.add(
            Comment(
                target_type=target_type,
                target_id=target_id,
                author_id=user.id,
                author_badge="organization" if user.is_organization else None,
                body=body,
                created_at=start + timedelta(hours=6 * (index + 1)),
            )
        )
        added += 1
    session.flush()
    return added


def _debate(
    session: Session,
    spec: DebateSpec,
    people: dict[str, User],
    tags: dict[str, Tag],
    zones: list[Geozone],
    place: str,
    index: int,
) -> None:
    zone = zones[spec.zone % len(zones)] if spec.zone is not None and zones else None
    words = {"lugar": place, "zona": zone.name if zone else place}
    title = spec.title.format(**words)
    if session.scalars(select(Debate.id).where(Debate.title == title)).first() is not None:
        return
    author = people.get(spec.author)
    if author is None:
        return
    created = utcnow() - timedelta(days=3 + 4 * index)
    debate = Debate(
        author_id=author.id,
        title=title,
        body=spec.body.format(**words),
        geozone_id=zone.id if zone else None,
        tags=[tags[name] for name in spec.tags],
        created_at=created,
        last_activity_at=created,
        votes_agree=0,
        votes_disagree=0,
        votes_total=0,
        comments_count=0,
    )
    session.add(debate)
    session.flush()
    follow(session, author.id, "debate", debate.id)
    voters = _voters(people)
    values = [1] * spec.agree + [-1] * spec.disagree
    for voter, value in zip(voters, values, strict=False):
        session.add(DebateVote(debate_id=debate.id, user_id=voter.id, value=value))
        debate.votes_agree += 1 if value == 1 else 0
        debate.votes_disagree += 1 if value == -1 else 0
        debate.votes_total += 1
    debate.comments_count = _add_comments(
        session, people, "debate", debate.id, spec.comments, created
    )
    if debate.votes_total or debate.comments_count:
        debate.last_activity_at = created + timedelta(days=2)
    session.flush()


def _office(session: Session) -> Office:
    office = session.scalars(select(Office).where(Office.name == OFFICE)).one_or_none()
    if office is None:
        office = Office(name=OFFICE)
        session.add(office)
        session.flush()
    return office


def _answer_state(
    session: Session, proposal: Proposal, state: str, people: dict[str, User], today: date
) -> None:
    """Successful proposals: one waiting within its due date, one overdue, one answered."""
    if state == "archived":
        proposal.state = "archived"
        proposal.deadline_at = utcnow() - timedelta(days=30)
        proposal.archived_at = proposal.deadline_at
        return
    if state == "open":
        return
    proposal.state = "successful"
    proposal.successful_at = proposal.created_at + timedelta(days=10)
    proposal.office_id = _office(session).id
    proposal.assigned_at = proposal.successful_at + timedelta(days=1)
    due = {"awaiting": today + timedelta(days=12), "overdue": today - timedelta(days=15)}
    proposal.answer_due_on = due.get(state, proposal.successful_at.date() + timedelta(days=42))
    if state == "answered":
        answered = proposal.successful_at + timedelta(days=30)
        session.add(
            ProposalAnswer(
                proposal_id=proposal.id,
                status="accepted",
                body=(
                    "La propuesta es viable. La biblioteca itinerante se incluirá en el plan "
                    "operativo del próximo año, con un primer recorrido por diez escuelas "
                    "rurales. Publicaremos aquí cada avance."
                ),
                official_name="Funcionaria Demo",
                office_name=OFFICE,
                created_at=answered,
            )
        )
        proposal.answer_status = "accepted"
        proposal.answered_at = answered


def _proposal(
    session: Session,
    spec: ProposalSpec,
    people: dict[str, User],
    tags: dict[str, Tag],
    zones: list[Geozone],
    place: str,
    today: date,
) -> None:
    zone = zones[spec.zone % len(zones)] if spec.zone is not None and zones else None
    words = {"lugar": place, "zona": zone.name if zone else place}
    title = spec.title.format(**words)
    if session.scalars(select(Proposal.id).where(Proposal.title == title)).first() is not None:
        return
    author = people.get(spec.author)
    if author is None:
        return
    created = utcnow() - timedelta(days=spec.age_days)
    proposal = Proposal(
        author_id=author.id,
        title=title,
        summary=spec.summary.format(**words),
        body=spec.body.format(**words),
        geozone_id=zone.id if zone else None,
        tags=[tags[name] for name in spec.tags],
        created_at=created,
        last_activity_at=created,
        deadline_at=created + timedelta(days=365),
        supports_needed=SUPPORTS_NEEDED,
        supports_count=0,
        comments_count=0,
        state="open",
    )
    session.add(proposal)
    session.flush()
    follow(session, author.id, "proposal", proposal.id)
    supporters = [user for key, user in people.items() if key.startswith("n")]
    for user in supporters[: spec.supports]:
        resident = resident_of(session, user.id)
        if resident is None:
            continue
        session.add(
            ProposalSupport(proposal_id=proposal.id, resident_id=resident.id, user_id=user.id)
        )
        proposal.supports_count += 1
        follow(session, user.id, "proposal", proposal.id)
    session.flush()
    _answer_state(session, proposal, spec.state, people, today)
    proposal.comments_count = _add_comments(
        session, people, "proposal", proposal.id, spec.comments, created
    )
    proposal.last_activity_at = created + timedelta(days=min(spec.age_days, 12) // 2)
    session.flush()


def load_demo_content(session: Session, tenant: Tenant) -> None:
    """Topics, debates and proposals of one demo instance (what exists already is kept)."""
    place = tenant.name.replace("Gobierno Regional ", "").replace(
        "Municipalidad Provincial de ", ""
    )
    with scoped_to(session, tenant.id):
        people = _users(session, tenant)
        tags = _tags(session)
        zones = list(session.scalars(select(Geozone).order_by(Geozone.code)))
        for index, debate in enumerate(DEBATES):
            _debate(session, debate, people, tags, zones, place, index)
        today = utcnow().date()
        for proposal in PROPOSALS:
            _proposal(session, proposal, people, tags, zones, place, today)
        session.flush()
