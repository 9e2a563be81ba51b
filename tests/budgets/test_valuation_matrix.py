"""Every valuation action × every kind of person (and a valuator of this heading or of another
one) × all nine phases, through the real routes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.budgets.models import PHASES, Budget, BudgetProject, BudgetValuator
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.people import make_user, sign_in

HERE = "valuator of this heading"
ELSEWHERE = "valuator of another heading"
KINDS = (*ALL_KINDS, HERE, ELSEWHERE)
ADMIN = frozenset({"administrator"})
EVERY_PHASE = frozenset(PHASES)
BEFORE_BALLOTING = frozenset(PHASES[: PHASES.index("balloting")])
SELECTING = frozenset({"valuating", "publishing_prices"})
VALUATION = {
    "feasibility": "feasible",
    "explanation": "Se puede hacer",
    "price": "1 250 000",
    "price_explanation": "",
    "duration": "",
}


class Scene:
    """One budget in one phase: a project of the first province, the one a valuator of this
    heading valuates, and a feasible one to select."""

    def __init__(self, db: Session, tenant: Tenant, phase: str, people: dict[str, User]) -> None:
        self.budget: Budget = make_budget(db, tenant, phase=phase)
        _region, self.heading, self.other = headings_of(db, self.budget)
        self.project: BudgetProject = make_project(db, self.heading, author=make_user(db, tenant))
        self.feasible: BudgetProject = make_project(db, self.heading, price=500_000)
        spare = make_user(db, tenant)
        with scoped_to(db, tenant.id):
            self.feasible.feasibility = "feasible"
            db.add(BudgetValuator(heading_id=self.heading.id, user_id=people[HERE].id))
            db.add(BudgetValuator(heading_id=self.other.id, user_id=people[ELSEWHERE].id))
            spare_seat = BudgetValuator(heading_id=self.other.id, user_id=spare.id)
            db.add(spare_seat)
            db.flush()
        self.spare_seat = spare_seat.id
        self.newcomer = str(make_user(db, tenant).email)


Path = Callable[[Scene], str]
# action -> (method, path, form, kinds allowed, phases allowed)
ACTIONS: dict[
    str, tuple[str, Path, Callable[[Scene], dict[str, str]], frozenset[str], frozenset[str]]
] = {
    "valuators_page": (
        "GET",
        lambda s: f"/admin/budgets/{s.budget.id}/valuators",
        lambda s: {},
        ADMIN,
        EVERY_PHASE,
    ),
    "assign_valuator": (
        "POST",
        lambda s: f"/admin/budgets/{s.budget.id}/valuators",
        lambda s: {"heading_id": str(s.heading.id), "account": s.newcomer},
        ADMIN,
        BEFORE_BALLOTING,
    ),
    "remove_valuator": (
        "POST",
        lambda s: f"/admin/budgets/{s.budget.id}/valuators/{s.spare_seat}/remove",
        lambda s: {},
        ADMIN,
        BEFORE_BALLOTING,
    ),
    "valuation_list": (
        "GET",
        lambda s: f"/budgets/{s.budget.id}/valuation",
        lambda s: {},
        ADMIN | {HERE, ELSEWHERE},
        EVERY_PHASE,
    ),
    "valuation_form": (
        "GET",
        lambda s: f"/budgets/{s.budget.id}/valuation/{s.project.id}",
        lambda s: {},
        ADMIN | {HERE},
        frozenset({"valuating"}),
    ),
    "valuate": (
        "POST",
        lambda s: f"/budgets/{s.budget.id}/valuation/{s.project.id}",
        lambda s: VALUATION,
        ADMIN | {HERE},
        frozenset({"valuating"}),
    ),
    "selection_page": (
        "GET",
        lambda s: f"/admin/budgets/{s.budget.id}/selection",
        lambda s: {},
        ADMIN,
        SELECTING,
    ),
    "select": (
        "POST",
        lambda s: f"/admin/budgets/{s.budget.id}/selection",
        lambda s: {"projects": str(s.feasible.id)},
        ADMIN,
        SELECTING,
    ),
}


def _people(db: Session, tenant: Tenant, kind: str) -> tuple[User | None, dict[str, User]]:
    people = {HERE: make_user(db, tenant), ELSEWHERE: make_user(db, tenant)}
    if kind in (HERE, ELSEWHERE):
        return people[kind], people
    person = person_for(kind, db, tenant)
    assert person is None or isinstance(person, User)
    return person, people


@pytest.mark.parametrize("kind", KINDS)
def test_the_valuation_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    person, people = _people(db, tenant_a, kind)
    scenes = {phase: Scene(db, tenant_a, phase, people) for phase in PHASES}
    db.commit()
    if person is not None:
        sign_in(client_a, person)
    refused = {303, 401} if kind == "anonymous" else {403}
    for phase, scene in scenes.items():
        for name, (method, path, form, kinds, phases) in ACTIONS.items():
            url = path(scene)
            status = answer(client_a, Action(name, method, url, frozenset(), form(scene)), url)
            where = f"{kind} {name} in {phase}: {status}"
            if kind in kinds and phase in phases:
                assert status in {200, 303}, f"refused: {where}"
            else:
                assert status in refused, f"allowed: {where}"


def test_what_was_allowed_took_effect(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    """The matrix's 303s are real changes: a valuator of the heading valuates in valuating."""
    person, people = _people(db, tenant_a, HERE)
    scene = Scene(db, tenant_a, "valuating", people)
    db.commit()
    assert person is not None
    sign_in(client_a, person)
    url = f"/budgets/{scene.budget.id}/valuation/{scene.project.id}"
    assert answer(client_a, Action("valuate", "POST", url, frozenset(), VALUATION), url) == 303
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        project = db.get(BudgetProject, scene.project.id)
        assert project is not None
        assert (project.feasibility, project.price) == ("feasible", 1_250_000)
