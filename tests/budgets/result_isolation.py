"""The valuation, results and execution GET routes with an id, for tests/test_isolation.py
(through isolation_routes). An administrator of the same instance reaches each (a photo whose
file is not on disk answers 410, still not 404); another instance's gets 404."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.budgets.models import (
    Budget,
    BudgetBallot,
    BudgetBallotLine,
    BudgetMilestone,
    BudgetPhoto,
    BudgetProject,
)
from app.budgets.results import publish_results
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project

Build = Callable[[Session, Tenant], tuple[str, str | None]]


def _funded(db: Session, tenant: Tenant) -> tuple[Budget, BudgetProject]:
    """A finished budget whose one voted project is funded, results published."""
    budget = make_budget(db, tenant, phase="finished", groups=(("Toda la región", (100,)),))
    (heading,) = headings_of(db, budget)
    project = make_project(db, heading, title=f"Obra solo de {tenant.slug}", price=100)
    with scoped_to(db, tenant.id):
        project.selected = True
        project.feasibility = "feasible"
        ballot = BudgetBallot(heading_id=heading.id, group_id=heading.group_id, voter_key="v-1")
        db.add(ballot)
        db.flush()
        db.add(BudgetBallotLine(ballot_id=ballot.id, project_id=project.id))
        db.flush()
        publish_results(db, budget.id)
        db.flush()
    return budget, project


def _results(suffix: str, marker: bool = True) -> Build:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        budget, project = _funded(db, tenant)
        heading_id = project.heading_id
        path = suffix.format(id=budget.id, project=project.id, heading=heading_id)
        return path, (project.title if marker else None)

    return build


def _milestone(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    budget, project = _funded(db, tenant)
    with scoped_to(db, tenant.id):
        milestone = BudgetMilestone(project_id=project.id, title=f"Hito de {tenant.slug}")
        db.add(milestone)
        db.flush()
    path = f"/admin/budgets/{budget.id}/executions/{project.id}/milestones/{milestone.id}/edit"
    return path, milestone.title


def _photo(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    budget, project = _funded(db, tenant)
    with scoped_to(db, tenant.id):
        photo = BudgetPhoto(project_id=project.id, file_name="no-en-disco.jpg", alt="Obra")
        db.add(photo)
        db.flush()
    return f"/budgets/{budget.id}/executions/photos/{photo.id}", None


def _valuating(suffix: str) -> Build:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        budget = make_budget(db, tenant, phase="valuating")
        heading = headings_of(db, budget)[0]
        project = make_project(db, heading, title=f"Obra por valorar de {tenant.slug}")
        return suffix.format(id=budget.id, project=project.id), None

    return build


RESULT_ROUTES: dict[str, Build] = {
    "budget_results": _results("/budgets/{id}/results"),
    "budget_heading_ballots": _results("/budgets/{id}/headings/{heading}/ballots.pb", False),
    "budget_executions": _results("/budgets/{id}/executions"),
    "admin_budget_execution": _results("/admin/budgets/{id}/executions/{project}"),
    "admin_edit_budget_milestone": _milestone,
    "budget_execution_photo": _photo,
    "budget_valuation": _valuating("/budgets/{id}/valuation"),
    "budget_valuation_form": _valuating("/budgets/{id}/valuation/{project}"),
    "admin_budget_valuators": _valuating("/admin/budgets/{id}/valuators"),
    "admin_budget_selection": _valuating("/admin/budgets/{id}/selection"),
}
