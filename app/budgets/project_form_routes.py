"""Proposing a project to a budget, and its author's form to edit it while the budget accepts
projects. The image goes through the proposals' image handling (re-encoded, bounded); PDF
documents through documents.py. Files are written before the commit and an invalid form keeps
none; files a project stops using are removed only after the commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.budgets import documents as pdf
from app.budgets import projects
from app.budgets.models import Budget, BudgetProject
from app.budgets.project_forms import ProjectForm
from app.budgets.project_pages import heading_choices, load_budget, load_project
from app.budgets.projects import NewDocument
from app.budgets.router import router
from app.budgets.service import FormProblem
from app.config import Settings
from app.content.limits import TEXT_FIELD_CHARS
from app.deps import ActorDep, ClientAddress, IdPath, SessionDep, SettingsDep, TenantDep
from app.errors import DomainError
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.proposals import images
from app.templating import render

# An image (5 MB) and up to three PDF documents (5 MB each) with the text fields.
FORM_BYTES = 22 * 1024 * 1024
FORM_LIMITS: Any = {"max_part_size": TEXT_FIELD_CHARS, "max_files": 8}
Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Line = Annotated[str, Form(max_length=1000)]
Image = Annotated[UploadFile | None, File()]
Files = Annotated[list[UploadFile], File()]
Ids = Annotated[list[str], Form(max_length=20)]
FIELDS = ("title", "description", "heading_id", "location", "image_alt")


def _form_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    project: BudgetProject | None = None,
    status: int = 200,
) -> Response:
    context = {
        "budget": budget,
        "project": project,
        "form": form,
        "errors": errors,
        "heading_choices": heading_choices(session, budget),
        "documents": projects.documents_of(session, project.id) if project else [],
        "max_documents": pdf.MAX_DOCUMENTS,
    }
    return render(request, "budgets/project_form.html", context, status_code=status)


def _sent(upload: UploadFile | None) -> bool:
    return upload is not None and bool(upload.filename) and (upload.size or 0) > 0


def _accepted(
    settings: Settings,
    submitted: dict[str, Any],
    image: UploadFile | None,
    uploads: list[UploadFile],
    kept_documents: int,
    had_image: bool,
) -> tuple[ProjectForm, str | None, list[NewDocument]]:
    """The valid form and the files stored for it; FormInvalid lists every wrong field."""
    errors: dict[str, Any] = {}
    form: ProjectForm | None = None
    try:
        form = parse_form(ProjectForm, submitted)
    except FormInvalid as invalid:
        errors.update(invalid.errors)
    sent_image = _sent(image)
    if (sent_image or had_image) and not (form and form.image_alt):
        errors.setdefault("image_alt", N_("Describe the image for people who cannot see it."))
    sent_documents = [upload for upload in uploads if _sent(upload)]
    if kept_documents + len(sent_documents) > pdf.MAX_DOCUMENTS:
        errors["documents"] = (
            N_("A project may have at most %(count)s documents."),
            {"count": pdf.MAX_DOCUMENTS},
        )
    if errors or form is None:
        raise FormInvalid(errors)
    stored: list[str] = []
    image_name = None
    try:
        if image is not None and sent_image:
            image_name = images.store_image(settings.var_dir, image.file)
    except DomainError as error:
        raise FormInvalid({"image": error_of(error)}) from None  # type: ignore[dict-item]
    try:
        for upload in sent_documents:
            stored.append(pdf.store_document(settings.var_dir, upload.file, upload.content_type))
    except DomainError as error:
        images.remove_image(settings.var_dir, image_name)
        pdf.remove_documents(settings.var_dir, stored)
        raise FormInvalid({"documents": error_of(error)}) from None  # type: ignore[dict-item]
    added = [
        NewDocument(name, pdf.document_title(upload.filename))
        for name, upload in zip(stored, sent_documents, strict=True)
    ]
    return form, image_name, added


def _discard(settings: Settings, image_name: str | None, added: list[NewDocument]) -> None:
    images.remove_image(settings.var_dir, image_name)
    pdf.remove_documents(settings.var_dir, [document.file_name for document in added])


@router.get("/budgets/{budget_id}/projects/new", name="new_budget_project")
def new_project(
    request: Request, tenant: TenantDep, session: SessionDep, actor: ActorDep, budget_id: IdPath
) -> Response:
    budget = load_budget(session, actor.person, budget_id)
    authorize(actor.person, "budgets.propose", budget)
    return _form_page(request, session, budget, {}, {})


@router.post(
    "/budgets/{budget_id}/projects/new",
    name="create_budget_project",
    max_body_size=FORM_BYTES,
    form_limits=FORM_LIMITS,
)
def create_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    address: ClientAddress,
    budget_id: IdPath,
    title: Line = "",
    description: Text = "",
    heading_id: Line = "",
    location: Line = "",
    image_alt: Line = "",
    image: Image = None,
    documents: Files = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    budget = load_budget(session, me, budget_id)
    authorize(me, "budgets.propose", budget)
    submitted = dict(
        zip(FIELDS, (title, description, heading_id, location, image_alt), strict=True)
    )
    try:
        form, image_name, added = _accepted(settings, submitted, image, documents, 0, False)
    except FormInvalid as invalid:
        return _form_page(request, session, budget, submitted, invalid.errors, status=422)
    try:
        project = projects.create_project(session, budget, me.user_id, form, image_name, added)
    except FormProblem as problem:
        _discard(settings, image_name, added)
        errors = {problem.field: error_of(problem)}
        return _form_page(request, session, budget, submitted, errors, status=422)
    record(
        session,
        "budgets.project_created",
        actor=me,
        object_type="budget_project",
        object_id=project.id,
        client_address=address,
        details={"budget": budget.id},
    )
    flash(request, N_("Your project has been sent. It will be reviewed."), "success")
    return RedirectResponse(f"/budgets/{budget.id}/projects/{project.id}", status_code=303)


def _form_of(project: BudgetProject) -> dict[str, Any]:
    return {
        "title": project.title,
        "description": project.description,
        "heading_id": project.heading_id,
        "location": project.location or "",
        "image_alt": project.image_alt or "",
    }


@router.get("/budgets/{budget_id}/projects/{project_id}/edit", name="edit_budget_project")
def edit_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    budget, project = load_project(session, actor.person, budget_id, project_id)
    authorize(actor.person, "budgets.edit_project", project, {"budget": budget})
    return _form_page(request, session, budget, _form_of(project), {}, project)


@router.post(
    "/budgets/{budget_id}/projects/{project_id}/edit",
    name="update_budget_project",
    max_body_size=FORM_BYTES,
    form_limits=FORM_LIMITS,
)
def update_project(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    title: Line = "",
    description: Text = "",
    heading_id: Line = "",
    location: Line = "",
    image_alt: Line = "",
    image: Image = None,
    documents: Files = [],  # noqa: B006 - FastAPI copies defaults
    remove_documents: Ids = [],  # noqa: B006
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    budget, project = load_project(session, me, budget_id, project_id)
    authorize(me, "budgets.edit_project", project, {"budget": budget})
    submitted: dict[str, Any] = dict(
        zip(FIELDS, (title, description, heading_id, location, image_alt), strict=True)
    )
    current = projects.documents_of(session, project.id)
    removed = [document for document in current if str(document.id) in remove_documents]
    submitted["remove_documents"] = [str(document.id) for document in removed]
    kept = len(current) - len(removed)
    try:
        form, image_name, added = _accepted(
            settings, submitted, image, documents, kept, project.image_name is not None
        )
    except FormInvalid as invalid:
        return _form_page(request, session, budget, submitted, invalid.errors, project, 422)
    try:
        unused = projects.edit_project(session, budget, project, form, image_name, added, removed)
    except FormProblem as problem:
        _discard(settings, image_name, added)
        errors = {problem.field: error_of(problem)}
        return _form_page(request, session, budget, submitted, errors, project, 422)
    record(
        session,
        "budgets.project_edited",
        actor=me,
        object_type="budget_project",
        object_id=project.id,
        client_address=address,
        details={"budget": budget.id},
    )
    flash(request, N_("Your project has been saved."), "success")
    # Replaced files go only once the response is out, i.e. after the commit.
    removal = BackgroundTask(_remove_unused, settings, unused)
    return RedirectResponse(
        f"/budgets/{budget.id}/projects/{project.id}", status_code=303, background=removal
    )


def _remove_unused(settings: Settings, names: list[str]) -> None:
    for name in names:
        if name.endswith(".pdf"):
            pdf.remove_documents(settings.var_dir, [name])
        else:
            images.remove_image(settings.var_dir, name)
