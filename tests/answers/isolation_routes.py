"""GET routes of official answers with ids, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.answers.factories import make_office, make_successful


def _answer_form(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    proposal = make_successful(db, tenant, office=make_office(db, tenant, "Oficina aislada"))
    return f"/proposals/{proposal.id}/answer", "Oficina aislada"


def _assign_form(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    proposal = make_successful(db, tenant, office=make_office(db, tenant, "Oficina asignable"))
    return f"/proposals/{proposal.id}/assign", "Oficina asignable"


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "answer_form": _answer_form,
    "assign_form": _assign_form,
}
