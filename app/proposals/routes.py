"""Proposal pages: the list, writing one, its page, supporting it, and the author's actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import File, Form, Query, Request, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from app.answers.panel import answer_panel
from app.audit.service import record
from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.comments.service import comment_section
from app.content.limits import TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.content.markdown import plain_excerpt, render_markdown
from app.db import utcnow
from app.deps import (
    ActorDep,
    ClientAddress,
    IdPath,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantDep,
)
from app.errors import DomainError, NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.geozones.repository import list_geozones
from app.i18n import N_
from app.notifications.service import is_following
from app.proposals import (
    admin_routes,  # noqa: F401 - registers /admin/proposals
    images,
    repository,
    service,
)
from app.proposals.models import RETIRE_REASONS, Proposal
from app.proposals.permissions import aware
from app.proposals.repository import LIST_STATES, MAX_PAGE, SORTS, ListQuery
from app.proposals.router import router as router
from app.proposals.schemas import ProposalForm, RetireForm, UpdateForm
from app.templating import render

# Bodies are checked against their real limits in the form model, so that too-long text comes
# back in the form; these caps only stop abuse. A text field of the multipart form may be larger
# than Starlette's 1 MB default for the same reason, and the route takes an image.
TEXT_CAP = 4_000_000
FORM_BYTES = 10 * 1024 * 1024
FORM_LIMITS: Any = {"max_part_size": TEXT_CAP}
Line = Annotated[str, Form(max_length=TEXT_CAP)]
Text = Annotated[str, Form(max_length=TEXT_CAP)]
Choices = Annotated[list[str], Form(max_length=100)]
Image = Annotated[UploadFile | None, File()]
TEXT_FIELDS = ("title", "summary", "body", "video_url", "image_alt")

RETIRE_LABELS = {
    "duplicated": N_("It duplicates another proposal"),
    "started": N_("It is already being done"),
    "unfeasible": N_("It is not feasible"),
    "done": N_("It has been done"),
    "other": N_("Other reasons"),
}


class ImageGone(DomainError):
    """The proposal has an image on record whose file is no longer on disk."""

    status_code = 410
    message = N_("This image is no longer available.")


def list_url(query: ListQuery, **changes: object) -> str:
    """The list's address with these parameters changed (defaults left out)."""
    values = {
        "state": query.state,
        "sort": query.sort,
        "tag": query.tag_id or "",
        "zone": query.geozone_id or "",
        "q": query.text,
        "page": query.page,
        **changes,
    }
    defaults = {"state": "open", "sort": "active", "tag": "", "zone": "", "q": "", "page": 1}
    kept = {key: value for key, value in values.items() if value != defaults[key]}
    return "/proposals" + ("?" + urlencode(kept) if kept else "")


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number < 2**63 else None


@router.get("/proposals", name="list_proposals")
def list_proposals(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    state: str = "open",
    sort: str = "active",
    tag: str = "",
    zone: str = "",
    q: str = "",
    page: str = "1",
) -> Response:
    query = ListQuery(
        state=state if state in LIST_STATES else "open",
        sort=sort if sort in SORTS else "active",
        tag_id=_int_or_none(tag),
        geozone_id=_int_or_none(zone),
        text=" ".join(q.split())[:200],
        page=min(max(_int_or_none(page) or 1, 1), MAX_PAGE),
    )
    proposals, more = repository.list_page(session, query)
    zones = list_geozones(session)
    authors = repository.names_of_users(
        session, {p.author_id for p in proposals if p.author_id is not None}
    )
    context = {
        "proposals": proposals,
        "excerpts": {p.id: plain_excerpt(p.summary, 200) for p in proposals},
        "authors": authors,
        "zones": zones,
        "zone_names": {zone.id: zone.name for zone in zones},
        "tags": repository.all_tags(session),
        "query": query,
        "has_next": more and query.page < MAX_PAGE,
        "list_url": list_url,
        "now": utcnow(),
        "aware": aware,
    }
    return render(request, "proposals/list.html", context)


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
        form, tags, sent_image = _validated(session, submitted, image, had_image=False)
        image_name = (
            images.store_image(settings.var_dir, image.file) if image and sent_image else None
        )
    except FormInvalid as invalid:
        return _form_page(request, session, submitted, invalid.errors, status=422)
    except DomainError as error:
        return _form_page(request, session, submitted, {"image": error_of(error)}, status=422)
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


def _load(session: SessionDep, principal: Principal | None, proposal_id: int) -> Proposal:
    return service.visible_proposal(
        session, proposal_id, include_hidden=can(principal, "proposals.view_hidden")
    )


def _show_context(
    request: Request,
    session: SessionDep,
    principal: Principal | None,
    proposal: Proposal,
    comments_sort: str = "",
    comments_page: int = 1,
) -> dict[str, Any]:
    acting: Principal | None = getattr(request.state, "acting_for", None)
    supporter = acting or principal
    supported = (
        supporter is not None
        and supporter.resident_id is not None
        and repository.has_supported(session, proposal.id, supporter.resident_id)
    )
    authors = {proposal.author_id} if proposal.author_id is not None else set()
    zones = {proposal.geozone_id} if proposal.geozone_id is not None else set()
    return {
        "proposal": proposal,
        "author_name": repository.names_of_users(session, authors).get(proposal.author_id or 0),
        "zone": repository.geozones_by_id(session, zones).get(proposal.geozone_id or 0),
        "supporter": supporter,
        "supported": supported,
        "answer": answer_panel(session, proposal),
        "body_html": render_markdown(proposal.body),
        "updates": [
            (news, render_markdown(news.body))
            for news in repository.updates_of(session, proposal.id)
        ],
        "retire_reasons": [(key, RETIRE_LABELS[key]) for key in RETIRE_REASONS],
        "now": utcnow(),
        "aware": aware,
        # What the shared includes need (comments, follow, flag, moderation buttons).
        "comments": comment_section(
            session,
            "proposal",
            proposal.id,
            supporter,
            comments_sort,
            comments_page,
            target=proposal,
        ),
        "following": supporter is not None
        and is_following(session, supporter.user_id, "proposal", proposal.id),
        "target_type": "proposal",
        "target_id": proposal.id,
        "target_hidden": proposal.hidden_at is not None,
        "flag_author_id": proposal.author_id,
        "form": {},
        "errors": {},
    }


