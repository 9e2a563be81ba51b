"""The poll editor at /admin/polls: the list, a poll's page and its form (publishing:
publish_routes.py).

Administrators and officials use it (polls.manage). Once someone is on the voter roll the
form keeps only the wording; the rest shows as fixed facts (service.is_locked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.geozones.repository import list_geozones
from app.i18n import N_
from app.polls import repository, service
from app.polls.models import Poll
from app.polls.pages import int_or_none, lima, poll_outline
from app.polls.permissions import phase
from app.polls.router import router
from app.polls.schemas import PollForm, PollTextsForm, lima_input
from app.templating import render

Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Line = Annotated[str, Form(max_length=1000)]
Choices = Annotated[list[str], Form(max_length=500)]


def load_managed_poll(session: SessionDep, principal: Principal, poll_id: int) -> Poll:
    authorize(principal, "polls.manage")
    return service.visible_poll(session, poll_id, include_drafts=True)


def audit_poll(session: SessionDep, action: str, me: Principal, poll_id: int, address: str) -> None:
    record(session, action, actor=me, object_type="poll", object_id=poll_id, client_address=address)


@router.get("/admin/polls", name="admin_polls")
def admin_polls(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, page: str = "1"
) -> Response:
    authorize(me, "polls.manage")
    number = min(int_or_none(page) or 1, repository.MAX_PAGE)
    polls, more = repository.all_polls(session, number)
    context = {"polls": polls, "page": number, "has_next": more, "phase": phase, "lima": lima}
    return render(request, "polls/admin_list.html", context)


def _form_page(
    request: Request,
    session: SessionDep,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    poll: Poll | None = None,
    locked: bool = False,
    status: int = 200,
) -> Response:
    zone_names = []
    if poll is not None and locked:
        zone_names = [zone.name for zone in repository.geozones_of(session, poll.id)]
    context = {
        "form": form,
        "errors": errors,
        "poll": poll,
        "locked": locked,
        "zones": list_geozones(session),
        "zone_names": zone_names,
    }
    return render(request, "polls/admin_form.html", context, status_code=status)


@router.get("/admin/polls/new", name="admin_new_poll")
def new_poll(request: Request, tenant: TenantDep, session: SessionDep, me: UserDep) -> Response:
    authorize(me, "polls.manage")
    return _form_page(request, session, {"voter_level": "verified", "geozone_ids": []}, {})


def _submitted(
    title: str,
    summary: str,
    description: str,
    opens_at: str,
    closes_at: str,
    voter_level: str,
    min_age: str,
    geozone_ids: list[str],
    proposal_id: str,
) -> dict[str, Any]:
    return {
        "title": title,
        "summary": summary,
        "description": description,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "voter_level": voter_level,
        "min_age": min_age,
        "geozone_ids": geozone_ids,
        "proposal_id": proposal_id,
    }


def _valid_poll_form(submitted: dict[str, Any]) -> PollForm:
    form = parse_form(PollForm, submitted)
    problems = form.problems()
    if problems:
        raise FormInvalid(problems)  # type: ignore[arg-type]
    return form


def _form_with_service_problem(error: service.FormProblem) -> FormInvalid:
    return FormInvalid({error.field: error_of(error)})  # type: ignore[dict-item]


@router.post(
    "/admin/polls/new",
    name="admin_create_poll",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def create_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    title: Line = "",
    summary: Text = "",
    description: Text = "",
    opens_at: Line = "",
    closes_at: Line = "",
    voter_level: Line = "verified",
    min_age: Line = "",
    geozone_ids: Choices = [],  # noqa: B006 - FastAPI copies defaults
    proposal_id: Line = "",
) -> Response:
    authorize(me, "polls.manage")
    submitted = _submitted(
        title,
        summary,
        description,
        opens_at,
        closes_at,
        voter_level,
        min_age,
        geozone_ids,
        proposal_id,
    )
    try:
        form = _valid_poll_form(submitted)
        poll = service.create_poll(session, me.user_id, form)
    except FormInvalid as invalid:
        return _form_page(request, session, submitted, invalid.errors, status=422)
    except service.FormProblem as problem:
        errors = _form_with_service_problem(problem).errors
        return _form_page(request, session, submitted, errors, status=422)
    audit_poll(session, "polls.create", me, poll.id, address)
    flash(request, N_("The poll has been saved as a draft. Add its questions."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)


@router.get("/admin/polls/{poll_id}", name="admin_poll")
def admin_poll(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, poll_id: IdPath
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    context = {
        **poll_outline(session, poll),
        "locked": service.is_locked(session, poll),
        "phase": phase(poll),
        "ballots": repository.count_ballots(session, poll.id) if poll.closed_at else None,
        "problem": None,
    }
    return render(request, "polls/admin_poll.html", context)


def _form_of(session: SessionDep, poll: Poll) -> dict[str, Any]:
    return {
        "title": poll.title,
        "summary": poll.summary,
        "description": poll.description,
        "opens_at": lima_input(poll.opens_at),
        "closes_at": lima_input(poll.closes_at),
        "voter_level": poll.voter_level,
        "min_age": poll.min_age or "",
        "geozone_ids": [str(zone.id) for zone in repository.geozones_of(session, poll.id)],
        "proposal_id": poll.proposal_id or "",
    }


@router.get("/admin/polls/{poll_id}/edit", name="admin_edit_poll")
def edit_poll(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, poll_id: IdPath
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.edit", poll)
    locked = service.is_locked(session, poll)
    return _form_page(request, session, _form_of(session, poll), {}, poll, locked)


@router.post(
    "/admin/polls/{poll_id}/edit",
    name="admin_update_poll",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def update_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    title: Line = "",
    summary: Text = "",
    description: Text = "",
    opens_at: Line = "",
    closes_at: Line = "",
    voter_level: Line = "verified",
    min_age: Line = "",
    geozone_ids: Choices = [],  # noqa: B006 - FastAPI copies defaults
    proposal_id: Line = "",
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.edit", poll)
    locked = service.is_locked(session, poll)
    submitted = _submitted(
        title,
        summary,
        description,
        opens_at,
        closes_at,
        voter_level,
        min_age,
        geozone_ids,
        proposal_id,
    )
    try:
        if locked:
            texts = parse_form(PollTextsForm, submitted)
            service.correct_poll_texts(session, poll, texts)
        else:
            service.update_poll(session, poll, _valid_poll_form(submitted))
    except FormInvalid as invalid:
        shown = {**_form_of(session, poll), **submitted} if locked else submitted
        return _form_page(request, session, shown, invalid.errors, poll, locked, 422)
    except service.FormProblem as problem:
        errors = _form_with_service_problem(problem).errors
        return _form_page(request, session, submitted, errors, poll, locked, 422)
    audit_poll(session, "polls.edit", me, poll.id, address)
    flash(request, N_("The poll has been saved."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)
