"""GET routes of debates that take an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.debates.factories import make_debate


def _show(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    debate = make_debate(db, tenant, title="Debate sólo de alfa 🌽")
    return f"/debates/{debate.id}", "Debate sólo de alfa 🌽"


def _edit(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    # Viewed by an administrator who is not the author: refused (403), never found elsewhere.
    return f"/debates/{make_debate(db, tenant).id}/edit", None


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_debate": _show,
    "edit_debate": _edit,
}
