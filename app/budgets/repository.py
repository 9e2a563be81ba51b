"""Every query of the budget setup and its public pages (the session scopes them to the tenant)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.budgets.models import Budget, BudgetBallot, BudgetGroup, BudgetHeading, BudgetPhase
from app.geozones.models import Geozone

LIST_LIMIT = 200


def list_budgets(session: Session, *, include_drafts: bool) -> list[Budget]:
    """Newest year first; a region runs one or two a year, so the list needs no pages."""
    statement = select(Budget).order_by(Budget.year.desc(), Budget.id.desc()).limit(LIST_LIMIT)
    if not include_drafts:
        statement = statement.where(Budget.published_at.is_not(None))
    return list(session.scalars(statement))


def get_budget(session: Session, budget_id: int) -> Budget | None:
    return session.get(Budget, budget_id)


def get_budget_for_update(session: Session, budget_id: int) -> Budget | None:
    """The budget row locked (PostgreSQL), so two phase moves cannot both start from the same
    phase; SQLite serializes writing requests already."""
    return session.scalars(
        select(Budget).where(Budget.id == budget_id).with_for_update()
    ).one_or_none()


def phases_of(session: Session, budget_id: int) -> dict[str, BudgetPhase]:
    rows = session.scalars(select(BudgetPhase).where(BudgetPhase.budget_id == budget_id))
    return {row.kind: row for row in rows}


def groups_of(session: Session, budget_id: int) -> list[BudgetGroup]:
    return list(
        session.scalars(
            select(BudgetGroup)
            .where(BudgetGroup.budget_id == budget_id)
            .order_by(BudgetGroup.position, BudgetGroup.id)
        )
    )


def headings_by_group(session: Session, budget_id: int) -> dict[int, list[BudgetHeading]]:
    found: dict[int, list[BudgetHeading]] = defaultdict(list)
    rows = session.scalars(
        select(BudgetHeading)
        .where(BudgetHeading.budget_id == budget_id)
        .order_by(BudgetHeading.position, BudgetHeading.id)
    )
    for heading in rows:
        found[heading.group_id].append(heading)
    return found


def get_group(session: Session, budget_id: int, group_id: int) -> BudgetGroup | None:
    return session.scalars(
        select(BudgetGroup).where(BudgetGroup.id == group_id, BudgetGroup.budget_id == budget_id)
    ).one_or_none()


def get_heading(session: Session, budget_id: int, heading_id: int) -> BudgetHeading | None:
    return session.scalars(
        select(BudgetHeading).where(
            BudgetHeading.id == heading_id, BudgetHeading.budget_id == budget_id
        )
    ).one_or_none()


def next_group_position(session: Session, budget_id: int) -> int:
    highest = session.scalar(
        select(func.max(BudgetGroup.position)).where(BudgetGroup.budget_id == budget_id)
    )
    return 0 if highest is None else highest + 1


def next_heading_position(session: Session, group_id: int) -> int:
    highest = session.scalar(
        select(func.max(BudgetHeading.position)).where(BudgetHeading.group_id == group_id)
    )
    return 0 if highest is None else highest + 1


def get_geozone(session: Session, geozone_id: int) -> Geozone | None:
    return session.get(Geozone, geozone_id)


def geozones_by_id(session: Session, ids: set[int]) -> dict[int, Geozone]:
    if not ids:
        return {}
    return {zone.id: zone for zone in session.scalars(select(Geozone).where(Geozone.id.in_(ids)))}


def has_ballots(session: Session, budget_id: int) -> bool:
    """Whether anyone has a ballot (web or paper) in one of the budget's headings."""
    statement = (
        select(BudgetBallot.id)
        .join(BudgetHeading, BudgetHeading.id == BudgetBallot.heading_id)
        .where(BudgetHeading.budget_id == budget_id)
        .limit(1)
    )
    return session.scalar(statement) is not None
