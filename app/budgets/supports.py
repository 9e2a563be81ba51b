"""Supports of budget projects: one per resident and project, in a limited number of headings
per group.

One support per resident and project is the unique constraint (the INSERT runs in a SAVEPOINT,
so a duplicate is a no-op, not an error). The limit of headings per group is a rule across
rows no constraint can hold; it is kept by locking the resident's row first (PostgreSQL: FOR
UPDATE; SQLite serializes writing transactions already), so one person's supports are given
one after the other and each sees the headings the previous ones took. The counter moves in
SQL in the same transaction, so it always equals the rows stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.budgets.models import Budget, BudgetGroup, BudgetHeading, BudgetProject, BudgetSupport
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.verification.models import Resident

COUNTED = ["supports_count"]


class HeadingLimitReached(Conflict):
    message = N_(
        "In this group you may support projects of %(limit)s heading(s), and you already do: "
        "withdraw a support first to support a project of another heading."
    )


def _lock_resident(session: Session, resident_id: int) -> None:
    found = session.scalar(select(Resident.id).where(Resident.id == resident_id).with_for_update())
    if found is None:
        raise NotFound()


def has_supported(session: Session, project_id: int, resident_id: int) -> bool:
    return (
        session.scalar(
            select(BudgetSupport.id).where(
                BudgetSupport.project_id == project_id, BudgetSupport.resident_id == resident_id
            )
        )
        is not None
    )


def supported_headings(session: Session, resident_id: int, group_id: int) -> list[BudgetHeading]:
    """The headings of the group in which the resident supports projects, in order."""
    return list(
        session.scalars(
            select(BudgetHeading)
            .where(
                BudgetHeading.group_id == group_id,
                exists().where(
                    BudgetSupport.heading_id == BudgetHeading.id,
                    BudgetSupport.resident_id == resident_id,
                ),
            )
            .order_by(BudgetHeading.position, BudgetHeading.id)
        )
    )


def _count(session: Session, project_id: int, change: int, budget_id: int) -> int | None:
    """Move the counter if the project still takes the change (selecting, not rejected)."""
    statement = update(BudgetProject).where(
        BudgetProject.id == project_id,
        exists().where(Budget.id == budget_id, Budget.phase == "selecting"),
    )
    if change > 0:
        statement = statement.where(
            BudgetProject.review_state != "rejected", BudgetProject.hidden_at.is_(None)
        )
    row = session.execute(
        statement.values(supports_count=BudgetProject.supports_count + change).returning(
            BudgetProject.supports_count
        ),
        execution_options={"synchronize_session": False},
    ).first()
    return None if row is None else int(row[0])


def support_project(
    session: Session,
    budget: Budget,
    project: BudgetProject,
    *,
    resident_id: int,
    user_id: int,
    channel: str,
    now: datetime | None = None,
) -> bool:
    """Add this resident's support once; answer whether it was added (a repeat is no error).

    HeadingLimitReached when it would make one heading too many in the project's group."""
    _lock_resident(session, resident_id)
    if has_supported(session, project.id, resident_id):
        return False
    heading = session.get_one(BudgetHeading, project.heading_id)
    group = session.get_one(BudgetGroup, heading.group_id)
    taken = session.scalar(
        select(func.count(func.distinct(BudgetSupport.heading_id))).where(
            BudgetSupport.resident_id == resident_id,
            BudgetSupport.group_id == group.id,
            BudgetSupport.heading_id != heading.id,
        )
    )
    if (taken or 0) >= group.max_supported_headings:
        raise HeadingLimitReached(limit=group.max_supported_headings)
    try:
        with session.begin_nested():
            session.add(
                BudgetSupport(
                    project_id=project.id,
                    resident_id=resident_id,
                    group_id=group.id,
                    heading_id=heading.id,
                    user_id=user_id,
                    channel=channel,
                    created_at=now or utcnow(),
                )
            )
            session.flush()
    except IntegrityError:
        return False
    if _count(session, project.id, +1, budget.id) is None:
        # Rejected, hidden or out of its phase meanwhile: the route's transaction rolls back.
        raise Conflict(N_("This project no longer takes supports."))
    session.refresh(project, COUNTED)
    return True


def withdraw_support(
    session: Session, budget: Budget, project: BudgetProject, *, resident_id: int
) -> bool:
    _lock_resident(session, resident_id)
    deleted = session.execute(
        delete(BudgetSupport).where(
            BudgetSupport.project_id == project.id, BudgetSupport.resident_id == resident_id
        ),
        execution_options={"synchronize_session": False},
    )
    if not getattr(deleted, "rowcount", 0):
        return False
    if _count(session, project.id, -1, budget.id) is None:
        raise Conflict(N_("Supports can no longer be withdrawn: the phase has ended."))
    session.refresh(project, COUNTED)
    return True
