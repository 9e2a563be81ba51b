"""Prices and valuations stay hidden until the budget publishes its prices.

Every GET page of the budgets module and of the public API is fetched in every phase by a
visitor, a verified resident and the project's author: before publishing_prices none of them
shows a price, an explanation or a duration; from publishing_prices on the project's page does.
Pages added later by other steps are crawled too, since the routes are read from the routers.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.api.routes import router as api_router
from app.budgets.models import PHASES, Budget, BudgetProject
from app.budgets.router import router as budgets_router
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.people import make_user, sign_in

PRICE = 7_654_321
PRICE_WRITINGS = ("7654321", "7 654 321", "7,654,321", "7.654.321", "7\u00a0654\u00a0321")
FEASIBLE_WHY = "Marcador-viable-por-el-expediente-técnico"
UNFEASIBLE_WHY = "Marcador-inviable-terreno-en-litigio"
PRICE_WHY = "Marcador-precio-según-metrado"
DURATION = "Marcador-duración-ocho-meses"
TEXTS = (FEASIBLE_WHY, UNFEASIBLE_WHY, PRICE_WHY, DURATION)
PUBLIC_FROM = PHASES.index("publishing_prices")
PARAM = re.compile(r"{(\w+)}")


def _valuated(db: Session, tenant: Tenant, phase: str) -> tuple[Budget, BudgetProject, User]:
    budget = make_budget(db, tenant, phase=phase)
    heading = headings_of(db, budget)[1]
    author = make_user(db, tenant)
    feasible = make_project(db, heading, author=author, title="Puente peatonal en Huamachuco")
    unfeasible = make_project(db, heading, author=author, title="Represa en la quebrada")
    with scoped_to(db, tenant.id):
        feasible.feasibility, feasible.price = "feasible", PRICE
        feasible.feasibility_explanation, feasible.price_explanation = FEASIBLE_WHY, PRICE_WHY
        feasible.duration, feasible.selected = DURATION, True
        feasible.valuated_at = unfeasible.valuated_at = utcnow()
        unfeasible.feasibility, unfeasible.feasibility_explanation = "unfeasible", UNFEASIBLE_WHY
        db.flush()
    return budget, feasible, author


def _urls(budget: Budget, project: BudgetProject) -> list[str]:
    """Every GET route whose parameters are the budget, the project, its heading or group."""
    values = {
        "budget_id": budget.id,
        "project_id": project.id,
        "heading_id": project.heading_id,
    }
    found = []
    for router in (budgets_router, api_router):
        for route in router.routes:
            if not isinstance(route, APIRoute) or "GET" not in (route.methods or set()):
                continue
            names = PARAM.findall(route.path)
            if all(name in values for name in names):
                found.append(route.path.format(**values))
    return found


def _leaks(text: str) -> list[str]:
    return [marker for marker in (*PRICE_WRITINGS, *TEXTS) if marker in text]


@pytest.mark.parametrize("who", ["visitor", "verified", "author"])
def test_valuations_are_hidden_until_prices_are_published(
    client_a: TestClient, db: Session, tenant_a: Tenant, who: str
) -> None:
    budget, project, author = _valuated(db, tenant_a, PHASES[0])
    person = {"visitor": None, "verified": make_user(db, tenant_a, verified=True)}.get(who, author)
    db.commit()
    if person is not None:
        sign_in(client_a, person)
    urls = _urls(budget, project)
    project_page = f"/budgets/{budget.id}/projects/{project.id}"
    assert f"/budgets/{budget.id}" in urls
    assert project_page in urls
    for index, phase in enumerate(PHASES):
        with scoped_to(db, tenant_a.id):
            budget.phase = phase
            db.commit()
        for url in urls:
            response = client_a.get(url)
            if index < PUBLIC_FROM and response.status_code == 200:
                leaks = _leaks(response.text)
                assert leaks == [], f"{who} sees {leaks} at {url} in {phase}"
        page = client_a.get(project_page)
        assert page.status_code == 200, f"{project_page} in {phase}"
        if index >= PUBLIC_FROM:
            for marker in ("7 654 321", FEASIBLE_WHY, PRICE_WHY, DURATION):
                assert marker in page.text, f"{marker} missing on the project page in {phase}"
