"""Notifications for tests, with hostile values so unescaped output fails."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import scoped_to, utcnow
from app.notifications.models import Notification
from app.tenants.models import Tenant
from tests.factories import HOSTILE


def make_notification(
    db: Session,
    tenant: Tenant,
    user: User,
    *,
    kind: str = "reply",
    target_type: str = "debate",
    target_id: int = 1,
    values: dict[str, Any] | None = None,
    read: bool = False,
) -> Notification:
    with scoped_to(db, tenant.id):
        notification = Notification(
            user_id=user.id,
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            values=values if values is not None else {"author": HOSTILE, "title": HOSTILE},
            read_at=utcnow() if read else None,
        )
        db.add(notification)
        db.flush()
    return notification
