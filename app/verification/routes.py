"""A signed-in person verifies that they live in the instance, against its census."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.accounts import throttle
from app.accounts.service import get_user
from app.audit.service import record
from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.config import Settings
from app.deps import ClientAddress, SessionDep, SettingsDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, error_of
from app.geozones.repository import get_geozone_by_code
from app.i18n import N_
from app.templating import render
from app.tenants.schemas import CurrentTenant
from app.verification.models import Resident
from app.verification.service import (
    CensusInputInvalid,
    CensusMatch,
    claim_resident,
    match_census,
    note_birth_date,
)

router = APIRouter(prefix="/account/verify")
Field = Annotated[str, Form(max_length=100)]

NOT_FOUND = N_(
    "We could not find these details in the census. Check them, or verify in person at a "
    "service desk of the municipality."
)
TAKEN = N_(
    "This DNI is already verified on another account. An administrator will review the case; "
    "you can also go to a service desk with your DNI."
)
TOO_MANY = N_("Too many attempts. Wait a few minutes and try again.")


@dataclass(frozen=True)
class _Refused:
    errors: Mapping[str, FieldError]
    status: int


def _look_up(
    session: Session,
    settings: Settings,
    tenant: CurrentTenant,
    me: Principal,
    address: str,
    form: Mapping[str, str],
) -> CensusMatch | _Refused:
    """What the census says of the form's details, unless this account or address has tried
    too often (429) or the details cannot be read (422)."""
    if throttle.is_throttled(session, "verify_account", str(me.user_id)) or throttle.is_throttled(
        session, "verify_address", address
    ):
        return _Refused({"dni": TOO_MANY}, 429)
    try:
        return match_census(
            session,
            settings.census_secret,
            tenant.slug,
            form["dni"],
            form["birth_date"],
            form["extra"] or None,
        )
    except CensusInputInvalid as invalid:
        return _Refused({invalid.field: error_of(invalid)}, 422)


def _note_failed_attempt(session: Session, me: Principal, address: str) -> None:
    throttle.note_event(session, "verify_account", str(me.user_id))
    throttle.note_event(session, "verify_address", address)


@router.get("", name="verify")
def show_verification(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    if me.resident_id is not None:
        resident = session.get(Resident, me.resident_id)
        if resident is not None and resident.born_on is None and can(me, "account.confirm_birth"):
            return render(request, "accounts/verify_birth.html", {"form": {}, "errors": {}})
        return RedirectResponse("/account", status_code=303)
    authorize(me, "account.verify")
    return render(request, "accounts/verify.html", {"form": {}, "errors": {}})


@router.post("", name="verify_submit")
def submit_verification(
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
    authorize(me, "account.verify")
    submitted = {"dni": dni, "birth_date": birth_date, "extra": extra}

    def again(errors: Mapping[str, FieldError], status: int) -> Response:
        context = {"form": submitted, "errors": errors}
        return render(request, "accounts/verify.html", context, status_code=status)

    match = _look_up(session, settings, tenant, me, address, submitted)
    if isinstance(match, _Refused):
        return again(match.errors, match.status)
    entry = match.entry
    if entry is None:
        _note_failed_attempt(session, me, address)
        return again({"dni": NOT_FOUND}, 422)
    user = get_user(session, me.user_id)
    outcome = claim_resident(session, user, match.dni_digest, "census")
    if outcome.conflict is not None:
        throttle.note_event(session, "verify_account", str(me.user_id))
        record(
            session,
            "verification.conflict",
            actor=me,
            object_type="resident",
            object_id=outcome.conflict.resident_id,
            client_address=address,
        )
        return again({"dni": TAKEN}, 409)
    note_birth_date(outcome.resident, match)
    if user.geozone_id is None and entry.geozone_code:
        zone = get_geozone_by_code(session, entry.geozone_code)
        user.geozone_id = zone.id if zone else None
    record(
        session,
        "verification.census",
        actor=me,
        object_type="user",
        object_id=user.id,
        client_address=address,
    )
    flash(request, N_("You are now a verified resident."), "success")
    return RedirectResponse("/account", status_code=303)


NOT_YOURS = N_(
    "These details do not match the census entry of the DNI you verified with. Check them, or "
    "go to a service desk or a voting booth with your DNI."
)


@router.post("/birth", name="verify_birth")
def confirm_birth_date(
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
    """A verified resident confirms their date of birth, which polls with a minimum age need."""
    authorize(me, "account.confirm_birth")
    submitted = {"dni": dni, "birth_date": birth_date, "extra": extra}

    def again(errors: Mapping[str, FieldError], status: int) -> Response:
        context = {"form": submitted, "errors": errors}
        return render(request, "accounts/verify_birth.html", context, status_code=status)

    match = _look_up(session, settings, tenant, me, address, submitted)
    if isinstance(match, _Refused):
        return again(match.errors, match.status)
    resident = session.get(Resident, me.resident_id)
    if resident is None or match.entry is None or match.dni_digest != resident.dni_digest:
        _note_failed_attempt(session, me, address)
        return again({"dni": NOT_YOURS}, 422)
    note_birth_date(resident, match)
    record(
        session,
        "verification.birth_date",
        actor=me,
        object_type="user",
        object_id=me.user_id,
        client_address=address,
    )
    flash(request, N_("Your date of birth is confirmed."), "success")
    return RedirectResponse("/account", status_code=303)
