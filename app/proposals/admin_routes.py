"""The administration page of an instance's proposal settings: the goal and the period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.deps import ClientAddress, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.i18n import N_
from app.proposals.router import router
from app.proposals.schemas import SettingsForm
from app.proposals.settings import (
    DEFAULT_PERCENT,
    ProposalSettings,
    census_size,
    load_settings,
    save_settings,
    supports_needed,
)
from app.templating import render

Field = Annotated[str, Form(max_length=40)]


def _page(
    request: Request,
    session: SessionDep,
    tenant_id: int,
    form: Mapping[str, object],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    current = load_settings(session, tenant_id)
    context = {
        "form": form,
        "errors": errors,
        "census": census_size(session),
        "needed": supports_needed(session, current),
        "months": current.months,
    }
    return render(request, "proposals/admin_settings.html", context, status_code=status)


@router.get("/admin/proposals", name="admin_proposal_settings")
def show_settings(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.proposals.settings")
    current = load_settings(session, tenant.id)
    form = {
        "goal": "percent" if current.uses_percent else "number",
        "threshold": current.threshold or "",
        "threshold_percent": current.threshold_percent or DEFAULT_PERCENT,
        "months": current.months,
    }
    return _page(request, session, tenant.id, form, {})


@router.post("/admin/proposals", name="admin_proposal_settings_save")
def save_proposal_settings(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    goal: Field = "percent",
    threshold: Field = "",
    threshold_percent: Field = "",
    months: Field = "",
) -> Response:
    authorize(me, "admin.proposals.settings")
    submitted = {
        "goal": goal,
        "threshold": threshold,
        "threshold_percent": threshold_percent,
        "months": months,
    }
    try:
        form = parse_form(SettingsForm, submitted)
    except FormInvalid as invalid:
        return _page(request, session, tenant.id, submitted, invalid.errors, 422)
    if form.goal == "number" and form.threshold is None:
        errors = {"threshold": N_("Enter the number of supports a proposal needs.")}
        return _page(request, session, tenant.id, submitted, errors, 422)
    if form.goal == "percent" and form.threshold_percent is None:
        errors = {"threshold_percent": N_("Enter the percentage of the census.")}
        return _page(request, session, tenant.id, submitted, errors, 422)
    chosen = ProposalSettings(
        threshold=form.threshold if form.goal == "number" else None,
        threshold_percent=form.threshold_percent if form.goal == "percent" else None,
        months=form.months,
    )
    save_settings(session, tenant.id, chosen)
    record(
        session,
        "proposals.settings",
        actor=me,
        object_type="tenant",
        object_id=tenant.id,
        client_address=address,
        details=chosen.model_dump(exclude_none=True),
    )
    flash(request, N_("The proposal settings have been saved."), "success")
    return RedirectResponse("/admin/proposals", status_code=303)
