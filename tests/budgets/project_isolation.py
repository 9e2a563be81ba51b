"""GET routes of the project pages with an id, for tests/test_isolation.py (merged into
tests/budgets/isolation_routes.py). Files on record but not on disk answer 410 to their own
instance: what matters is the 404 to another."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.budgets.models import BudgetProject, BudgetProjectDocument
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project

Builder = Callable[[Session, Tenant], tuple[str, str | None]]


def _title(tenant: Tenant) -> str:
    return f"Proyecto solo de {tenant.slug}"


def _project(db: Session, tenant: Tenant) -> BudgetProject:
    budget = make_budget(db, tenant, phase="accepting", name=f"Presupuesto de {tenant.slug}")
    project = make_project(db, headings_of(db, budget)[0], title=_title(tenant))
    with scoped_to(db, tenant.id):
        project.image_name = "no-esta-en-disco.jpg"
        db.add(BudgetProjectDocument(project_id=project.id, file_name="no-esta.pdf", title="PDF"))
        db.flush()
    return project


def _page(suffix: str, marked: bool) -> Builder:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        project = _project(db, tenant)
        path = f"/budgets/{project.budget_id}/projects" + suffix.format(id=project.id)
        return path, _title(tenant) if marked else None

    return build


def _document(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    project = _project(db, tenant)
    with scoped_to(db, tenant.id):
        document = db.query(BudgetProjectDocument).filter_by(project_id=project.id).one()
    return f"/budgets/{project.budget_id}/projects/{project.id}/documents/{document.id}", None


def _new(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    project = _project(db, tenant)
    return f"/budgets/{project.budget_id}/projects/new", f"Presupuesto de {tenant.slug}"


def _by_id(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    return f"/budgets/projects/{_project(db, tenant).id}", None


PROJECT_ROUTES: dict[str, Builder] = {
    "list_budget_projects": _page("", True),
    "show_budget_project": _page("/{id}", True),
    "budget_project_image": _page("/{id}/image", False),
    "budget_project_document": _document,
    "new_budget_project": _new,
    "edit_budget_project": _page("/{id}/edit", False),
    "budget_project_by_id": _by_id,
}
