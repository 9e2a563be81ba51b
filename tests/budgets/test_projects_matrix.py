"""Every project action × every kind of person × all nine phases, through the real routes.

Each pair gets a budget of its own in that phase with a pending project the person wrote (so
"edit" asks the author's right, not someone else's), and checks both the answer and, where
allowed, that the action took effect — and where refused, that nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.budgets.models import PHASES, Budget, BudgetHeading, BudgetProject, BudgetSupport
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, person_for
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.budgets.project_helpers import project_form
from tests.people import csrf_of, sign_in

SIGNED_IN = frozenset(kind for kind in ALL_KINDS if kind != "anonymous")
EVERYONE = frozenset(ALL_KINDS)


@dataclass(frozen=True)
class Case:
    budget: Budget
    heading: BudgetHeading
    project: BudgetProject


Check = Callable[[Session, Case], bool]


def _project(db: Session, case: Case) -> BudgetProject:
    with scoped_to(db, case.budget.tenant_id):
        db.expire_all()
        return db.get_one(BudgetProject, case.project.id)


def _projects(db: Session, case: Case) -> int:
    with scoped_to(db, case.budget.tenant_id):
        found = db.scalar(
            select(func.count(BudgetProject.id)).where(BudgetProject.budget_id == case.budget.id)
        )
    return found or 0


def _supports(db: Session, case: Case) -> int:
    with scoped_to(db, case.budget.tenant_id):
        found = db.scalar(
            select(func.count(BudgetSupport.id)).where(BudgetSupport.project_id == case.project.id)
        )
    return found or 0


@dataclass(frozen=True)
class Row:
    method: str
    suffix: str  # after /budgets/{budget}; {project} is the project's id
    kinds: frozenset[str]
    phases: frozenset[str]
    allowed_status: int
    done: Check | None = None  # true once the action took effect
    data: Callable[[Case], dict[str, str]] | None = None


ACTIONS: dict[str, Row] = {
    "list": Row("GET", "/projects", EVERYONE, frozenset(PHASES), 200),
    "show": Row("GET", "/projects/{project}", EVERYONE, frozenset(PHASES), 200),
    "propose_form": Row("GET", "/projects/new", SIGNED_IN, frozenset({"accepting"}), 200),
    "propose": Row(
        "POST",
        "/projects/new",
        SIGNED_IN,
        frozenset({"accepting"}),
        303,
        lambda db, case: _projects(db, case) == 2,
        lambda case: project_form(case.heading, title="Otro proyecto"),
    ),
    "edit_form": Row("GET", "/projects/{project}/edit", SIGNED_IN, frozenset({"accepting"}), 200),
    "edit": Row(
        "POST",
        "/projects/{project}/edit",
        SIGNED_IN,
        frozenset({"accepting"}),
        303,
        lambda db, case: _project(db, case).title == "Cambiado",
        lambda case: project_form(case.heading, title="Cambiado"),
    ),
    "review": Row(
        "POST",
        "/projects/{project}/review",
        frozenset({"administrator"}),
        frozenset({"reviewing"}),
        303,
        lambda db, case: _project(db, case).review_state == "accepted",
        lambda _case: {"decision": "accept"},
    ),
    "support": Row(
        "POST",
        "/projects/{project}/support",
        frozenset({"verified"}),
        frozenset({"selecting"}),
        303,
        lambda db, case: _supports(db, case) == 1 and _project(db, case).supports_count == 1,
    ),
    "unsupport": Row(
        "POST",
        "/projects/{project}/unsupport",
        frozenset({"verified"}),
        frozenset({"selecting"}),
        303,
    ),
}


def _case(db: Session, tenant: Tenant, phase: str, author: User | None) -> Case:
    budget = make_budget(db, tenant, phase=phase)
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading, author=author, review_state="pending")
    db.commit()
    return Case(budget, heading, project)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_projects_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    person = person_for(kind, db, tenant_a)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    token = csrf_of(client_a, "/budgets")
    author = person if isinstance(person, User) else None
    for name, row in ACTIONS.items():
        for phase in PHASES:
            case = _case(db, tenant_a, phase, author)
            path = f"/budgets/{case.budget.id}" + row.suffix.format(project=case.project.id)
            if row.method == "GET":
                status = client_a.get(path, follow_redirects=False).status_code
            else:
                data = {**(row.data(case) if row.data else {}), "csrf_token": token}
                status = client_a.post(path, data=data, follow_redirects=False).status_code
            where = f"{kind} {name} in {phase}: {status}"
            allowed = kind in row.kinds and phase in row.phases
            if allowed:
                assert status == row.allowed_status, f"refused: {where}"
                assert row.done is None or row.done(db, case), f"no effect: {where}"
            else:
                refused = {303, 401} if kind == "anonymous" else {403}
                assert status in refused, f"allowed: {where}"
                assert row.done is None or not row.done(db, case), f"took effect: {where}"
