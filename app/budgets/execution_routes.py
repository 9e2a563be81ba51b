"""Execution of the funded projects: the public list /budgets/{id}/executions (filters by heading
and status, GET) with each project's milestones, progress, CUI, amount executed and photos;
and the administrators' page per funded project to keep it up to date (budgets.track_execution,
once the budget is finished). Every change is audited with the budget as its object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize
from app.authz.principal import Principal
from app.budgets import executions, repository, service
from app.budgets.admin_routes import audit, managed_budget
from app.budgets.models import EXECUTION_STATUSES, Budget, BudgetMilestone, BudgetProject
from app.budgets.pages import soles
from app.budgets.results import results_visible
from app.budgets.router import router
from app.deps import (
    ClientAddress,
    IdPath,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantDep,
    UserDep,
)
from app.errors import DomainError, Invalid, NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.proposals import images
from app.proposals.routes import ImageGone
from app.templating import render

Line = Annotated[str, Form(max_length=1000)]
Text = Annotated[str, Form(max_length=20_000)]
Filter = Annotated[str, Query(max_length=20)]
Photo = Annotated[UploadFile | None, File()]
EXECUTION_FIELDS = ("execution_status", "progress", "cui", "amount_executed")
PHOTO_FORM_BYTES = images.MAX_UPLOAD_BYTES + 64 * 1024  # the photo and its description
MILESTONE_FIELDS = ("title", "description", "due_on", "done_on")


def _headings(session: SessionDep, budget: Budget) -> list[Any]:
    groups = repository.groups_of(session, budget.id)
    by_group = repository.headings_by_group(session, budget.id)
    return [heading for group in groups for heading in by_group.get(group.id, [])]


@router.get("/budgets/{budget_id}/executions", name="budget_executions")
def list_executions(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    budget_id: IdPath,
    heading: Filter = "",
    status: Filter = "",
) -> Response:
    budget = service.visible_budget(session, budget_id, include_drafts=False)
    headings = _headings(session, budget)
    heading_id = None
    if heading:
        heading_id = next((h.id for h in headings if str(h.id) == heading), None)
        if heading_id is None:  # another budget's heading, another instance's, or none
            raise NotFound()
    if status and status not in EXECUTION_STATUSES:
        raise Invalid(N_("Choose one of the options."))
    visible = results_visible(budget, headings)
    projects = (
        executions.funded_projects(session, budget, heading_id, status or None) if visible else []
    )
    ids = [project.id for project in projects]
    context = {
        "budget": budget,
        "headings": headings,
        "heading_names": {h.id: h.name for h in headings},
        "heading_options": [(h.id, h.name) for h in headings],
        "projects": projects,
        "milestones": executions.milestones_by_project(session, ids),
        "photos": executions.photos_by_project(session, ids),
        "visible": visible,
        "chosen": {"heading": heading, "status": status},
        "status_names": executions.STATUS_NAMES,
        "soles": soles,
    }
    return render(request, "budgets/executions.html", context)


@router.get("/budgets/{budget_id}/executions/photos/{photo_id}", name="budget_execution_photo")
def execution_photo(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    budget_id: IdPath,
    photo_id: IdPath,
) -> Response:
    budget = service.visible_budget(session, budget_id, include_drafts=False)
    photo = executions.public_photo(session, budget, photo_id)
    if not results_visible(budget, _headings(session, budget)):
        raise NotFound()
    path = images.image_path(settings.var_dir, photo.file_name)
    if not path.is_file():
        raise ImageGone()
    return FileResponse(
        path,
        media_type=images.MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def _tracked(
    session: SessionDep, me: Principal, budget_id: int, project_id: int
) -> tuple[Budget, BudgetProject]:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.track_execution", budget)
    return budget, executions.funded_project(session, budget, project_id)


def _execution_form(project: BudgetProject) -> dict[str, Any]:
    return {
        "execution_status": project.execution_status,
        "progress": project.progress,
        "cui": project.cui or "",
        "amount_executed": project.amount_executed if project.amount_executed is not None else "",
    }


def _edit_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    project: BudgetProject,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    milestone_form: Mapping[str, Any] | None = None,
    milestone_errors: Mapping[str, FieldError] | None = None,
    photo_form: Mapping[str, Any] | None = None,
    photo_errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "budget": budget,
        "project": project,
        "heading": repository.get_heading(session, budget.id, project.heading_id),
        "milestones": executions.milestones_by_project(session, [project.id])[project.id],
        "photos": executions.photos_by_project(session, [project.id])[project.id],
        "form": form if form is not None else _execution_form(project),
        "errors": errors or {},
        "milestone_form": milestone_form or {},
        "milestone_errors": milestone_errors or {},
        "photo_form": photo_form or {},
        "photo_errors": photo_errors or {},
        "status_names": executions.STATUS_NAMES,
        "soles": soles,
    }
    return render(request, "budgets/execution_edit.html", context, status_code=status)


def _page_path(budget: Budget, project: BudgetProject) -> str:
    return f"/admin/budgets/{budget.id}/executions/{project.id}"


@router.get("/admin/budgets/{budget_id}/executions/{project_id}", name="admin_budget_execution")
def edit_execution(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    return _edit_page(request, session, budget, project)


@router.post("/admin/budgets/{budget_id}/executions/{project_id}", name="admin_update_execution")
def update_execution(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    execution_status: Line = "",
    progress: Line = "",
    cui: Line = "",
    amount_executed: Line = "",
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    values = (execution_status, progress, cui, amount_executed)
    submitted = dict(zip(EXECUTION_FIELDS, values, strict=True))
    try:
        form = parse_form(executions.ExecutionForm, submitted)
    except FormInvalid as invalid:
        return _edit_page(
            request, session, budget, project, form=submitted, errors=invalid.errors, status=422
        )
    executions.update_execution(session, project, form)
    details = {"project": project.id, "status": form.execution_status, "progress": form.progress}
    audit(session, "budgets.execution_updated", me, budget.id, address, details)
    flash(request, N_("The execution has been saved."), "success")
    return RedirectResponse(_page_path(budget, project), status_code=303)


def _milestone_submitted(title: str, description: str, due_on: str, done_on: str) -> dict[str, str]:
    return dict(zip(MILESTONE_FIELDS, (title, description, due_on, done_on), strict=True))


@router.post(
    "/admin/budgets/{budget_id}/executions/{project_id}/milestones",
    name="admin_add_budget_milestone",
)
def add_milestone(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    title: Line = "",
    description: Text = "",
    due_on: Line = "",
    done_on: Line = "",
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    submitted = _milestone_submitted(title, description, due_on, done_on)
    try:
        form = parse_form(executions.MilestoneForm, submitted)
    except FormInvalid as invalid:
        return _edit_page(
            request,
            session,
            budget,
            project,
            milestone_form=submitted,
            milestone_errors=invalid.errors,
            status=422,
        )
    milestone = executions.add_milestone(session, project, form)
    details = {"project": project.id, "milestone": milestone.id}
    audit(session, "budgets.milestone_added", me, budget.id, address, details)
    flash(request, N_("The milestone has been added."), "success")
    return RedirectResponse(_page_path(budget, project), status_code=303)


def _milestone_page(
    request: Request,
    budget: Budget,
    project: BudgetProject,
    milestone: BudgetMilestone,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "budget": budget,
        "project": project,
        "milestone": milestone,
        "form": form,
        "errors": errors,
    }
    return render(request, "budgets/execution_milestone.html", context, status_code=status)


@router.get(
    "/admin/budgets/{budget_id}/executions/{project_id}/milestones/{milestone_id}/edit",
    name="admin_edit_budget_milestone",
)
def edit_milestone(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    project_id: IdPath,
    milestone_id: IdPath,
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    milestone = executions.milestone_of(session, project, milestone_id)
    form = {
        "title": milestone.title,
        "description": milestone.description,
        "due_on": milestone.due_on.isoformat() if milestone.due_on else "",
        "done_on": milestone.done_on.isoformat() if milestone.done_on else "",
    }
    return _milestone_page(request, budget, project, milestone, form, {})


@router.post(
    "/admin/budgets/{budget_id}/executions/{project_id}/milestones/{milestone_id}/edit",
    name="admin_update_budget_milestone",
)
def update_milestone(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    milestone_id: IdPath,
    title: Line = "",
    description: Text = "",
    due_on: Line = "",
    done_on: Line = "",
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    milestone = executions.milestone_of(session, project, milestone_id)
    submitted = _milestone_submitted(title, description, due_on, done_on)
    try:
        form = parse_form(executions.MilestoneForm, submitted)
    except FormInvalid as invalid:
        return _milestone_page(request, budget, project, milestone, submitted, invalid.errors, 422)
    executions.update_milestone(session, milestone, form)
    details = {"project": project.id, "milestone": milestone.id}
    audit(session, "budgets.milestone_edited", me, budget.id, address, details)
    flash(request, N_("The milestone has been saved."), "success")
    return RedirectResponse(_page_path(budget, project), status_code=303)


@router.post(
    "/admin/budgets/{budget_id}/executions/{project_id}/milestones/{milestone_id}/delete",
    name="admin_delete_budget_milestone",
)
def delete_milestone(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    milestone_id: IdPath,
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    milestone = executions.milestone_of(session, project, milestone_id)
    details = {"project": project.id, "milestone": milestone.id, "title": milestone.title}
    executions.delete_milestone(session, milestone)
    audit(session, "budgets.milestone_deleted", me, budget.id, address, details)
    flash(request, N_("The milestone has been deleted."), "success")
    return RedirectResponse(_page_path(budget, project), status_code=303)


@router.post(
    "/admin/budgets/{budget_id}/executions/{project_id}/photos",
    name="admin_add_budget_photo",
    max_body_size=PHOTO_FORM_BYTES,
)
def add_photo(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    alt: Line = "",
    photo: Photo = None,
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    submitted = {"alt": alt}
    errors: dict[str, FieldError] = {}
    form = None
    try:
        form = parse_form(executions.PhotoForm, submitted)
    except FormInvalid as invalid:
        errors.update(invalid.errors)
    sent = photo is not None and bool(photo.filename) and (photo.size or 0) > 0
    if not sent:
        errors["photo"] = N_("Choose a photo to upload.")
    name = None
    if not errors and photo is not None:
        try:
            name = images.store_image(settings.var_dir, photo.file)
        except DomainError as error:
            errors["photo"] = error_of(error)
    if errors or form is None or name is None:
        return _edit_page(
            request,
            session,
            budget,
            project,
            photo_form=submitted,
            photo_errors=errors,
            status=422,
        )
    stored = executions.add_photo(session, project, name, form.alt)
    audit(
        session,
        "budgets.photo_added",
        me,
        budget.id,
        address,
        {"project": project.id, "photo": stored.id},
    )
    flash(request, N_("The photo has been added."), "success")
    return RedirectResponse(_page_path(budget, project), status_code=303)


@router.post(
    "/admin/budgets/{budget_id}/executions/{project_id}/photos/{photo_id}/delete",
    name="admin_delete_budget_photo",
)
def delete_photo(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    photo_id: IdPath,
) -> Response:
    budget, project = _tracked(session, me, budget_id, project_id)
    photo = executions.photo_of(session, project, photo_id)
    details = {"project": project.id, "photo": photo.id}
    name = executions.delete_photo(session, photo)
    audit(session, "budgets.photo_deleted", me, budget.id, address, details)
    flash(request, N_("The photo has been deleted."), "success")
    # The file goes once the response is out, i.e. after the commit (as proposal images).
    removal = BackgroundTask(images.remove_image, settings.var_dir, name)
    return RedirectResponse(_page_path(budget, project), status_code=303, background=removal)
