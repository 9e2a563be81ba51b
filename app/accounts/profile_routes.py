"""A person's own account: status, optional profile, download of their data, deletion."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.accounts import service
from app.accounts.models import GENDERS
from app.accounts.schemas import ProfileForm
from app.audit.service import record
from app.authz.core import authorize
from app.deps import ClientAddress, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.geozones.repository import list_geozones
from app.i18n import LANGUAGES, N_
from app.notifications.service import set_email_notifications
from app.templating import render
from app.verification.service import resident_of

router = APIRouter(prefix="/account")
Field = Annotated[str, Form(max_length=200)]

GENDER_LABELS = {
    "female": N_("Woman"),
    "male": N_("Man"),
    "non_binary": N_("Non-binary"),
    "other": N_("Other"),
    "prefer_not_to_say": N_("I prefer not to say"),
}


def _account_page(
    request: Request,
    session: SessionDep,
    user_id: int,
    form: dict[str, object],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    user = service.get_user(session, user_id)
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "resident": resident_of(session, user.id),
            "zones": list_geozones(session),
            "genders": [(key, GENDER_LABELS[key]) for key in GENDERS],
            "languages": LANGUAGES,
            "form": form,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("", name="account")
def show_account(request: Request, tenant: TenantDep, session: SessionDep, me: UserDep) -> Response:
    authorize(me, "account.view")
    user = service.get_user(session, me.user_id)
    form: dict[str, object] = {
        "display_name": user.display_name,
        "gender": user.gender,
        "birth_year": user.birth_year,
        "geozone_id": user.geozone_id,
        "language": user.language,
        "email_notifications": user.email_notifications,
    }
    return _account_page(request, session, me.user_id, form, {})


@router.post("/profile", name="account_profile")
def update_profile(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    display_name: Field = "",
    gender: Field = "",
    birth_year: Field = "",
    geozone_id: Field = "",
    language: Field = "",
    email_notifications: Field = "",
) -> Response:
    authorize(me, "account.edit")
    submitted: dict[str, object] = {
        "display_name": display_name,
        "gender": gender,
        "birth_year": birth_year,
        "geozone_id": geozone_id,
        "language": language,
        # A checkbox: sent ("yes") when ticked, absent otherwise.
        "email_notifications": email_notifications == "yes",
    }
    try:
        form = parse_form(ProfileForm, submitted)
    except FormInvalid as invalid:
        return _account_page(request, session, me.user_id, submitted, invalid.errors, 422)
    zone_ids = {zone.id for zone in list_geozones(session)}
    if form.geozone_id is not None and form.geozone_id not in zone_ids:
        errors = {"geozone_id": N_("Choose one of the options.")}
        return _account_page(request, session, me.user_id, submitted, errors, 422)
    user = service.get_user(session, me.user_id)
    service.update_profile(session, user, form)
    set_email_notifications(session, user, form.email_notifications)
    flash(request, N_("Your profile has been saved."), "success")
    return RedirectResponse("/account", status_code=303)


@router.get("/export", name="account_export")
def export_account(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "account.export")
    data = service.export_data(session, service.get_user(session, me.user_id))
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="minka-my-data.json"'},
    )


@router.post("/delete", name="account_delete")
def delete_account(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    confirm: Field = "",
) -> Response:
    authorize(me, "account.delete")
    if confirm != "yes":
        flash(request, N_("To delete your account, tick the confirmation box."), "error")
        return RedirectResponse("/account#delete", status_code=303)
    record(
        session,
        "account.deleted",
        actor=me,
        object_type="user",
        object_id=me.user_id,
        client_address=address,
    )
    service.delete_account(session, service.get_user(session, me.user_id))
    request.session.clear()
    flash(request, N_("Your account has been deleted."))
    return RedirectResponse("/", status_code=303)
