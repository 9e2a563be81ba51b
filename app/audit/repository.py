from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry

PAGE_SIZE = 50


def filter_entries(
    session: Session, *, action: str = "", actor: str = "", channel: str = "", page: int = 1
) -> tuple[list[AuditEntry], int]:
    statement = select(AuditEntry)
    if action:
        statement = statement.where(AuditEntry.action.startswith(action))
    if actor:
        statement = statement.where(func.lower(AuditEntry.actor_name).contains(actor.lower()))
    if channel:
        statement = statement.where(AuditEntry.channel == channel)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(AuditEntry.id.desc())
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(rows), total
