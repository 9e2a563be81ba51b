"""OpenID Connect sign-in: authorization code with PKCE (S256), state and nonce kept on the
server and used once, ID token checked (signature, issuer, audience, expiry, nonce), accounts
keyed by (issuer, subject). Nothing is created until every check has passed."""

from __future__ import annotations

import contextlib
import importlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.schemas import FormError, normalize_email
from app.db import utcnow
from app.errors import DomainError
from app.i18n import N_
from app.oidc.models import Identity, OidcFlow, OidcProvider
from app.oidc.repository import find_identity
from app.tokens import digest

log = logging.getLogger("minka.oidc")
FLOW_LIFETIME = timedelta(minutes=10)
CLOCK_LEEWAY = 60  # seconds of clock difference tolerated with the provider
HTTP_TIMEOUT = 10.0
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx2.HTTPError, OAuthError, ValueError, KeyError)
# Authlib talks through httpx2 when it is installed, else through httpx: catch both. httpx is
# optional (a plain install has only httpx2), hence the import by name.
with contextlib.suppress(ImportError):
    TRANSPORT_ERRORS += (importlib.import_module("httpx").HTTPError,)


class ProviderUnavailable(DomainError):
    status_code = 502
    message = N_(
        "The identity provider could not be reached or answered in an unexpected way. "
        "Try again later, or sign in with your email."
    )


class SignInRejected(DomainError):
    status_code = 400
    message = N_("The sign-in could not be completed safely. Please start again.")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


@dataclass(frozen=True)
class VerifiedLogin:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    national_id: str | None
    acr: str | None


def _get_json(url: str) -> dict[str, Any]:
    response = httpx2.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def discover(provider: OidcProvider) -> Discovery:
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        data = _get_json(url)
        issuer = str(data["issuer"])
        userinfo = data.get("userinfo_endpoint")
        found = Discovery(
            issuer=issuer,
            authorization_endpoint=_require_https(str(data["authorization_endpoint"]), issuer),
            token_endpoint=_require_https(str(data["token_endpoint"]), issuer),
            jwks_uri=_require_https(str(data["jwks_uri"]), issuer),
            userinfo_endpoint=_require_https(str(userinfo), issuer) if userinfo else None,
        )
    except TRANSPORT_ERRORS as error:
        log.warning("discovery failed for provider %s: %s", provider.name, type(error).__name__)
        raise ProviderUnavailable() from None
    if found.issuer != provider.issuer:
        log.warning("provider %s announces another issuer", provider.name)
        raise ProviderUnavailable()
    return found


