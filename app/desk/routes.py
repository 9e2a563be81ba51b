"""The in-person service desk: find a person by DNI, verify them, create an account for someone
without email, and act on their behalf. Every act is logged with the manager and channel desk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from app.accounts.models import User
from app.accounts.schemas import FormError, normalize_email
from app.accounts.service import find_user_by_email
from app.audit.service import record
from app.authz.core import authorize
from app.deps import ACTING_KEY, ClientAddress, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Invalid
from app.flash import flash
from app.i18n import N_
from app.templating import render
from app.verification.models import Resident
from app.verification.service import CensusInputInvalid, claim_resident, match_census

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
        context = {"form": form, "errors": {invalid.field: invalid.message}, "result": None}
        return render(request, "desk/home.html", context, status_code=422)
    entry = match.entry
    holder = None
    if entry is not None:
        resident = session.scalars(
            select(Resident).where(Resident.dni_digest == match.dni_digest)
        ).one_or_none()
        holder = session.get(User, resident.user_id) if resident and resident.user_id else None
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

    def again(errors: dict[str, str], status: int = 422) -> Response:
        context = {"form": form, "errors": errors, "result": {"in_census": True, "holder": None}}
        return render(request, "desk/home.html", context, status_code=status)

    try:
        match = match_census(session, settings.census_secret, tenant.slug, dni, birth_date, extra)
    except CensusInputInvalid as invalid:
        return again({invalid.field: invalid.message})
    if match.entry is None:
        return again({"dni": N_("This person is not in the census of this instance.")})
    user: User | None = None
    if email.strip():
        try:
            normalized = normalize_email(email)
        except FormError as wrong:
            return again({"email": str(wrong)})
        user = find_user_by_email(session, normalized)
        if user is None:
            name = " ".join(display_name.split())
            if not 2 <= len(name) <= 120:
                return again({"display_name": N_("Enter a name between 2 and 120 characters.")})
            user = User(email=normalized, display_name=name, created_by_desk=True)
    else:
        authorize(me, "desk.create_account")
        if not 2 <= len(" ".join(display_name.split())) <= 120:
            return again({"display_name": N_("Enter a name between 2 and 120 characters.")})
        user = User(
            email=None, display_name=" ".join(display_name.split())[:120], created_by_desk=True
        )
    if user.id is None:
        session.add(user)
        session.flush()
        record(
            session,
            "desk.account_created",
            actor=me,
            object_type="user",
            object_id=user.id,
            channel="desk",
            client_address=address,
        )
    try:
        outcome = claim_resident(session, user, match.dni_digest, "desk", verified_by_id=me.user_id)
    except Invalid as refused:
        return again({"email": refused.message})
    if outcome.conflict is not None:
        record(
            session,
            "verification.conflict",
            actor=me,
            object_type="resident",
            object_id=outcome.conflict.resident_id,
            channel="desk",
            client_address=address,
        )
        return again(
            {
                "dni": N_(
                    "This DNI is already verified on another account. An "
                    "administrator will review the case."
                )
            },
            409,
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
    flash(request, N_("%(name)s is now a verified resident."), "success", name=user.display_name)
    return RedirectResponse("/desk", status_code=303)


@router.post("/act", name="desk_act")
def act_for_person(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    user_id: Annotated[int, Form()],
) -> Response:
    authorize(me, "desk.act_for")
    person = session.get(User, user_id)
    if person is None:
        raise Invalid()
    request.session[ACTING_KEY] = {"id": person.id, "name": person.display_name}
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
    if isinstance(acting, dict):
        record(
            session,
            "desk.act_for.stop",
            actor=me,
            object_type="user",
            object_id=acting.get("id", ""),
            channel="desk",
            client_address=address,
        )
    return RedirectResponse("/desk", status_code=303)
