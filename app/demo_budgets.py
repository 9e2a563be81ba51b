"""The demo participatory budget of La Libertad: the whole region and one heading per province.

Made through the services an administrator uses (budget, phases, groups, headings, publishing,
moving the phase), so the demo shows what real use leaves behind: a published budget
accepting projects. Loading again changes nothing: a budget whose name exists is kept.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import PHASES, Budget
from app.budgets.schemas import BudgetForm, GroupForm, HeadingForm, PhaseForm
from app.budgets.service import (
    create_budget,
    create_group,
    create_heading,
    move_phase,
    publish_budget,
    update_phases,
)
from app.db import scoped_to
from app.geozones.models import Geozone
from app.tenants.models import Tenant

REGION_SLUG = "lalibertad"
NAME = "Presupuesto participativo regional 2027"
DESCRIPTION = (
    "El Gobierno Regional de La Libertad destina parte de su presupuesto de inversión de 2027 "
    "a proyectos que proponen y eligen sus habitantes.\n\n"
    "- **Toda la región**: proyectos que benefician a más de una provincia.\n"
    "- **Por provincia**: cada provincia tiene su propia partida; puedes apoyar y votar "
    "proyectos de una sola provincia."
)
# Population of each province, rounded, after the 2017 national census (INEI).
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


def province_amount(population: int) -> int:
    """A fixed part for every province and the rest by population, in thousands of soles."""
    return 400_000 + (population * 6 // 1000) * 1000


def load_demo_budgets(session: Session, tenant: Tenant) -> None:
    """The regional budget, in the phase of accepting projects (only on La Libertad)."""
    if tenant.slug != REGION_SLUG:
        return
    with scoped_to(session, tenant.id):
        if session.scalars(select(Budget.id).where(Budget.name == NAME)).first() is not None:
            return
        budget = create_budget(
            session,
            BudgetForm(year=2027, name=NAME, description=DESCRIPTION, rule="equal_shares"),
        )
        update_phases(
            session,
            budget,
            {
                kind: PhaseForm(
                    starts_on=date(2027, month, 1),
                    ends_on=date(2027, month, 28),
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
        create_heading(
            session,
            budget,
            region,
            HeadingForm(name="Región La Libertad", amount=REGION_AMOUNT, population=2_016_000),
        )
        provinces = create_group(
            session,
            budget,
            GroupForm(name="Por provincia", max_supported_headings=1, max_balloted_headings=1),
        )
        zones = session.scalars(select(Geozone).order_by(Geozone.code))
        for zone in zones:
            if zone.code not in POPULATION:
                continue
            population = POPULATION[zone.code]
            heading = HeadingForm(
                name=zone.name,
                amount=province_amount(population),
                geozone_id=zone.id,
                population=population,
            )
            create_heading(session, budget, provinces, heading)
        publish_budget(session, budget)
        move_phase(session, budget.id, 1)
        session.flush()
