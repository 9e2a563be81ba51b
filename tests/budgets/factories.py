"""Budgets for tests, with hostile text in every field.

Groups are given as a spec: ``("Por provincia", (1_250_000, 800_000))`` is a group with two
headings of those amounts; each heading may be given a geozone with ``zones``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.budgets.models import (
    PHASES,
    Budget,
    BudgetGroup,
    BudgetHeading,
    BudgetPhase,
    BudgetProject,
)
from app.db import scoped_to, utcnow
from app.geozones.models import Geozone
from app.tenants.models import Tenant
from tests.factories import HOSTILE

GroupSpec = tuple[str, Sequence[int]]
DEFAULT_GROUPS: tuple[GroupSpec, ...] = (
    (f"{HOSTILE} Toda la región", (5_000_000,)),
    (f"{HOSTILE} Por provincia", (1_250_000, 800_000)),
)


def make_budget(
    db: Session,
    tenant: Tenant,
    *,
    phase: str = "accepting",
    published: bool = True,
    groups: Sequence[GroupSpec] = DEFAULT_GROUPS,
    zones: Sequence[Geozone] = (),
    name: str = HOSTILE,
    year: int = 2027,
    rule: str = "greedy",
    approval_limit: int | None = None,
    disabled: Sequence[str] = (),
) -> Budget:
    """A budget in ``phase`` with its nine phases (dated one month each from March), groups
    and headings; ``zones`` are given to the headings in order, one each."""
    with scoped_to(db, tenant.id):
        budget = Budget(
            year=year,
            name=name[:150],
            description=f"{HOSTILE}\n\n**Segundo** párrafo.",
            phase=phase,
            rule=rule,
            ballot_style="approval" if approval_limit else "knapsack",
            approval_limit=approval_limit,
            published_at=utcnow() if published else None,
            created_at=utcnow(),
        )
        db.add(budget)
        db.flush()
        for month, kind in enumerate(PHASES, start=1):
            db.add(
                BudgetPhase(
                    budget_id=budget.id,
                    kind=kind,
                    starts_on=date(year, month, 1),
                    ends_on=date(year, month, 28),
                    description=f"{HOSTILE} fase {kind}",
                    enabled=kind not in disabled,
                )
            )
        remaining = list(zones)
        for position, (group_name, amounts) in enumerate(groups):
            group = BudgetGroup(
                budget_id=budget.id,
                name=group_name[:150],
                position=position,
                max_supported_headings=1,
                max_balloted_headings=1,
            )
            db.add(group)
            db.flush()
            for place, amount in enumerate(amounts):
                zone = remaining.pop(0) if remaining else None
                db.add(
                    BudgetHeading(
                        budget_id=budget.id,
                        group_id=group.id,
                        name=f"{HOSTILE} partida {position + 1}.{place + 1}",
                        amount=amount,
                        geozone_id=zone.id if zone is not None else None,
                        population=120_000 + place,
                        position=place,
                    )
                )
        db.flush()
    return budget


def headings_of(db: Session, budget: Budget) -> list[BudgetHeading]:
    with scoped_to(db, budget.tenant_id):
        return list(
            db.query(BudgetHeading)
            .filter(BudgetHeading.budget_id == budget.id)
            .order_by(BudgetHeading.group_id, BudgetHeading.position)
        )


def groups_of(db: Session, budget: Budget) -> list[BudgetGroup]:
    with scoped_to(db, budget.tenant_id):
        return list(
            db.query(BudgetGroup)
            .filter(BudgetGroup.budget_id == budget.id)
            .order_by(BudgetGroup.position)
        )


def make_project(
    db: Session,
    heading: BudgetHeading,
    *,
    author: User | None = None,
    title: str = HOSTILE,
    price: int | None = None,
    review_state: str = "accepted",
) -> BudgetProject:
    with scoped_to(db, heading.tenant_id):
        project = BudgetProject(
            budget_id=heading.budget_id,
            heading_id=heading.id,
            author_id=author.id if author is not None else None,
            title=title[:150],
            description=f"{HOSTILE}\n\nUna obra para la provincia.",
            location=f"{HOSTILE} jirón",
            image_alt=f"{HOSTILE} foto",
            review_state=review_state,
            price=price,
            created_at=utcnow(),
        )
        db.add(project)
        db.flush()
    return project
