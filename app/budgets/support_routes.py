"""Supporting a project while the budget is selecting, and withdrawing the support.

A desk manager serving a resident supports for them (channel "desk"), named in the audit log,
as for proposals. One heading too many in the group comes back on the project's page (409)
saying which headings the person already supports.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.budgets import supports
from app.budgets.project_pages import load_project, show_context
from app.budgets.router import router
from app.deps import ActorDep, ClientAddress, IdPath, SessionDep, TenantDep
from app.flash import flash
from app.forms import error_of
from app.i18n import N_
from app.templating import render


@router.post("/budgets/{budget_id}/projects/{project_id}/support", name="support_budget_project")
def support_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    budget, project = load_project(session, actor.person, budget_id, project_id)
    authorize(actor.person, "budgets.support", project, {"budget": budget})
    assert actor.person.resident_id is not None  # the rule asks for a verified resident
    try:
        added = supports.support_project(
            session,
            budget,
            project,
            resident_id=actor.person.resident_id,
            user_id=actor.person.user_id,
            channel=actor.channel,
        )
    except supports.HeadingLimitReached as limit:
        context = show_context(request, session, actor.person, budget, project)
        context["problem"] = error_of(limit)
        return render(request, "budgets/project_show.html", context, status_code=409)
    if added and actor.manager is not None:
        record(
            session,
            "budgets.support",
            actor=actor.manager,
            object_type="budget_project",
            object_id=project.id,
            channel="desk",
            client_address=address,
            details={"for_user": actor.person.user_id},
        )
    if added:
        flash(request, N_("Thank you for your support."), "success")
    else:
        flash(request, N_("You already support this project."), "info")
    return RedirectResponse(f"/budgets/{budget.id}/projects/{project.id}", status_code=303)


@router.post(
    "/budgets/{budget_id}/projects/{project_id}/unsupport", name="unsupport_budget_project"
)
def unsupport_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    budget, project = load_project(session, actor.person, budget_id, project_id)
    authorize(actor.person, "budgets.unsupport", project, {"budget": budget})
    assert actor.person.resident_id is not None
    resident_id = actor.person.resident_id
    if supports.withdraw_support(session, budget, project, resident_id=resident_id):
        flash(request, N_("Your support has been withdrawn."), "success")
    else:
        flash(request, N_("You did not support this project."), "info")
    return RedirectResponse(f"/budgets/{budget.id}/projects/{project.id}", status_code=303)
