"""Who may follow things and read notifications: any signed-in person, for themselves only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.authz.core import rule, signed_in
from app.authz.principal import Principal
from app.notifications.models import Notification

rule("notifications.follow")(signed_in)
rule("notifications.view")(signed_in)


@rule("notifications.read")
def may_read(principal: Principal | None, notification: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        principal is not None
        and isinstance(notification, Notification)
        and notification.user_id == principal.user_id
    )
