"""A poll officer's pages: their booths, looking a person up, marking them, and the tablet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

import app.polls.booth_admin_routes
import app.polls.booth_paper_routes
import app.polls.kiosk_routes  # noqa: F401 - they register on the same router
from app.accounts import throttle
from app.accounts.sessions import end_session
from app.answers.calendar import lima_today
from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.db import utcnow
from app.deps import ClientAddress, IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Conflict
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.polls import booths
from app.polls.booth_kiosk import KIOSK_COOKIE, start_kiosk
from app.polls.booth_router import render_booth, router
from app.polls.booth_voters import (
    CHOOSE_CHANNEL,
    VOTE_CHANNELS,
    Lookup,
    LookupInvalid,
    cancel_pending,
    look_up,
    pending_at,
    record_voter,
)

__all__ = ["router"]
Field = Annotated[str, Form(max_length=100)]
THROTTLE = "booth_lookup_account"
TOO_MANY = N_("Too many people not found in a short time. Wait a few minutes and try again.")


@router.get("/booths", name="my_booths")
def list_my_booths(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "booths.list")
    mine = booths.booths_of_officer(session, me.user_id)
    return render_booth(request, "polls/booths/mine.html", {"booths": mine, "now": utcnow()})


def booth_page(
    request: Request,
    session: SessionDep,
    desk: booths.BoothDesk,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    lookup: Lookup | None = None,
    status: int = 200,
) -> Response:
    now = utcnow()
    context: dict[str, Any] = {
        "desk": desk,
        "booth": desk.booth,
        "poll": desk.poll,
        "is_open": booths.booth_open(desk, now),
        "is_over": booths.booth_over(desk, now),
        "pending": pending_at(session, desk.booth.id),
        "form": form or {},
        "errors": errors or {},
        "lookup": lookup,
    }
    return render_booth(request, "polls/booths/booth.html", context, status)


@router.get("/booths/{booth_id}", name="my_booth")
def show_my_booth(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, booth_id: IdPath
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.view", desk)
    return booth_page(request, session, desk)


def _checked_lookup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    tenant: TenantDep,
    me: Principal,
    address: str,
    desk: booths.BoothDesk,
    form: dict[str, str],
) -> Lookup | Response:
    """The lookup, throttled per officer like verification is; a page when it cannot run."""
    if throttle.is_throttled(session, THROTTLE, str(me.user_id)):
        return booth_page(request, session, desk, form=form, errors={"dni": TOO_MANY}, status=429)
    try:
        found = look_up(
            session,
            settings.census_secret,
            tenant.slug,
            desk,
            form["dni"],
            form["birth_date"],
            lima_today(),
        )
    except LookupInvalid as invalid:
        errors = {invalid.field: error_of(invalid)}
        return booth_page(request, session, desk, form=form, errors=errors, status=422)
    if found.voter is None:
        throttle.note_event(session, THROTTLE, str(me.user_id))
    record(
        session,
        "polls.booth_lookup",
        actor=me,
        object_type="poll_booth",
        object_id=desk.booth.id,
        client_address=address,
        details={"found": found.voter is not None, "may_vote": found.may_vote},
    )
    return found


@router.post("/booths/{booth_id}/lookup", name="my_booth_lookup")
def look_up_voter(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
    dni: Field = "",
    birth_date: Field = "",
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.record_voter", desk)
    form = {"dni": dni, "birth_date": birth_date}
    found = _checked_lookup(request, session, settings, tenant, me, address, desk, form)
    if isinstance(found, Response):
        return found
    return booth_page(request, session, desk, form=form, lookup=found)


@router.post("/booths/{booth_id}/voters", name="my_booth_record_voter")
def mark_voter(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
    dni: Field = "",
    birth_date: Field = "",
    channel: Field = "",
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.record_voter", desk)
    form = {"dni": dni, "birth_date": birth_date}
    if channel not in VOTE_CHANNELS:
        # Checked before the look-up, which writes an audit entry: a bad form marks nobody.
        errors: dict[str, FieldError] = {"channel": CHOOSE_CHANNEL}
        return booth_page(request, session, desk, form=form, errors=errors, status=422)
    # Looked up again: the page the officer saw may be minutes old, and a form can be forged.
    found = _checked_lookup(request, session, settings, tenant, me, address, desk, form)
    if isinstance(found, Response):
        return found
    if not found.may_vote or found.voter is None:
        return booth_page(request, session, desk, form=form, lookup=found, status=409)
    try:
        record_voter(session, desk, found.voter, channel, me.user_id, lima_today())
    except Conflict as taken:
        refused = Lookup(found.voter, error_of(taken))
        return booth_page(request, session, desk, form=form, lookup=refused, status=409)
    record(
        session,
        "polls.booth_voter_recorded",
        actor=me,
        object_type="poll_booth",
        object_id=desk.booth.id,
        client_address=address,
        details={"channel": channel},
    )
    if channel == "tablet":
        flash(request, N_("Marked. The tablet is ready for this person."), "success")
    else:
        flash(request, N_("Marked. Give this person a paper ballot."), "success")
    return RedirectResponse(f"/booths/{desk.booth.id}", status_code=303)


@router.post("/booths/{booth_id}/pending/cancel", name="my_booth_cancel_pending")
def cancel_tablet_voter(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.record_voter", desk)
    if cancel_pending(session, desk):
        record(
            session,
            "polls.booth_pending_cancelled",
            actor=me,
            object_type="poll_booth",
            object_id=desk.booth.id,
            client_address=address,
        )
        flash(request, N_("One person waiting for the tablet was taken off the queue."), "success")
    else:
        flash(request, N_("Nobody was waiting for the tablet."), "info")
    return RedirectResponse(f"/booths/{desk.booth.id}", status_code=303)


@router.post("/booths/{booth_id}/kiosk", name="my_booth_start_kiosk")
def turn_into_kiosk(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.start_kiosk", desk)
    token = start_kiosk(session, desk.booth)
    record(
        session,
        "polls.booth_kiosk_started",
        actor=me,
        object_type="poll_booth",
        object_id=desk.booth.id,
        client_address=address,
    )
    # Whoever holds the tablet next must not hold the officer's powers.
    if me.session_id is not None:
        end_session(session, me.session_id)
    request.session.clear()
    response = RedirectResponse("/kiosk", status_code=303)
    lifetime = booths.aware(desk.booth.closes_at) - utcnow() + timedelta(hours=1)
    response.set_cookie(
        KIOSK_COOKIE,
        token,
        max_age=max(int(lifetime.total_seconds()), 60),
        path="/kiosk",
        httponly=True,
        samesite="strict",
        secure=settings.https,
    )
    return response