def _client(provider: OidcProvider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


def begin_sign_in(
    session: Session, provider: OidcProvider, redirect_uri: str, next_path: str
) -> tuple[str, str]:
    """The provider URL to send the browser to, and the state to keep in its session."""
    found = discover(provider)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = generate_token(64)
    session.add(
        OidcFlow(
            state_digest=digest(state),
            provider_id=provider.id,
            nonce=nonce,
            code_verifier=verifier,
            next_path=next_path,
            created_at=utcnow(),
        )
    )
    session.flush()
    with _client(provider, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            found.authorization_endpoint,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
    return str(url), state


def _take_flow(session: Session, provider: OidcProvider, state: str) -> OidcFlow:
    flow = session.scalars(
        select(OidcFlow).where(
            OidcFlow.state_digest == digest(state), OidcFlow.provider_id == provider.id
        )
    ).one_or_none()
    taken = session.execute(
        update(OidcFlow)
        .where(
            OidcFlow.state_digest == digest(state),
            OidcFlow.used_at.is_(None),
            OidcFlow.created_at > utcnow() - FLOW_LIFETIME,
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if flow is None or taken.rowcount != 1:  # type: ignore[attr-defined]
        raise SignInRejected()
    return flow


def _verify_id_token(
    raw: str, keys: dict[str, Any], found: Discovery, provider: OidcProvider, nonce: str
) -> dict[str, Any]:
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        token = jwt.decode(raw, key_set, algorithms=SIGNING_ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": found.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError) as error:
        log.warning("ID token refused for provider %s: %s", provider.name, type(error).__name__)
        raise SignInRejected() from None
    audiences = token.claims.get("aud")
    several = isinstance(audiences, list) and len(audiences) > 1
    if several and token.claims.get("azp") != provider.client_id:
        raise SignInRejected()
    return dict(token.claims)


def complete_sign_in(
    session: Session,
    provider: OidcProvider,
    redirect_uri: str,
    *,
    state: str,
    expected_state: str | None,
    code: str,
    issuer_param: str | None,
) -> tuple[VerifiedLogin, str]:
    """Check everything the callback carries; return who signed in and where to go next."""
    if not state or not expected_state or not secrets.compare_digest(state, expected_state):
        raise SignInRejected()
    flow = _take_flow(session, provider, state)
    found = discover(provider)
    if issuer_param is not None and issuer_param != found.issuer:
        raise SignInRejected()
    try:
        with _client(provider, redirect_uri) as client:
            token = client.fetch_token(
                found.token_endpoint, code=code, code_verifier=flow.code_verifier
            )
            keys = _get_json(found.jwks_uri)
            claims = _verify_id_token(str(token["id_token"]), keys, found, provider, flow.nonce)
            info: dict[str, Any] = {}
            if found.userinfo_endpoint:
                response = client.get(found.userinfo_endpoint)
                response.raise_for_status()
                info = response.json()
    except SignInRejected:
        raise
    except TRANSPORT_ERRORS as error:
        log.warning(
            "token exchange failed for provider %s: %s", provider.name, type(error).__name__
        )
        raise ProviderUnavailable() from None
    if info and info.get("sub") != claims["sub"]:
        raise SignInRejected()
    national_id = None
    if provider.national_id_claim:
        value = info.get(provider.national_id_claim, claims.get(provider.national_id_claim))
        national_id = str(value) if value else None
    login = VerifiedLogin(
        issuer=found.issuer,
        subject=str(claims["sub"]),
        email=_clean_email(info.get("email", claims.get("email"))),
        # Only a JSON true counts: "false" as a string must not pass for a verified address.
        email_verified=info.get("email_verified", claims.get("email_verified")) is True,
        name=info.get("name") or claims.get("name"),
        national_id=national_id,
        acr=claims.get("acr"),
    )
    return login, flow.next_path


def _clean_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return normalize_email(value)
    except FormError:
        return None


def _require_https(url: str, issuer: str) -> str:
    """Endpoints from discovery must use https (plain http only for a loopback test issuer)."""
    loopback = issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    if not (url.startswith("https://") or (loopback and url.startswith(issuer.rstrip("/")))):
        raise ValueError("an endpoint of the provider is not https")
    return url


def acr_is_strong_enough(provider: OidcProvider, acr: str | None) -> bool:
    """``min_acr`` lists the accepted values, strongest last; anything listed is enough."""
    if not provider.min_acr:
        return True
    return acr is not None and acr in provider.min_acr.split()


def user_for_login(session: Session, provider: OidcProvider, login: VerifiedLogin) -> User:
    """The account for (issuer, subject), created on first sign-in; never matched by email."""
    identity = find_identity(session, login.issuer, login.subject)
    if identity is not None:
        user = session.get(User, identity.user_id)
        if user is None or user.blocked_at is not None:
            raise SignInRejected(N_("This account cannot sign in."))
        return user
    email = login.email if login.email and login.email_verified else None
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        email = None  # someone already uses it here: not ours to claim by email
    user = User(
        email=email,
        email_confirmed_at=utcnow() if email else None,
        display_name=(login.name or "").strip()[:120] or provider.label,
    )
    session.add(user)
    session.flush()
    try:
        with session.begin_nested():
            session.add(
                Identity(
                    user_id=user.id,
                    provider_id=provider.id,
                    issuer=login.issuer,
                    subject=login.subject,
                )
            )
    except IntegrityError:
        raise SignInRejected() from None
    return user
