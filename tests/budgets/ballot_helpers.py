"""Budgets in the balloting phase with selected projects, and reading ballots back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import Budget, BudgetBallot, BudgetBallotLine, BudgetHeading, BudgetProject
from app.db import scoped_to
from app.geozones.models import Geozone
from app.tenants.models import Tenant
from tests.budgets.factories import GroupSpec, headings_of, make_budget, make_project
from tests.people import csrf_of

# One heading of S/ 1 000 000 in a group, and a group of two headings (one ballot allowed).
GROUPS: tuple[GroupSpec, ...] = (
    ("Toda la región <script>", (1_000_000,)),
    ("Por provincia <script>", (600_000, 400_000)),
)
PRICES = (400_000, 350_000, 300_000, 250_000)


def selected_project(
    db: Session, heading: BudgetHeading, price: int | None, *, selected: bool = True
) -> BudgetProject:
    project = make_project(
        db, heading, price=price, title=f"<script>alert(1)</script> Obra {price}"
    )
    with scoped_to(db, heading.tenant_id):
        project.selected = selected
        project.feasibility = "feasible"
        db.flush()
    return project


def ballot_budget(
    db: Session,
    tenant: Tenant,
    *,
    phase: str = "balloting",
    approval_limit: int | None = None,
    prices: Sequence[int] = PRICES,
    zones: Sequence[Geozone] = (),
    published: bool = True,
) -> tuple[Budget, list[BudgetHeading], dict[int, list[BudgetProject]]]:
    """A budget in ``phase``; every heading gets selected projects at ``prices``; ``zones``
    go to the headings in order."""
    budget = make_budget(
        db,
        tenant,
        phase=phase,
        groups=GROUPS,
        approval_limit=approval_limit,
        zones=zones,
        published=published,
    )
    headings = headings_of(db, budget)
    projects = {h.id: [selected_project(db, h, price) for price in prices] for h in headings}
    return budget, headings, projects


def post(client: TestClient, path: str, data: Mapping[str, object] | None = None) -> Response:
    """A form post with the session's CSRF token; a list value sends the field repeated."""
    form: dict[str, Any] = {**(data or {}), "csrf_token": csrf_of(client)}
    return client.post(path, data=form, follow_redirects=False)


def ballots_of(db: Session, tenant: Tenant) -> list[BudgetBallot]:
    with scoped_to(db, tenant.id):
        db.expire_all()
        return list(db.scalars(select(BudgetBallot).order_by(BudgetBallot.id)))


def lines_of(db: Session, tenant: Tenant, ballot: BudgetBallot) -> set[int]:
    with scoped_to(db, tenant.id):
        statement = select(BudgetBallotLine.project_id).where(
            BudgetBallotLine.ballot_id == ballot.id
        )
        return set(db.scalars(statement))
