"""GET routes of the budget pages and setup with an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.budgets.ballot_isolation import BALLOT_ROUTES
from tests.budgets.factories import groups_of, headings_of, make_budget
from tests.budgets.project_isolation import PROJECT_ROUTES
from tests.budgets.result_isolation import RESULT_ROUTES


def _name(tenant: Tenant) -> str:
    return f"Presupuesto solo de {tenant.slug}"


def _budget(suffix: str) -> Callable[[Session, Tenant], tuple[str, str | None]]:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        budget = make_budget(db, tenant, name=_name(tenant))
        return suffix.format(id=budget.id), _name(tenant)

    return build


def _group(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    budget = make_budget(db, tenant, name=_name(tenant))
    group = groups_of(db, budget)[0]
    return f"/admin/budgets/{budget.id}/groups/{group.id}/edit", _name(tenant)


def _new_heading(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    budget = make_budget(db, tenant, name=_name(tenant))
    group = groups_of(db, budget)[0]
    return f"/admin/budgets/{budget.id}/groups/{group.id}/headings/new", _name(tenant)


def _heading(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    budget = make_budget(db, tenant, name=_name(tenant))
    heading = headings_of(db, budget)[0]
    return f"/admin/budgets/{budget.id}/headings/{heading.id}/edit", _name(tenant)


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_budget": _budget("/budgets/{id}"),
    "admin_budget": _budget("/admin/budgets/{id}"),
    "admin_edit_budget": _budget("/admin/budgets/{id}/edit"),
    "admin_budget_phases": _budget("/admin/budgets/{id}/phases"),
    "admin_new_budget_group": _budget("/admin/budgets/{id}/groups/new"),
    "admin_edit_budget_group": _group,
    "admin_new_budget_heading": _new_heading,
    "admin_edit_budget_heading": _heading,
}
ROUTES.update(PROJECT_ROUTES)
ROUTES.update(BALLOT_ROUTES)
ROUTES.update(RESULT_ROUTES)
