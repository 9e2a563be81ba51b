"""A budget's results: publishing them (administrators, after balloting), the public results
page, and each heading's ballots as an anonymised Pabulib file.

The file is served only while the ballots are those the published results counted (same
fingerprint): a paper ballot entered after publishing makes it 409 until the administrator
publishes again, so the file and the results page never disagree.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.budgets import repository, service
from app.budgets.admin_routes import audit, managed_budget
from app.budgets.export import heading_ballots, to_pabulib
from app.budgets.models import Budget
from app.budgets.pages import RULE_NAMES, soles
from app.budgets.results import (
    RESULTS_PHASES,
    RULE_EXPLANATIONS,
    bar_chart,
    heading_results,
    publish_results,
    results_visible,
    stored_results,
)
from app.budgets.router import router
from app.budgets.tally import write_pabulib
from app.deps import ClientAddress, IdPath, PrincipalDep, SessionDep, TenantDep, UserDep
from app.errors import Conflict, DomainError, NotFound
from app.flash import flash
from app.forms import error_of
from app.i18n import N_
from app.templating import render

BALLOTS_CHANGED = N_(
    "The ballots of this heading changed after the results were published. The file will be "
    "available again when the results are published again."
)


def _results_page(
    request: Request,
    session: SessionDep,
    principal: Principal | None,
    budget: Budget,
    problem: DomainError | None = None,
) -> Response:
    groups = repository.groups_of(session, budget.id)
    by_group = repository.headings_by_group(session, budget.id)
    headings = [heading for group in groups for heading in by_group.get(group.id, [])]
    visible = results_visible(budget, headings)
    if not visible and not can(principal, "budgets.manage"):
        raise NotFound()
    results = heading_results(session, headings)
    context = {
        "budget": budget,
        "groups": groups,
        "results": {result.heading.id: result for result in results},
        "charts": {result.heading.id: bar_chart(result.projects) for result in results},
        "headings": by_group,
        "visible": visible,
        "published": bool(results),
        "rule_names": RULE_NAMES,
        "rule_explanations": RULE_EXPLANATIONS,
        "soles": soles,
        "problem": error_of(problem) if problem is not None else None,
    }
    status = problem.status_code if problem is not None else 200
    return render(request, "budgets/results.html", context, status_code=status)


@router.get("/budgets/{budget_id}/results", name="budget_results")
def show_results(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    budget_id: IdPath,
) -> Response:
    budget = service.visible_budget(
        session, budget_id, include_drafts=can(principal, "budgets.manage")
    )
    return _results_page(request, session, principal, budget)


@router.post("/admin/budgets/{budget_id}/results", name="admin_publish_budget_results")
def publish(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
) -> Response:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.publish_results", budget)
    try:
        outcomes = publish_results(session, budget.id)
    except DomainError as error:  # refused before anything was written
        return _results_page(request, session, me, budget, error)
    details = {
        "rule": budget.rule,
        "headings": {
            str(heading_id): {"funded": found["funded"], "ballots": found["ballots"]}
            for heading_id, found in outcomes.items()
        },
    }
    audit(session, "budgets.results_published", me, budget.id, address, details)
    flash(request, N_("The results have been counted and published."), "success")
    return RedirectResponse(f"/budgets/{budget.id}/results", status_code=303)


@router.get("/budgets/{budget_id}/headings/{heading_id}/ballots.pb", name="budget_heading_ballots")
def export_ballots(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    budget_id: IdPath,
    heading_id: IdPath,
) -> Response:
    budget = service.visible_budget(session, budget_id, include_drafts=False)
    heading = repository.get_heading(session, budget.id, heading_id)
    if heading is None or budget.phase not in RESULTS_PHASES:
        raise NotFound()
    stored = stored_results(heading)
    if stored is None:
        raise NotFound()
    data = heading_ballots(session, heading)
    if data.fingerprint() != stored["fingerprint"]:
        raise Conflict(BALLOTS_CHANGED)
    codes = {str(project.id): project.code for project in data.projects}
    text = write_pabulib(
        to_pabulib(
            budget,
            data,
            seed=stored["seed"],
            votes={codes[pid]: votes for pid, votes in stored["votes"].items()},
            funded=[codes[str(pid)] for pid in stored["funded"]],
        )
    )
    name = f"budget-{budget.id}-heading-{heading.id}.pb"
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
