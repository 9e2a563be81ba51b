"""Public budget pages: the list (current and past budgets) and a budget's page, with its
phases as a timeline and its groups and headings with their amounts."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from app.authz.core import can

# The setup registers its /admin/budgets routes on the same router.
from app.budgets import (
    admin_routes,  # noqa: F401 - registers /admin/budgets
    ballot_routes,  # noqa: F401 - registers /budgets/{id}/ballot and paper ballots
    execution_routes,  # noqa: F401 - registers /budgets/{id}/executions and tracking them
    phase_routes,  # noqa: F401 - registers the phases and moving the phase
    project_routes,  # noqa: F401 - registers /budgets/{id}/projects, proposing and supports
    repository,
    result_routes,  # noqa: F401 - registers the results, publishing them and ballots.pb
    service,
    structure_routes,  # noqa: F401 - registers groups and headings
    valuation,
    valuation_routes,  # noqa: F401 - registers valuators, valuating and the ballot selection
)
from app.budgets.pages import PHASE_NAMES, budget_outline
from app.budgets.router import router as router
from app.deps import IdPath, PrincipalDep, SessionDep, TenantDep
from app.templating import render


@router.get("/budgets", name="list_budgets")
def list_budgets(request: Request, tenant: TenantDep, session: SessionDep) -> Response:
    budgets = repository.list_budgets(session, include_drafts=False)
    current = [budget for budget in budgets if budget.phase != "finished"]
    past = [budget for budget in budgets if budget.phase == "finished"]
    context = {"current": current, "past": past, "phase_names": PHASE_NAMES}
    return render(request, "budgets/list.html", context)


@router.get("/budgets/{budget_id}", name="show_budget")
def show_budget(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    budget_id: IdPath,
) -> Response:
    budget = service.visible_budget(
        session, budget_id, include_drafts=can(principal, "budgets.manage")
    )
    context = budget_outline(session, budget)
    # Valuators find the projects they valuate from the budget's page.
    context["valuation_seat"] = valuation.seat_of(session, budget, principal)
    return render(request, "budgets/show.html", context)
