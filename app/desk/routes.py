"""The in-person service desk: find a person by DNI, verify them, create an account for someone
without email, and act on their behalf. Every act is logged with the manager and channel desk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from app.accounts.emails import verified_at_desk_mail
from app.accounts.models import User
from app.accounts.schemas import FormError, normalize_email
from app.accounts.service import find_user_by_email
from app.accounts.sessions import ACTING_KEY, SERVED_KEY
from app.audit.service import record
from app.authz.core import authorize
from app.authz.models import RoleAssignment
from app.deps import ClientAddress, IdForm, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Invalid
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.mail import send_mail
from app.templating import render
from app.verification.models import Resident
from app.verification.service import (
    CensusInputInvalid,
    claim_resident,
    match_census,
    note_birth_date,
    resident_of,
)

router = APIRouter(prefix="/desk")
Field = Annotated[str, Form(max_length=200)]


@router.get("", name="desk")
def show_desk(request: Request, tenant: TenantDep, me: UserDep) -> Response:
    authorize(me, "desk.use")
    return render(request, "desk/home.html", {"form": {}, "errors": {}, "result": None})


@router.post("/lookup", name="desk_lookup")
def look_up_person(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    dni: Field = "",
    birth_date: Field = "",
    extra: Field = "",
) -> Response:
    authorize(me, "desk.use")
    form = {"dni": dni, "birth_date": birth_date, "extra": extra}
    try:
        match = match_census(session, settings.census_secret, tenant.slug, dni, birth_date, extra)
    except CensusInputInvalid as invalid:
        context = {"form": form, "errors": {invalid.field: error_of(invalid)}, "result": None}
        return render(request, "desk/home.html", context, status_code=422)
    entry = match.entry
    holder = None
    if entry is not None:
        resident = session.scalars(
            select(Resident).where(Resident.dni_digest == match.dni_digest)
        ).one_or_none()
        # The census just confirmed the date of birth on the ID card: keep it (minimum ages).
        note_birth_date(resident, match)
        holder = session.get(User, resident.user_id) if resident and resident.user_id else None
        if holder is not None:
            request.session[SERVED_KEY] = holder.id  # the person in front of the desk
    record(
        session,
        "desk.lookup",
        actor=me,
        channel="desk",
        client_address=address,
        details={"found": entry is not None},
    )
    result = {"in_census": entry is not None, "holder": holder}
    return render(request, "desk/home.html", {"form": form, "errors": {}, "result": result})


@router.post("/verify", name="desk_verify")
def verify_in_person(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    dni: Field = "",
    birth_date: Field = "",
    extra: Field = "",
    email: Field = "",
    display_name: Field = "",
) -> Response:
    authorize(me, "desk.verify")
    form = {
        "dni": dni,
        "birth_date": birth_date,
        "extra": extra,
        "email": email,
        "display_name": display_name,
    }

    def again(errors: Mapping[str, FieldError], status: int = 422) -> Response:
        context = {"form": form, "errors": errors, "result": {"in_census": True, "holder": None}}
        return render(request, "desk/home.html", context, status_code=status)

    try:
        match = match_census(session, settings.census_secret, tenant.slug, dni, birth_date, extra)
    except CensusInputInvalid as invalid:
        return again({invalid.field: error_of(invalid)})
    if match.entry is None:
        return again({"dni": N_("This person is not in the census of this instance.")})
    holder = session.scalar(select(Resident.user_id).where(Resident.dni_digest == match.dni_digest))
    if holder is not None:
        taken = N_(
            "This DNI is already verified on another account. An administrator can review the case."
        )
        return again({"dni": taken}, 409)
    existing: User | None = None
    name = " ".join(display_name.split())
    if email.strip():
        try:
            normalized: str | None = normalize_email(email)
        except FormError as wrong:
            return again({"email": str(wrong)})
        existing = find_user_by_email(session, normalized or "")
        if existing is not None and resident_of(session, existing.id) is not None:
            return again({"email": N_("This account is already verified with another DNI.")})
    else:
        authorize(me, "desk.create_account")
        normalized = None
    if existing is None and not 2 <= len(name) <= 120:
        return again({"display_name": N_("Enter a name between 2 and 120 characters.")})
    # Account and voice are created together or not at all (a concurrent claim may win).
    with session.begin_nested() as attempt:
        user = existing or User(email=normalized, display_name=name, created_by_desk=True)
        session.add(user)
        session.flush()
        try:
            outcome = claim_resident(
                session, user, match.dni_digest, "desk", verified_by_id=me.user_id
            )
        except Invalid as refused:
            attempt.rollback()
            return again({"email": error_of(refused)})
        if outcome.resident is None or outcome.already_verified:
            attempt.rollback()
            return again({"dni": N_("This DNI was just verified on another account.")}, 409)
        note_birth_date(outcome.resident, match)
    if existing is None:
        record(
            session,
            "desk.account_created",
            actor=me,
            object_type="user",
            object_id=user.id,
            channel="desk",
            client_address=address,
        )
    record(
        session,
        "desk.verify",
        actor=me,
        object_type="user",
        object_id=user.id,
        channel="desk",
        client_address=address,
    )
    request.session[SERVED_KEY] = user.id
    flash(request, N_("The person is now a verified resident."), "success")
    task = None
    if existing is not None and existing.email:
        # The account existed before this visit: its owner hears of it, in case it was not them.
        language = existing.language or request.state.language
        mail = verified_at_desk_mail(language, existing.email, tenant.name)
        task = BackgroundTask(send_mail, settings, mail)
    return RedirectResponse("/desk", status_code=303, background=task)


@router.post("/act", name="desk_act")
def act_for_person(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    user_id: IdForm,
) -> Response:
    authorize(me, "desk.act_for")
    person = session.get(User, user_id)
    staff = session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user_id))
    # Only for the person identified by DNI at the desk in this visit, and never for staff.
    if person is None or request.session.get(SERVED_KEY) != person.id or staff is not None:
        raise Invalid(N_("Look the person up by DNI first; staff accounts cannot be served."))
    request.session[ACTING_KEY] = person.id
    record(
        session,
        "desk.act_for.start",
        actor=me,
        object_type="user",
        object_id=person.id,
        channel="desk",
        client_address=address,
    )
    flash(
        request, N_("You are now acting on behalf of %(name)s."), "info", name=person.display_name
    )
    return RedirectResponse("/", status_code=303)


@router.post("/act/stop", name="desk_act_stop")
def stop_acting(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, address: ClientAddress
) -> Response:
    authorize(me, "desk.use")
    acting = request.session.pop(ACTING_KEY, None)
    request.session.pop(SERVED_KEY, None)
    if isinstance(acting, int):
        record(
            session,
            "desk.act_for.stop",
            actor=me,
            object_type="user",
            object_id=acting,
            channel="desk",
            client_address=address,
        )
    return RedirectResponse("/desk", status_code=303)
