"""Administration of the census and of the identity providers of an instance."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.census.service import census_key, import_census
from app.deps import ClientAddress, IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Conflict, Invalid, NotFound
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.oidc.admin import add_provider
from app.oidc.models import OidcProvider
from app.oidc.repository import all_providers
from app.oidc.schemas import ProviderForm
from app.templating import render
from app.urls import public_origin

router = APIRouter(prefix="/admin")
CENSUS_UPLOAD_LIMIT = 200 * 1024 * 1024  # about 4 million rows
Field = Annotated[str, Form(max_length=300)]


@router.get("/census", name="admin_census")
def show_census(request: Request, tenant: TenantDep, me: UserDep) -> Response:
    authorize(me, "admin.census.import")
    return render(request, "admin/census.html", {"report": None, "error": None})


@router.post("/census", name="admin_census_upload", max_body_size=CENSUS_UPLOAD_LIMIT)
def upload_census(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    census_file: Annotated[UploadFile, File()],
) -> Response:
    authorize(me, "admin.census.import")
    # The upload is spooled to disk by the form parser; lines are read one at a time.
    lines = io.TextIOWrapper(census_file.file, encoding="utf-8-sig", newline="")
    key = census_key(settings.census_secret, tenant.slug)
    try:
        report = import_census(session, tenant.id, key, lines)
    except Invalid as invalid:
        # Nothing of a refused file is kept: undo the batches already written, log the attempt.
        session.rollback()
        record(
            session,
            "census.import_refused",
            actor=me,
            object_type="census",
            client_address=address,
            details={"reason": str(invalid)},
        )
        context = {"report": None, "error": invalid.message, "error_values": invalid.values}
        return render(request, "admin/census.html", context, status_code=422)
    record(
        session,
        "census.import",
        actor=me,
        object_type="census",
        client_address=address,
        details={
            "read": report.rows_read,
            "new": report.imported,
            "updated": report.updated,
            "errors": report.error_count,
        },
    )
    return render(request, "admin/census.html", {"report": report, "error": None})


def _providers_page(
    request: Request,
    session: SessionDep,
    form: dict[str, object],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "providers": all_providers(session),
        "form": form,
        "errors": errors,
        "base": public_origin(request, request.state.tenant, request.app.state.settings),
    }
    return render(request, "admin/providers.html", context, status_code=status)


@router.get("/providers", name="admin_providers")
def list_providers(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.providers.manage")
    return _providers_page(request, session, {"scope": "openid email profile"}, {})


@router.post("/providers", name="admin_providers_add")
def create_provider(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    name: Field = "",
    label: Field = "",
    issuer: Field = "",
    client_id: Field = "",
    client_secret: Field = "",
    scope: Field = "openid email profile",
    national_id_claim: Field = "",
    min_acr: Field = "",
) -> Response:
    authorize(me, "admin.providers.manage")
    submitted: dict[str, object] = {
        "name": name.strip(),
        "label": label.strip(),
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": scope,
        "national_id_claim": national_id_claim,
        "min_acr": min_acr,
    }
    shown = {**submitted, "client_secret": ""}
    try:
        form = parse_form(ProviderForm, submitted)
        provider = add_provider(session, form)
    except FormInvalid as invalid:
        return _providers_page(request, session, shown, invalid.errors, 422)
    except Conflict as taken:
        return _providers_page(request, session, shown, {"name": error_of(taken)}, 409)
    record(
        session,
        "oidc.provider_added",
        actor=me,
        object_type="oidc_provider",
        object_id=provider.id,
        client_address=address,
        details={"name": provider.name, "issuer": provider.issuer},
    )
    return _providers_page(request, session, {"scope": "openid email profile"}, {})


@router.post("/providers/{provider_id}/enabled", name="admin_provider_enabled")
def switch_provider(
    request: Request,
    provider_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    enabled: Field = "",
) -> Response:
    authorize(me, "admin.providers.manage")
    provider = session.get(OidcProvider, provider_id)
    if provider is None:
        raise NotFound()
    provider.enabled = enabled == "yes"
    record(
        session,
        "oidc.provider_enabled",
        actor=me,
        object_type="oidc_provider",
        object_id=provider.id,
        client_address=address,
        details={"enabled": provider.enabled},
    )
    return RedirectResponse("/admin/providers", status_code=303)