@router.get("/proposals/{proposal_id}", name="show_proposal")
def show_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    proposal_id: IdPath,
    comments_sort: Annotated[str, Query(max_length=20)] = "",
    comments_page: Annotated[str, Query(max_length=10)] = "1",
) -> Response:
    proposal = _load(session, principal, proposal_id)
    page = _int_or_none(comments_page) or 1
    context = _show_context(request, session, principal, proposal, comments_sort, page)
    return render(request, "proposals/show.html", context)


@router.get("/proposals/{proposal_id}/image", name="proposal_image")
def proposal_image(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    proposal_id: IdPath,
) -> Response:
    proposal = _load(session, principal, proposal_id)
    if not proposal.image_name:
        raise NotFound()
    path = images.image_path(settings.var_dir, proposal.image_name)
    if not path.is_file():
        raise ImageGone()
    return FileResponse(
        path,
        media_type=images.MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/proposals/{proposal_id}/support", name="support_proposal")
def support_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    proposal_id: IdPath,
) -> Response:
    proposal = _load(session, actor.person, proposal_id)
    authorize(actor.person, "proposals.support", proposal)
    assert actor.person.resident_id is not None  # the rule asks for a verified resident
    outcome = service.support_proposal(
        session,
        proposal,
        resident_id=actor.person.resident_id,
        user_id=actor.person.user_id,
        channel=actor.channel,
    )
    if not outcome.added:
        flash(request, N_("You already support this proposal."), "info")
    elif outcome.reached_goal:
        flash(request, N_("Thank you! With your support the proposal reached its goal."), "success")
    else:
        flash(request, N_("Thank you for your support."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.post("/proposals/{proposal_id}/unsupport", name="unsupport_proposal")
def unsupport_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    proposal_id: IdPath,
) -> Response:
    proposal = _load(session, actor.person, proposal_id)
    authorize(actor.person, "proposals.unsupport", proposal)
    assert actor.person.resident_id is not None
    if service.withdraw_support(session, proposal, resident_id=actor.person.resident_id):
        flash(request, N_("Your support has been withdrawn."), "success")
    else:
        flash(request, N_("You did not support this proposal."), "info")
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
    proposal = _load(session, me, proposal_id)
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
    proposal = _load(session, me, proposal_id)
    authorize(me, "proposals.edit", proposal)
    submitted = _submitted(title, summary, body, video_url, image_alt, tag_ids, geozone_id)
    had_image = proposal.image_name is not None
    try:
        form, tags, sent_image = _validated(session, submitted, image, had_image)
        image_name = (
            images.store_image(settings.var_dir, image.file) if image and sent_image else None
        )
    except FormInvalid as invalid:
        return _form_page(request, session, submitted, invalid.errors, proposal, 422)
    except DomainError as error:
        return _form_page(request, session, submitted, {"image": error_of(error)}, proposal, 422)
    replaced = service.edit_proposal(session, proposal, form, tags, image_name)
    record(
        session,
        "proposals.edit",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
    )
    images.remove_image(settings.var_dir, replaced)
    flash(request, N_("Your proposal has been saved."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


def _show_with_errors(
    request: Request,
    session: SessionDep,
    proposal: Proposal,
    principal: Principal,
    form: dict[str, str],
    errors: Mapping[str, FieldError],
) -> Response:
    context = _show_context(request, session, principal, proposal)
    context.update(form=form, errors=errors)
    return render(request, "proposals/show.html", context, status_code=422)


@router.post(
    "/proposals/{proposal_id}/retire",
    name="retire_proposal",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def retire_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
    reason: Annotated[str, Form(max_length=40)] = "",
    explanation: Text = "",
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = _load(session, me, proposal_id)
    authorize(me, "proposals.retire", proposal)
    submitted = {"reason": reason, "explanation": explanation}
    try:
        form = parse_form(RetireForm, submitted)
    except FormInvalid as invalid:
        return _show_with_errors(request, session, proposal, me, submitted, invalid.errors)
    service.retire_proposal(session, proposal, form)
    record(
        session,
        "proposals.retire",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
        details={"reason": form.reason},
    )
    flash(request, N_("Your proposal has been retired."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.post(
    "/proposals/{proposal_id}/updates",
    name="send_proposal_update",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def send_proposal_update(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
    update_title: Text = "",
    update_body: Text = "",
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = _load(session, me, proposal_id)
    authorize(me, "proposals.send_update", proposal)
    submitted = {"update_title": update_title, "update_body": update_body}
    try:
        form = parse_form(UpdateForm, {"title": update_title, "body": update_body})
    except FormInvalid as invalid:
        errors = {f"update_{name}": text for name, text in invalid.errors.items()}
        return _show_with_errors(request, session, proposal, me, submitted, errors)
    news = service.send_update(session, proposal, form, me.user_id)
    record(
        session,
        "proposals.send_update",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
        details={"update": news.id},
    )
    flash(request, N_("Your news has been sent to the supporters."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}#updates", status_code=303)
