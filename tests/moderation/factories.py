"""Reports for tests (other features may import these): hostile details by default."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import scoped_to, utcnow
from app.moderation.models import Flag
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import make_user


def make_flag(
    db: Session,
    tenant: Tenant,
    target_type: str,
    target_id: int,
    *,
    user: User | None = None,
    reason: str = "offensive",
    details: str | None = HOSTILE,
    created_at: datetime | None = None,
    reviewed: bool = False,
) -> Flag:
    """One person's report (a new registered person unless one is given), flushed."""
    user = user or make_user(db, tenant)
    with scoped_to(db, tenant.id):
        flag = Flag(
            target_type=target_type,
            target_id=target_id,
            user_id=user.id,
            reason=reason,
            details=details,
            created_at=created_at or utcnow(),
            reviewed_at=utcnow() if reviewed else None,
        )
        db.add(flag)
        db.flush()
    return flag
