"""Debates: the list with its filters, the page of one debate, opening, editing and voting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.comments.service import comment_section
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.content.markdown import plain_excerpt, render_markdown
from app.content.service import list_tags, tags_by_ids
from app.db import MAX_ID
from app.debates import repository, service
from app.debates.models import Debate
from app.debates.schemas import DebateForm
from app.deps import ActorDep, IdPath, PrincipalDep, SessionDep, TenantDep
from app.errors import Invalid
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.geozones.repository import get_geozone, list_geozones
from app.i18n import N_
from app.notifications.service import is_following
from app.templating import render

router = APIRouter()

# Abuse caps only: real limits are checked by DebateForm so the text comes back with a reason.
Title = Annotated[str, Form(max_length=10_000)]
Body = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Choice = Annotated[str, Form(max_length=40)]
Choices = Annotated[list[str] | None, Form()]
Param = Annotated[str, Query(max_length=400)]


def _person(request: Request) -> Principal | None:
    """Who acts here: the signed-in person, or whom a desk manager is serving."""
    acting: Principal | None = getattr(request.state, "acting_for", None)
    return acting or getattr(request.state, "principal", None)


def _positive(value: str) -> int | None:
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


@router.get("/debates", name="list_debates")
def list_debates(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    sort: Param = "active",
    tag: Param = "",
    zone: Param = "",
    q: Param = "",
    page: Param = "1",
) -> Response:
    query = repository.DebateQuery(
        sort=sort if sort in repository.SORTS else "active",
        tag_id=_positive(tag),
        geozone_id=_positive(zone),
        text=" ".join(q.split())[:200],
        page=min(_positive(page) or 1, repository.MAX_PAGE),
    )
    found = repository.list_debates(session, query)
    context = {
        "query": query,
        "debates": found.debates,
        "authors": found.authors,
        "excerpts": {d.id: plain_excerpt(d.body[:1500], 220) for d in found.debates},
        "has_next": found.has_next,
        "tags": list_tags(session),
        "zones": {zone.id: zone for zone in list_geozones(session)},
        "person": _person(request),
    }
    return render(request, "debates/list.html", context)


def _form_page(
    request: Request,
    session: SessionDep,
    form: Mapping[str, object],
    errors: Mapping[str, FieldError],
    debate: Debate | None = None,
    status: int = 200,
) -> Response:
    context = {
        "form": form,
        "errors": errors,
        "debate": debate,
        "tags": list_tags(session),
        "zones": list_geozones(session),
    }
    return render(request, "debates/form.html", context, status_code=status)


def _submitted(title: str, body: str, tags: list[str] | None, geozone_id: str) -> dict[str, object]:
    return {"title": title, "body": body, "tags": tags or [], "geozone_id": geozone_id}


def _choice_errors(session: SessionDep, form: DebateForm) -> dict[str, FieldError]:
    errors: dict[str, FieldError] = {}
    try:
        tags_by_ids(session, form.tags)
    except Invalid as unknown:
        errors["tags"] = unknown.message
    if form.geozone_id is not None and get_geozone(session, form.geozone_id) is None:
        errors["geozone_id"] = N_("Choose one of the options.")
    return errors


def _shown(form: Mapping[str, object]) -> dict[str, object]:
    """What goes back into the form: the person's text, and the tag ids that can be ticked."""
    tags = form.get("tags") or []
    ticked = {text for text in tags if isinstance(text, str)} if isinstance(tags, list) else set()
    return {**form, "tags": ticked}


@router.get("/debates/new", name="new_debate")
def new_debate(
    request: Request, tenant: TenantDep, session: SessionDep, actor: ActorDep
) -> Response:
    authorize(actor.person, "debates.create")
    return _form_page(request, session, {"tags": set()}, {})


