"""/auth/<provider>/login starts an OpenID Connect sign-in; /auth/<provider>/callback ends it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from app.accounts.routes import sign_in
from app.accounts.sessions import start_session
from app.audit.service import record
from app.deps import ClientAddress, SettingsDep, TenantDep, WriteSessionDep
from app.errors import NotFound
from app.flash import flash
from app.i18n import N_
from app.oidc import service
from app.oidc.models import OidcProvider
from app.oidc.repository import get_provider
from app.security import safe_next
from app.urls import public_url
from app.verification.service import census_digest_of, claim_resident

router = APIRouter(prefix="/auth")
STATE_KEY = "oidc_state"
Param = Annotated[str | None, Query(max_length=4000)]


def _enabled_provider(session: WriteSessionDep, name: str) -> OidcProvider:
    provider = get_provider(session, name)
    if provider is None or not provider.enabled:
        raise NotFound()
    return provider


def callback_url(request: Request, name: str) -> str:
    path = f"/auth/{name}/callback"
    return public_url(request, request.state.tenant, request.app.state.settings, path)


@router.get("/{provider_name}/login", name="oidc_login")
def start_oidc_login(
    request: Request,
    provider_name: str,
    tenant: TenantDep,
    session: WriteSessionDep,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
) -> Response:
    provider = _enabled_provider(session, provider_name)
    url, state = service.begin_sign_in(
        session, provider, callback_url(request, provider.name), safe_next(next_path)
    )
    request.session[STATE_KEY] = state
    return RedirectResponse(url, status_code=303)


@router.get("/{provider_name}/callback", name="oidc_callback")
def finish_oidc_login(
    request: Request,
    provider_name: str,
    tenant: TenantDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    address: ClientAddress,
    state: Param = None,
    code: Param = None,
    iss: Param = None,
    error: Param = None,
) -> Response:
    provider = _enabled_provider(session, provider_name)
    expected = request.session.pop(STATE_KEY, None)
    if error is not None or not code:
        flash(
            request, N_("The sign-in was cancelled or refused by the identity provider."), "error"
        )
        return RedirectResponse("/login", status_code=303)
    login, next_path = service.complete_sign_in(
        session,
        provider,
        callback_url(request, provider.name),
        state=state or "",
        expected_state=expected if isinstance(expected, str) else None,
        code=code,
        issuer_param=iss,
    )
    user = service.user_for_login(session, provider, login)
    verified = False
    strong = service.acr_is_strong_enough(provider, login.acr)
    if login.national_id and not user.is_organization and strong:
        digest = census_digest_of(session, settings.census_secret, tenant.slug, login.national_id)
        if digest is not None:
            outcome = claim_resident(session, user, digest, "claim")
            verified = outcome.resident is not None
            if outcome.conflict is not None:
                record(
                    session,
                    "verification.conflict",
                    actor=None,
                    object_type="resident",
                    object_id=outcome.conflict.resident_id,
                    client_address=address,
                )
                flash(
                    request,
                    N_(
                        "Your DNI is already verified on another account. An "
                        "administrator will review the case."
                    ),
                    "error",
                )
    token, _login = start_session(session, user)
    sign_in(request, session, token)
    record(
        session,
        "login.oidc",
        actor=None,
        object_type="user",
        object_id=user.id,
        client_address=address,
        details={"provider": provider.name, "verified": verified},
    )
    return RedirectResponse(safe_next(next_path), status_code=303)
