"""What each kind of notification says, as a sentence filled with the values it stored."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, translate
from app.notifications.models import Notification

MESSAGES = {
    "comment": N_("%(author)s commented on %(title)s"),
    "reply": N_("%(author)s replied to your comment on %(title)s"),
    "answer": N_("%(title)s received an official answer"),
    "threshold": N_("%(title)s reached the supports it needed"),
    "update": N_("New update on %(title)s: %(update)s"),
    # Says no more than that: a valuation stays hidden until the budget publishes its prices.
    "valuation": N_("%(title)s has been valuated; the valuation is published with the prices"),
    # A budget project's review (app/budgets/projects.py); a rejection's reason is on its page.
    "project_accepted": N_("Your project %(title)s was admitted to the budget"),
    "project_rejected": N_("Your project %(title)s was not admitted: the reason is on its page"),
}
UNKNOWN = N_("Something happened on something you follow")


class _Values(dict[str, Any]):
    """Missing values read as empty: an old notification still renders after a change."""

    def __missing__(self, key: str) -> str:
        return ""

    def __bool__(self) -> bool:
        # translate() fills placeholders only when given values; even none must fill them.
        return True


def notification_message(notification: Notification) -> tuple[str, dict[str, Any]]:
    """The msgid and its values, for the template's ``message()``, which translates them."""
    values = _Values({k: str(v) for k, v in (notification.values or {}).items()})
    return MESSAGES.get(notification.kind, UNKNOWN), values


def notification_text(language: str, notification: Notification) -> str:
    msgid, values = notification_message(notification)
    return translate(language, msgid, values)
