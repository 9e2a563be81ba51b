"""Administrators set up a poll's booths and choose who runs them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.deps import ClientAddress, IdForm, IdPath, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.geozones.repository import list_geozones
from app.i18n import N_
from app.polls import booths
from app.polls.booth_forms import BoothForm
from app.polls.booth_router import render_booth, router
from app.polls.booths import BoothFieldInvalid
from app.polls.models import Poll, PollBooth
from app.polls.schemas import lima_input

Line = Annotated[str, Form(max_length=400)]


def _poll_page(
    request: Request,
    session: SessionDep,
    poll: Poll,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "poll": poll,
        "booths": booths.booths_of_poll(session, poll.id),
        "zones": list_geozones(session),
        "form": form,
        "errors": errors,
    }
    return render_booth(request, "polls/booths/admin_list.html", context, status)


def _booth_page(
    request: Request,
    session: SessionDep,
    desk: booths.BoothDesk,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    officers = booths.officers_of(session, desk.booth.id)
    context = {
        "poll": desk.poll,
        "booth": desk.booth,
        "officers": officers,
        "candidates": [
            user for user in booths.officer_candidates(session) if user.id not in desk.officer_ids
        ],
        "zones": list_geozones(session),
        "form": form,
        "errors": errors,
    }
    return render_booth(request, "polls/booths/admin_booth.html", context, status)


def _form_of(booth: PollBooth) -> dict[str, Any]:
    return {
        "name": booth.name,
        "place": booth.place,
        "geozone_id": booth.geozone_id or "",
        "opens_at": lima_input(booth.opens_at),
        "closes_at": lima_input(booth.closes_at),
    }


@router.get("/admin/polls/{poll_id}/booths", name="admin_poll_booths")
def list_booths(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, poll_id: IdPath
) -> Response:
    authorize(me, "admin.polls.booths")
    poll = booths.get_poll(session, poll_id)
    form = {"opens_at": lima_input(poll.opens_at), "closes_at": lima_input(poll.closes_at)}
    return _poll_page(request, session, poll, form, {})


def _saved(
    session: SessionDep,
    poll: Poll,
    submitted: dict[str, str],
    booth: PollBooth | None,
) -> tuple[PollBooth | None, dict[str, FieldError]]:
    try:
        form = parse_form(BoothForm, submitted)
    except FormInvalid as invalid:
        return None, dict(invalid.errors)
    try:
        return booths.save_booth(session, poll, form.data(), booth), {}
    except BoothFieldInvalid as wrong:
        return None, {wrong.field: error_of(wrong)}


@router.post("/admin/polls/{poll_id}/booths", name="admin_poll_booth_create")
def create_booth(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    name: Line = "",
    place: Line = "",
    geozone_id: Line = "",
    opens_at: Line = "",
    closes_at: Line = "",
) -> Response:
    poll = booths.get_poll(session, poll_id)
    authorize(me, "admin.polls.booths.edit", poll)
    submitted = {
        "name": name,
        "place": place,
        "geozone_id": geozone_id,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    booth, errors = _saved(session, poll, submitted, None)
    if booth is None:
        return _poll_page(request, session, poll, submitted, errors, 422)
    record(
        session,
        "polls.booth_created",
        actor=me,
        object_type="poll_booth",
        object_id=booth.id,
        client_address=address,
        details={"poll": poll.id},
    )
    flash(request, N_("The booth has been created. Now assign its officers."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}/booths/{booth.id}", status_code=303)


@router.get("/admin/polls/{poll_id}/booths/{booth_id}", name="admin_poll_booth")
def show_booth(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    poll_id: IdPath,
    booth_id: IdPath,
) -> Response:
    authorize(me, "admin.polls.booths")
    desk = booths.get_desk(session, booth_id, poll_id)
    return _booth_page(request, session, desk, _form_of(desk.booth), {})


@router.post("/admin/polls/{poll_id}/booths/{booth_id}", name="admin_poll_booth_edit")
def edit_booth(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    booth_id: IdPath,
    name: Line = "",
    place: Line = "",
    geozone_id: Line = "",
    opens_at: Line = "",
    closes_at: Line = "",
) -> Response:
    desk = booths.get_desk(session, booth_id, poll_id)
    authorize(me, "admin.polls.booths.edit", desk.poll)
    submitted = {
        "name": name,
        "place": place,
        "geozone_id": geozone_id,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    booth, errors = _saved(session, desk.poll, submitted, desk.booth)
    if booth is None:
        return _booth_page(request, session, desk, submitted, errors, 422)
    record(
        session,
        "polls.booth_edited",
        actor=me,
        object_type="poll_booth",
        object_id=booth.id,
        client_address=address,
    )
    flash(request, N_("The booth has been saved."), "success")
    return RedirectResponse(f"/admin/polls/{poll_id}/booths/{booth_id}", status_code=303)


@router.post("/admin/polls/{poll_id}/booths/{booth_id}/delete", name="admin_poll_booth_delete")
def delete_booth(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    booth_id: IdPath,
) -> Response:
    desk = booths.get_desk(session, booth_id, poll_id)
    authorize(me, "admin.polls.booths.edit", desk.poll)
    booths.delete_booth(session, desk.booth)
    record(
        session,
        "polls.booth_deleted",
        actor=me,
        object_type="poll_booth",
        object_id=booth_id,
        client_address=address,
        details={"poll": poll_id},
    )
    flash(request, N_("The booth has been deleted."), "success")
    return RedirectResponse(f"/admin/polls/{poll_id}/booths", status_code=303)


@router.post("/admin/polls/{poll_id}/booths/{booth_id}/officers", name="admin_poll_booth_officer")
def change_officer(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    booth_id: IdPath,
    user_id: IdForm,
    operation: Annotated[str, Form(max_length=10)] = "add",
) -> Response:
    desk = booths.get_desk(session, booth_id, poll_id)
    authorize(me, "admin.polls.booths.edit", desk.poll)
    if operation == "remove":
        changed = booths.remove_officer(session, desk.booth, user_id)
        action, done = "polls.booth_officer_removed", N_("The officer no longer serves here.")
    else:
        try:
            changed = booths.assign_officer(session, desk.booth, user_id)
        except BoothFieldInvalid as wrong:
            errors = {wrong.field: error_of(wrong)}
            return _booth_page(request, session, desk, _form_of(desk.booth), errors, 422)
        action, done = "polls.booth_officer_added", N_("The officer now serves at this booth.")
    if changed:
        record(
            session,
            action,
            actor=me,
            object_type="poll_booth",
            object_id=booth_id,
            client_address=address,
            details={"officer": user_id},
        )
    flash(request, done, "success")
    return RedirectResponse(f"/admin/polls/{poll_id}/booths/{booth_id}", status_code=303)