@router.post(
    "/debates",
    name="create_debate",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def create_debate(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    title: Title = "",
    body: Body = "",
    tags: Choices = None,
    geozone_id: Choice = "",
) -> Response:
    authorize(actor.person, "debates.create")
    submitted = _submitted(title, body, tags, geozone_id)
    try:
        form = parse_form(DebateForm, submitted)
    except FormInvalid as invalid:
        return _form_page(request, session, _shown(submitted), invalid.errors, status=422)
    errors = _choice_errors(session, form)
    if errors:
        return _form_page(request, session, _shown(submitted), errors, status=422)
    debate = service.create_debate(session, actor.person.user_id, form)
    flash(request, N_("Your debate has been published."), "success")
    return RedirectResponse(f"/debates/{debate.id}", status_code=303)


@router.get("/debates/{debate_id}", name="show_debate")
def show_debate(
    request: Request,
    debate_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    comments_sort: Param = "",
    comments_page: Param = "1",
) -> Response:
    staff = can(principal, "debates.view_hidden")
    debate = service.visible_debate(session, debate_id, include_hidden=staff)
    person = _person(request)
    authors = repository.authors_of(session, [debate])
    total = debate.votes_total
    agree_percent = round(100 * debate.votes_agree / total) if total else 0
    context = {
        "debate": debate,
        "author": authors.get(debate.author_id) if debate.author_id else None,
        "zone": get_geozone(session, debate.geozone_id) if debate.geozone_id else None,
        "body": render_markdown(debate.body),
        "my_vote": repository.vote_of(session, debate.id, person.user_id) if person else None,
        "agree_percent": agree_percent,
        "disagree_percent": 100 - agree_percent if total else 0,
        "person": person,
        # What the shared includes need (comments, follow, flag, moderation buttons).
        "comments": comment_section(
            session,
            "debate",
            debate.id,
            person,
            comments_sort,
            _positive(comments_page) or 1,
            target=debate,
        ),
        "following": person is not None
        and is_following(session, person.user_id, "debate", debate.id),
        "target_type": "debate",
        "target_id": debate.id,
        "target_hidden": debate.hidden_at is not None,
        "flag_author_id": debate.author_id,
    }
    return render(request, "debates/show.html", context)


@router.get("/debates/{debate_id}/edit", name="edit_debate")
def edit_debate(
    request: Request,
    debate_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    debate = service.visible_debate(session, debate_id)
    authorize(actor.person, "debates.edit", debate)
    form = {
        "title": debate.title,
        "body": debate.body,
        "tags": {str(tag.id) for tag in debate.tags},
        "geozone_id": debate.geozone_id or "",
    }
    return _form_page(request, session, form, {}, debate)


@router.post(
    "/debates/{debate_id}/edit",
    name="update_debate",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def update_debate(
    request: Request,
    debate_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    title: Title = "",
    body: Body = "",
    tags: Choices = None,
    geozone_id: Choice = "",
) -> Response:
    debate = service.visible_debate(session, debate_id)
    authorize(actor.person, "debates.edit", debate)
    submitted = _submitted(title, body, tags, geozone_id)
    try:
        form = parse_form(DebateForm, submitted)
    except FormInvalid as invalid:
        return _form_page(request, session, _shown(submitted), invalid.errors, debate, 422)
    errors = _choice_errors(session, form)
    if errors:
        return _form_page(request, session, _shown(submitted), errors, debate, 422)
    service.edit_debate(session, debate.id, form)
    flash(request, N_("Your debate has been saved."), "success")
    return RedirectResponse(f"/debates/{debate.id}", status_code=303)


@router.post("/debates/{debate_id}/vote", name="vote_debate")
def vote_debate(
    request: Request,
    debate_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    value: Choice = "",
) -> Response:
    debate = service.visible_debate(session, debate_id)
    authorize(actor.person, "debates.vote", debate)
    if value not in service.VOTE_VALUES:
        raise Invalid()
    service.vote(session, debate, actor.person.user_id, service.VOTE_VALUES[value])
    flash(request, N_("Your vote has been counted."), "success")
    return RedirectResponse(f"/debates/{debate.id}#votes", status_code=303)
