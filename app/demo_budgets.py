"""The demo participatory budgets of La Libertad: the whole region and one heading per province.

Made through the services an administrator, a valuator and a poll officer use, so the demo
shows what real use leaves behind:

- 2027, published and **accepting projects**: a few proposals waiting for review;
- 2026, **finished**: projects admitted or rejected with a reason, supports, valuations with
  prices, paper ballots from the booths, results counted by the budget's own tally and
  published, and the funded projects' execution with milestones.

Loading again changes nothing: a budget of the same year is kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.sessions import principal_for_user
from app.authz.principal import Principal
from app.budgets.executions import ExecutionForm, MilestoneForm, add_milestone, update_execution
from app.budgets.models import PHASES, Budget, BudgetGroup, BudgetHeading, BudgetProject
from app.budgets.paper_ballots import record_paper_ballot
from app.budgets.project_forms import ProjectForm, ReviewForm
from app.budgets.projects import create_project, review_project
from app.budgets.results import publish_results
from app.budgets.schemas import BudgetForm, GroupForm, HeadingForm, PhaseForm
from app.budgets.service import (
    create_budget,
    create_group,
    create_heading,
    move_phase,
    publish_budget,
    update_phases,
)
from app.budgets.supports import support_project
from app.budgets.valuation import ValuationForm, assign_valuator, select_for_ballot, valuate
from app.census.models import CensusEntry
from app.db import scoped_to
from app.demo_people import demo_email
from app.geozones.models import Geozone
from app.polls.eligibility import Voter
from app.tenants.models import Tenant
from app.verification.models import Resident

REGION_SLUG = "lalibertad"
NAME = "Presupuesto participativo La Libertad 2027"
NAME_2026 = "Presupuesto participativo La Libertad 2026"
REGION = "region"  # the key of the region-wide heading in the project lists below
DESCRIPTION = (
    "El Gobierno Regional de La Libertad destina parte de su presupuesto de inversión de {year} "
    "a proyectos que proponen y eligen sus habitantes.\n\n"
    "- **Toda la región**: proyectos que benefician a más de una provincia.\n"
    "- **Por provincia**: cada provincia tiene su propia partida; puedes apoyar y votar "
    "proyectos de una sola provincia."
)
# Population of each province (ubigeo code), rounded to thousands. NOT VERIFIED: the search
# tools available when this was written gave no INEI table by province, so these are
# approximations of the 2017 census; replace them with INEI's "Resultados definitivos" for
# La Libertad before using them for anything but a demo. The region's total is verified.
POPULATION = {
    "1301": 970_000,
    "1302": 116_000,
    "1303": 16_000,
    "1304": 85_000,
    "1305": 28_000,
    "1306": 88_000,
    "1307": 98_000,
    "1308": 86_000,
    "1309": 144_000,
    "1310": 57_000,
    "1311": 30_000,
    "1312": 120_000,
}
# INEI, Censos Nacionales 2017: 1 778 080 inhabitants of La Libertad (population counted plus
# omitted), as published by INEI and quoted by Gestión and TV Perú on 25 June 2018.
REGION_POPULATION = 1_778_080
REGION_AMOUNT = 20_000_000
PHASE_TEXTS = {
    "informing": "Conoce cómo funciona el presupuesto participativo y cuánto dinero hay.",
    "accepting": "Propón proyectos de inversión para toda la región o para tu provincia.",
    "reviewing": "El equipo técnico revisa que cada proyecto sea competencia del gobierno "
    "regional.",
    "selecting": "Apoya los proyectos que te parezcan más necesarios.",
    "valuating": "Los evaluadores estiman el costo y la viabilidad de cada proyecto.",
    "publishing_prices": "Se publican los costos y las evaluaciones.",
    "balloting": "Vota los proyectos que quieres financiar, en línea o en las mesas.",
    "reviewing_ballots": "Se revisan los votos y las cédulas en papel.",
    "finished": "Se publican los proyectos ganadores y su ejecución.",
}

# 2027, accepting: (heading, author, title, description, location)
PROPOSALS_2027 = (
    (
        REGION,
        "vecina",
        "Red regional de alerta temprana ante huaicos",
        "Sensores de lluvia y caudal en las quebradas de Virú, Moche y Chicama, con sirenas "
        "y mensajes de texto a los centros poblados en riesgo.",
        "Quebradas de la costa liberteña",
    ),
    (
        "1301",
        "organizacion",
        "Ciclovía segura entre El Porvenir y el centro de Trujillo",
        "Cinco kilómetros de ciclovía segregada, con iluminación y cruces señalizados, para "
        "quienes van a trabajar o estudiar en bicicleta.",
        "Av. Pumacahua – Av. España, Trujillo",
    ),
    (
        "1306",
        "vecina",
        "Cobertizos para el ganado en las alturas de Usquil",
        "Cobertizos y bebederos para proteger a las alpacas y ovinos de las heladas, que cada "
        "año matan a cientos de crías.",
        "Centros poblados altoandinos de Usquil, Otuzco",
    ),
    (
        "1309",
        "organizacion",
        "Laboratorio de cómputo para el colegio de Sarín",
        "Treinta computadoras, conexión a internet y capacitación a los docentes del único "
        "colegio secundario del distrito.",
        "Sarín, Sánchez Carrión",
    ),
    (
        "1312",
        "vecina",
        "Reservorio y riego por goteo para Chao",
        "Un reservorio de 5 000 m³ y riego por goteo para 120 pequeños agricultores que hoy "
        "riegan por turnos una vez a la semana.",
        "Chao, Virú",
    ),
)


@dataclass(frozen=True)
class PastProject:
    heading: str
    author: str
    title: str
    description: str
    location: str
    price: int | None  # None: not admitted (reason) or unfeasible (explanation)
    valuation: str
    rejected: bool = False
    popularity: float = 0.5  # share of the heading's voters who mark it


PROJECTS_2026 = (
    PastProject(
        REGION,
        "vecina",
        "Hospital de apoyo de Huamachuco: equipamiento de emergencia",
        "Equipar la emergencia y la sala de partos del hospital que atiende a la sierra liberteña.",
        "Huamachuco",
        9_500_000,
        "Competencia regional (salud); el expediente técnico existe desde 2024.",
        popularity=0.7,
    ),
    PastProject(
        REGION,
        "organizacion",
        "Mantenimiento de la carretera Otuzco – Usquil",
        "Bacheo, cunetas y señalización de 38 km de la vía departamental.",
        "Otuzco – Usquil",
        7_800_000,
        "Vía departamental a cargo del gobierno regional; precio según el inventario vial.",
        popularity=0.55,
    ),
    PastProject(
        REGION,
        "vecina",
        "Becas regionales para estudiantes de institutos técnicos",
        "Doscientas becas anuales para jóvenes de las provincias de la sierra.",
        "Toda la región",
        None,
        "Las becas son gasto corriente, no inversión: no pueden pagarse con este presupuesto.",
        popularity=0.0,
    ),
    PastProject(
        REGION,
        "organizacion",
        "Planta de tratamiento de residuos sólidos del valle Chicama",
        "Una planta que reciba la basura de cinco distritos que hoy la queman al aire libre.",
        "Valle Chicama, Ascope",
        4_200_000,
        "Viable como proyecto mancomunado; el terreno es del gobierno regional.",
        popularity=0.45,
    ),
    PastProject(
        "1301",
        "organizacion",
        "Parque y losa deportiva en Alto Trujillo",
        "Un espacio público con juegos, árboles y una losa multiuso en el barrio C.",
        "Alto Trujillo, El Porvenir",
        1_150_000,
        "Viable; incluye el riego con agua tratada.",
        popularity=0.6,
    ),
    PastProject(
        "1301",
        "vecina",
        "Defensa ribereña del río Moche en Laredo",
        "Enrocado de 600 m para proteger viviendas y chacras de las crecidas.",
        "Laredo",
        2_900_000,
        "Viable; precio según el estudio de la Autoridad Nacional del Agua.",
        popularity=0.5,
    ),
    PastProject(
        "1301",
        "organizacion",
        "Serenazgo con cámaras en la Plaza de Armas",
        "Más cámaras y serenos en el centro histórico.",
        "Centro de Trujillo",
        None,
        "",
        rejected=True,
    ),
    PastProject(
        "1306",
        "vecina",
        "Agua potable para el caserío de Chuquizongo",
        "Captación, reservorio y conexiones domiciliarias para 85 familias.",
        "Chuquizongo, Usquil",
        520_000,
        "Viable; el caserío cedió el terreno de la captación.",
        popularity=0.7,
    ),
    PastProject(
        "1306",
        "organizacion",
        "Centro de acopio de papa nativa en Agallpampa",
        "Un almacén con selección y empaque para vender juntos a mejor precio.",
        "Agallpampa",
        380_000,
        "Viable; el precio incluye la balanza y la cámara de conservación.",
        popularity=0.5,
    ),
    PastProject(
        "1306",
        "vecina",
        "Puente peatonal sobre el río Chepino",
        "Un puente colgante para que los niños crucen a la escuela en época de lluvias.",
        "Charat",
        310_000,
        "Viable; duración según el estudio de suelos.",
        popularity=0.45,
    ),
    PastProject(
        "1309",
        "organizacion",
        "Mejoramiento del camino vecinal Huamachuco – Sanagorán",
        "Afirmado y alcantarillas en 12 km del camino vecinal.",
        "Sanagorán",
        980_000,
        "Viable en convenio con la municipalidad provincial.",
        popularity=0.6,
    ),
    PastProject(
        "1309",
        "vecina",
        "Invernaderos escolares en Curgos",
        "Biohuertos bajo techo para la alimentación escolar.",
        "Curgos",
        160_000,
        "Viable; lo ejecutaría la Gerencia de Agricultura.",
        popularity=0.4,
    ),
    PastProject(
        "1307",
        "organizacion",
        "Malecón de Puerto Pacasmayo",
        "Rehabilitar el malecón y sus rampas de acceso.",
        "Pacasmayo",
        690_000,
        "Viable; coordinado con la capitanía de puerto.",
        popularity=0.55,
    ),
    PastProject(
        "1307",
        "vecina",
        "Centro de salud mental comunitario en Guadalupe",
        "Adecuar un local para atender a la provincia sin viajar a Trujillo.",
        "Guadalupe",
        540_000,
        "Viable; el personal lo asigna la Gerencia Regional de Salud.",
        popularity=0.5,
    ),
)
# Execution of the funded projects, in funding order: status, progress, amount executed share.
EXECUTIONS = (
    ("works", 60, 55),
    ("tendering", 10, 0),
    ("finished", 100, 98),
    ("design", 15, 5),
)
VOTERS_2026 = 150  # the first census rows: the browser journeys use rows from 150 on


def province_amount(population: int) -> int:
    """A fixed part for every province and the rest by population, in thousands of soles."""
    return 400_000 + (population * 6 // 1000) * 1000


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


def _structure(session: Session, year: int, name: str, rule: str) -> dict[str, BudgetHeading]:
    """A published budget in its first phase; answers its headings by zone code (and REGION)."""
    budget = create_budget(
        session,
        BudgetForm(year=year, name=name, description=DESCRIPTION.format(year=year), rule=rule),
    )
    update_phases(
        session,
        budget,
        {
            kind: PhaseForm(
                starts_on=date(year, month, 1),
                ends_on=date(year, month, 28),
                description=PHASE_TEXTS[kind],
                enabled=True,
            )
            for month, kind in enumerate(PHASES, start=2)
        },
    )
    region = create_group(
        session,
        budget,
        GroupForm(name="Toda la región", max_supported_headings=1, max_balloted_headings=1),
    )
    headings = {
        REGION: create_heading(
            session,
            budget,
            region,
            HeadingForm(
                name="Región La Libertad", amount=REGION_AMOUNT, population=REGION_POPULATION
            ),
        )
    }
    provinces = create_group(
        session,
        budget,
        GroupForm(name="Por provincia", max_supported_headings=1, max_balloted_headings=1),
    )
    for zone in session.scalars(select(Geozone).order_by(Geozone.code)):
        if zone.code not in POPULATION:
            continue
        population = POPULATION[zone.code]
        heading = HeadingForm(
            name=zone.name,
            amount=province_amount(population),
            geozone_id=zone.id,
            population=population,
        )
        headings[zone.code] = create_heading(session, budget, provinces, heading)
    publish_budget(session, budget)
    session.flush()
    return headings


def _people(session: Session, tenant: Tenant) -> dict[str, User]:
    locals_ = ("admin", "vecina", "organizacion", "evaluador", "personero")
    emails = {demo_email(local, tenant): local for local in locals_}
    users = session.scalars(select(User).where(User.email.in_(emails)))
    return {emails[user.email]: user for user in users if user.email}


def _budget_2027(session: Session, people: dict[str, User]) -> None:
    headings = _structure(session, 2027, NAME, "equal_shares")
    budget = session.get_one(Budget, headings[REGION].budget_id)
    move_phase(session, budget.id, 1)
    for day, (code, author, title, description, location) in enumerate(PROPOSALS_2027, start=3):
        if code not in headings or author not in people:
            continue
        form = ProjectForm(
            title=title,
            description=description,
            heading_id=str(headings[code].id),
            location=location,
        )
        create_project(session, budget, people[author].id, form, None, [], _at(date(2027, 3, day)))


def _voters(session: Session) -> list[Voter]:
    """Census entries of people without an account: each hands in paper ballots at a booth."""
    taken = set(session.scalars(select(Resident.dni_digest)))
    entries = session.scalars(select(CensusEntry).order_by(CensusEntry.id).limit(VOTERS_2026))
    return [
        Voter(entry.dni_digest, entry.geozone_code, None, verified=True)
        for entry in entries
        if entry.dni_digest not in taken
    ]


def _ballot_of(chooser: random.Random, projects: list[BudgetProject], amount: int) -> list[int]:
    wanted = [p for p in projects if chooser.random() < POPULARITY[p.title]]
    chooser.shuffle(wanted)
    chosen: list[int] = []
    left = amount
    for project in wanted:
        if project.price is not None and project.price <= left:
            chosen.append(project.id)
            left -= project.price
    return chosen


POPULARITY = {project.title: project.popularity for project in PROJECTS_2026}


def _budget_2026(session: Session, people: dict[str, User]) -> None:
    headings = _structure(session, 2026, NAME_2026, "greedy")
    budget = session.get_one(Budget, headings[REGION].budget_id)
    admin = principal_for_user(session, people["admin"])
    move_phase(session, budget.id, 1)  # accepting
    made: list[tuple[PastProject, BudgetProject]] = []
    for day, past in enumerate(PROJECTS_2026, start=2):
        if past.heading not in headings or past.author not in people:
            continue
        form = ProjectForm(
            title=past.title,
            description=past.description,
            heading_id=str(headings[past.heading].id),
            location=past.location,
        )
        project = create_project(
            session, budget, people[past.author].id, form, None, [], _at(date(2026, 3, day))
        )
        made.append((past, project))
    move_phase(session, budget.id, 1)  # reviewing
    for past, project in made:
        decision = (
            ReviewForm(
                decision="reject",
                reason="La seguridad ciudadana es competencia municipal y no es una inversión "
                "del gobierno regional.",
            )
            if past.rejected
            else ReviewForm(decision="accept")
        )
        review_project(session, project, decision, admin.user_id)
    move_phase(session, budget.id, 1)  # selecting
    _support(session, budget, people, made)
    move_phase(session, budget.id, 1)  # valuating
    _valuate(session, budget, people, admin, headings, made)
    move_phase(session, budget.id, 1)  # publishing prices
    move_phase(session, budget.id, 1)  # balloting
    _paper_ballots(session, budget, people, headings, made)
    move_phase(session, budget.id, 1)  # reviewing ballots
    publish_results(session, budget.id)
    move_phase(session, budget.id, 1)  # finished
    _execution(session, budget)


def _support(
    session: Session,
    budget: Budget,
    people: dict[str, User],
    made: list[tuple[PastProject, BudgetProject]],
) -> None:
    """The verified demo resident supported a region-wide project and one of her province."""
    resident = session.scalar(select(Resident.id).where(Resident.user_id == people["vecina"].id))
    if resident is None:
        return
    targets = [project for past, project in made if past.heading in (REGION, "1307")]
    for project in targets[:1] + targets[-1:]:
        support_project(
            session,
            budget,
            project,
            resident_id=resident,
            user_id=people["vecina"].id,
            channel="web",
            now=_at(date(2026, 5, 10)),
        )


def _valuate(
    session: Session,
    budget: Budget,
    people: dict[str, User],
    admin: Principal,
    headings: dict[str, BudgetHeading],
    made: list[tuple[PastProject, BudgetProject]],
) -> None:
    if "evaluador" in people:
        for heading in headings.values():
            assign_valuator(session, heading, people["evaluador"])
    for past, project in made:
        if past.rejected:
            continue
        feasible = past.price is not None
        form = ValuationForm(
            feasibility="feasible" if feasible else "unfeasible",
            explanation=past.valuation,
            price=past.price,
            price_explanation="Precio referencial del expediente técnico." if feasible else None,
            duration="10 meses" if feasible else None,
        )
        valuate(session, project, form, admin, "127.0.0.1")
    select_for_ballot(
        session, budget, {p.id for past, p in made if past.price and not past.rejected}
    )


def _paper_ballots(
    session: Session,
    budget: Budget,
    people: dict[str, User],
    headings: dict[str, BudgetHeading],
    made: list[tuple[PastProject, BudgetProject]],
) -> None:
    officer = people.get("personero") or people["admin"]
    chooser = random.Random(2026)
    groups = {group.id: group for group in session.scalars(select(BudgetGroup))}
    on_ballot: dict[int, list[BudgetProject]] = {}
    for _past, project in made:
        if project.selected:
            on_ballot.setdefault(project.heading_id, []).append(project)
    for voter in _voters(session):
        for code in (REGION, voter.geozone_code):
            heading = headings.get(code or "")
            if heading is None or heading.id not in on_ballot:
                continue
            chosen = _ballot_of(chooser, on_ballot[heading.id], heading.amount)
            if chosen:
                group = groups[heading.group_id]
                record_paper_ballot(session, budget, heading, group, voter, chosen, officer.id)


def _execution(session: Session, budget: Budget) -> None:
    winners = session.scalars(
        select(BudgetProject)
        .where(BudgetProject.budget_id == budget.id, BudgetProject.winner.is_(True))
        .order_by(BudgetProject.id)
    )
    for number, project in enumerate(winners):
        status, progress, executed = EXECUTIONS[number % len(EXECUTIONS)]
        price = project.price or 0
        form = ExecutionForm(
            execution_status=status,
            progress=progress,
            cui=f"25{project.id * 7919 % 100_000:05d}" if status != "design" else None,
            amount_executed=price * executed // 100 if executed else None,
        )
        update_execution(session, project, form)
        add_milestone(
            session,
            project,
            MilestoneForm(
                title="Expediente técnico aprobado",
                description="Resolución de la Gerencia Regional de Infraestructura.",
                due_on=date(2026, 12, 15),
                done_on=date(2026, 12, 10) if status != "design" else None,
            ),
        )
        add_milestone(
            session,
            project,
            MilestoneForm(
                title="Entrega de la obra",
                description="Acta de recepción con la comunidad.",
                due_on=date(2027, 9, 30),
                done_on=date(2027, 8, 20) if status == "finished" else None,
            ),
        )


def load_demo_budgets(session: Session, tenant: Tenant) -> None:
    """The regional budgets of 2026 (finished) and 2027 (accepting), on La Libertad only."""
    if tenant.slug != REGION_SLUG:
        return
    with scoped_to(session, tenant.id):
        years = set(session.scalars(select(Budget.year)))
        people = _people(session, tenant)
        if 2026 not in years and {"admin", "vecina", "organizacion"} <= people.keys():
            _budget_2026(session, people)
        if 2027 not in years:
            _budget_2027(session, people)
        session.flush()
