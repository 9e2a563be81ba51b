"""Writing a proposal: the form to publish one, and its author's form to edit it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.deps import ActorDep, ClientAddress, IdPath, SessionDep, SettingsDep, TenantDep
from app.errors import DomainError
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.geozones.repository import list_geozones
from app.i18n import N_
from app.proposals import images, repository, service
from app.proposals.models import Proposal
from app.proposals.pages import TEXT_CAP, Text, load_proposal
from app.proposals.router import router
from app.proposals.schemas import ProposalForm
from app.templating import render

# A text field of the multipart form may be larger than Starlette's 1 MB default (the real
# limits are the form model's), and the route takes an image.
FORM_BYTES = 10 * 1024 * 1024
FORM_LIMITS: Any = {"max_part_size": TEXT_CAP}
Line = Annotated[str, Form(max_length=TEXT_CAP)]
Choices = Annotated[list[str], Form(max_length=100)]
Image = Annotated[UploadFile | None, File()]


def _form_page(
    request: Request,
    session: SessionDep,
    form: Mapping[str, object],
    errors: Mapping[str, FieldError],
    proposal: Proposal | None = None,
    status: int = 200,
) -> Response:
    context = {
        "form": form,
        "errors": errors,
        "tags": repository.all_tags(session),
        "zones": list_geozones(session),
        "proposal": proposal,
    }
    return render(request, "proposals/form.html", context, status_code=status)


@router.get("/proposals/new", name="new_proposal")
def new_proposal(
    request: Request, tenant: TenantDep, session: SessionDep, actor: ActorDep
) -> Response:
    authorize(actor.person, "proposals.create")
    return _form_page(request, session, {"tag_ids": []}, {})


def _submitted(
    title: str,
    summary: str,
    body: str,
    video_url: str,
    image_alt: str,
    tag_ids: list[str],
    zone: str,
) -> dict[str, Any]:
    return {
        "title": title,
        "summary": summary,
        "body": body,
        "video_url": video_url,
        "image_alt": image_alt,
        "tag_ids": tag_ids,
        "geozone_id": zone,
    }


def _validated(
    session: SessionDep, submitted: dict[str, Any], image: UploadFile | None, had_image: bool
) -> tuple[ProposalForm, list[Any], bool]:
    """The form, its tags and whether an image came; FormInvalid lists every wrong field."""
    errors: dict[str, Any] = {}
    form: ProposalForm | None = None
    try:
        form = parse_form(ProposalForm, submitted)
    except FormInvalid as invalid:
        errors.update(invalid.errors)
    tags: list[Any] = []
    if form is not None:
        try:
            tags = service.chosen_tags(session, form.tag_ids)
        except DomainError as error:
            errors["tag_ids"] = error_of(error)
        try:
            service.check_geozone(session, form.geozone_id)
        except DomainError as error:
            errors["geozone_id"] = error_of(error)
    sent_image = image is not None and bool(image.filename) and (image.size or 0) > 0
    if (sent_image or had_image) and not (form and form.image_alt):
        errors.setdefault("image_alt", N_("Describe the image for people who cannot see it."))
    if errors or form is None:
        raise FormInvalid(errors)
    return form, tags, sent_image


def _accepted(
    session: SessionDep,
    settings: SettingsDep,
    submitted: dict[str, Any],
    image: UploadFile | None,
    had_image: bool,
) -> tuple[ProposalForm, list[Any], str | None]:
    """The valid form, its tags and the name of the image stored for it (None if none came).

    FormInvalid lists every wrong field, an image that cannot be stored included."""
    try:
        form, tags, sent_image = _validated(session, submitted, image, had_image)
        image_name = (
            images.store_image(settings.var_dir, image.file) if image and sent_image else None
        )
    except DomainError as error:
        errors: dict[str, Any] = {"image": error_of(error)}
        raise FormInvalid(errors) from None
    return form, tags, image_name


@router.post(
    "/proposals/new", name="create_proposal", max_body_size=FORM_BYTES, form_limits=FORM_LIMITS
)
def create_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    address: ClientAddress,
    title: Line = "",
    summary: Text = "",
    body: Text = "",
    video_url: Line = "",
    image_alt: Line = "",
    tag_ids: Choices = [],  # noqa: B006 - FastAPI copies defaults
    geozone_id: Line = "",
    image: Image = None,
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    authorize(me, "proposals.create")
    submitted = _submitted(title, summary, body, video_url, image_alt, tag_ids, geozone_id)
    try:
        form, tags, image_name = _accepted(session, settings, submitted, image, had_image=False)
    except FormInvalid as invalid:
        return _form_page(request, session, submitted, invalid.errors, status=422)
    proposal = service.create_proposal(session, tenant.id, me.user_id, form, tags, image_name)
    record(
        session,
        "proposals.create",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
    )
    flash(request, N_("Your proposal has been published."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


def _form_of(proposal: Proposal) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "body": proposal.body,
        "video_url": proposal.video_url or "",
        "image_alt": proposal.image_alt or "",
        "tag_ids": [str(tag.id) for tag in proposal.tags],
        "geozone_id": proposal.geozone_id or "",
    }


@router.get("/proposals/{proposal_id}/edit", name="edit_proposal")
def edit_proposal(
    request: Request, tenant: TenantDep, session: SessionDep, actor: ActorDep, proposal_id: IdPath
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = load_proposal(session, me, proposal_id)
    authorize(me, "proposals.edit", proposal)
    return _form_page(request, session, _form_of(proposal), {}, proposal)


@router.post(
    "/proposals/{proposal_id}/edit",
    name="update_proposal",
    max_body_size=FORM_BYTES,
    form_limits=FORM_LIMITS,
)
def update_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
    title: Line = "",
    summary: Text = "",
    body: Text = "",
    video_url: Line = "",
    image_alt: Line = "",
    tag_ids: Choices = [],  # noqa: B006 - FastAPI copies defaults
    geozone_id: Line = "",
    image: Image = None,
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = load_proposal(session, me, proposal_id)
    authorize(me, "proposals.edit", proposal)
    submitted = _submitted(title, summary, body, video_url, image_alt, tag_ids, geozone_id)
    had_image = proposal.image_name is not None
    try:
        form, tags, image_name = _accepted(session, settings, submitted, image, had_image)
    except FormInvalid as invalid:
        return _form_page(request, session, submitted, invalid.errors, proposal, 422)
    replaced = service.edit_proposal(session, proposal, form, tags, image_name)
    record(
        session,
        "proposals.edit",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
    )
    flash(request, N_("Your proposal has been saved."), "success")
    # The replaced file goes only once the response is out, i.e. after the commit: a failed
    # commit keeps the proposal pointing at its old image, which must still be there.
    removal = BackgroundTask(images.remove_image, settings.var_dir, replaced)
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303, background=removal)
