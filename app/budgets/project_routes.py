"""Project pages of a budget: the list (by heading, and by valuation once prices are public), a
project's page, its image and documents, and the administrators' review (admit, or reject with
a public reason) while reviewing.

Proposing and editing (project_form_routes.py) and supports (support_routes.py) register on
the same router; the form routes come first so /projects/new is not read as a project id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize, can
from app.budgets import (
    documents,
    project_form_routes,  # noqa: F401 - registers new, create, edit and update
    projects,
    support_routes,  # noqa: F401 - registers support and unsupport
)
from app.budgets.models import BudgetProject
from app.budgets.pages import PHASE_NAMES, soles
from app.budgets.project_forms import ReviewForm
from app.budgets.project_pages import (
    REVIEW_NAMES,
    heading_choices,
    int_or_none,
    list_url,
    load_budget,
    load_project,
    show_context,
)
from app.budgets.projects import MAX_PAGE
from app.budgets.results import results_visible
from app.budgets.router import router
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import (
    ClientAddress,
    IdPath,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantDep,
    UserDep,
)
from app.errors import DomainError, NotFound
from app.flash import flash
from app.forms import FormInvalid, parse_form
from app.i18n import N_
from app.proposals import images
from app.templating import render

Short = Annotated[str, Query(max_length=20)]
Reason = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "public, max-age=86400",
}


class FileGone(DomainError):
    """A file on record that is no longer on disk."""

    status_code = 410
    message = N_("This file is no longer available.")


@router.get("/budgets/projects/{project_id}", name="budget_project_by_id")
def project_by_id(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    project_id: IdPath,
) -> Response:
    """Where comments and notifications link to: the project's page under its budget."""
    found = session.get(BudgetProject, project_id)
    if found is None:
        raise NotFound()
    budget, project = load_project(session, principal, found.budget_id, project_id)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/budgets/{budget.id}/projects/{project.id}{query}", 303)


@router.get("/budgets/{budget_id}/projects", name="list_budget_projects")
def list_projects(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    budget_id: IdPath,
    heading: Short = "",
    state: Short = "",
    sort: Short = "",
    page: Short = "1",
    valuation: Short = "",
) -> Response:
    budget = load_budget(session, principal, budget_id)
    choices = heading_choices(session, budget)
    headings = [heading for _group, items in choices for heading in items]
    prices_public = can(principal, "budgets.view_valuation", budget)
    results_public = prices_public and results_visible(budget, headings)
    query = projects.list_query(
        heading_id=int_or_none(heading),
        state=state,
        sort=sort,
        page=int_or_none(page) or 1,
        valuation=valuation,
        prices_public=prices_public,
        results_public=results_public,
    )
    found, more = projects.list_page(session, budget, query)
    context = {
        "budget": budget,
        "projects": found,
        "query": query,
        "heading_choices": choices,
        "heading_names": {h.id: h.name for h in headings},
        "has_next": more and query.page < MAX_PAGE,
        "list_url": list_url,
        "phase_names": PHASE_NAMES,
        "review_names": REVIEW_NAMES,
        "prices_public": prices_public,
        "sorts": projects.sorts_offered(prices_public),
        "valuations": projects.valuations_offered(prices_public, results_public),
        "counted_headings": {h.id for h in headings if h.results_json is not None}
        if results_public
        else set(),
        "soles": soles,
    }
    return render(request, "budgets/project_list.html", context)


@router.get("/budgets/{budget_id}/projects/{project_id}", name="show_budget_project")
def show_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    budget_id: IdPath,
    project_id: IdPath,
    comments_sort: Short = "",
    comments_page: Short = "1",
) -> Response:
    budget, project = load_project(session, principal, budget_id, project_id)
    context = show_context(
        request,
        session,
        principal,
        budget,
        project,
        comments_sort=comments_sort,
        comments_page=int_or_none(comments_page) or 1,
    )
    return render(request, "budgets/project_show.html", context)


@router.get("/budgets/{budget_id}/projects/{project_id}/image", name="budget_project_image")
def project_image(
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    _budget, project = load_project(session, principal, budget_id, project_id)
    if not project.image_name:
        raise NotFound()
    path = images.image_path(settings.var_dir, project.image_name)
    if not path.is_file():
        raise FileGone()
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=images.MEDIA_TYPE, headers=headers)


@router.get(
    "/budgets/{budget_id}/projects/{project_id}/documents/{document_id}",
    name="budget_project_document",
)
def project_document(
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    budget_id: IdPath,
    project_id: IdPath,
    document_id: IdPath,
) -> Response:
    _budget, project = load_project(session, principal, budget_id, project_id)
    found = [d for d in projects.documents_of(session, project.id) if d.id == document_id]
    if not found:
        raise NotFound()
    path = documents.document_path(settings.var_dir, found[0].file_name)
    if not path.is_file():
        raise FileGone()
    # Downloaded, never shown on our origin: a PDF viewer's scripts must not run as the site.
    return FileResponse(
        path,
        media_type=documents.MEDIA_TYPE,
        filename=f"proyecto-{project.id}-documento-{document_id}.pdf",
        headers=DOWNLOAD_HEADERS,
    )


@router.post(
    "/budgets/{budget_id}/projects/{project_id}/review",
    name="review_budget_project",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def review_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Reason = "",
) -> Response:
    budget, project = load_project(session, me, budget_id, project_id)
    authorize(me, "budgets.review", budget)
    submitted = {"decision": decision, "reason": reason}
    try:
        form = parse_form(ReviewForm, submitted)
        if problems := form.problems():
            raise FormInvalid(problems)
    except FormInvalid as invalid:
        context = show_context(
            request, session, me, budget, project, form=submitted, errors=invalid.errors
        )
        return render(request, "budgets/project_show.html", context, status_code=422)
    projects.review_project(session, project, form, me.user_id)
    record(
        session,
        "budgets.project_rejected" if form.decision == "reject" else "budgets.project_accepted",
        actor=me,
        object_type="budget_project",
        object_id=project.id,
        client_address=address,
        details={"budget": budget.id, "reason": form.reason or ""},
    )
    flash(request, N_("The review has been saved and the author notified."), "success")
    return RedirectResponse(f"/budgets/{budget.id}/projects/{project.id}", status_code=303)
