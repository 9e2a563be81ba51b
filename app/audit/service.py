"""Recording staff and security-relevant actions. Entries are never changed or removed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.authz.principal import Principal
from app.db import utcnow


def record(
    session: Session,
    action: str,
    *,
    actor: Principal | None,
    object_type: str = "",
    object_id: int | str = "",
    channel: str = "web",
    client_address: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=actor.user_id if actor else None,
        actor_name=actor.display_name if actor else "",
        actor_role=actor.primary_role if actor else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        channel=channel,
        client_address=client_address[:64],
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry
