"""Pure ASGI middleware: request context (tenant, language), limits, headers and logging."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.sessions import (
    ACTING_KEY,
    FRESH_KEY,
    SESSION_TOKEN_KEY,
    RecentLogins,
    acting_principal,
    is_fresh,
    principal_for_token,
)
from app.authz.principal import Principal
from app.db import platform_session, scoped_to
from app.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES, choose_language
from app.notifications.service import unread_count
from app.security import SAFE_METHODS
from app.tenants.schemas import CurrentTenant
from app.tenants.service import resolve_tenant

request_log = logging.getLogger("minka.request")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
TENANTLESS_PREFIXES = ("/static/", "/healthz")


def apply_security_headers(headers: MutableHeaders, *, hsts: bool) -> None:
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), hsts=self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The tenant, the signed-in principal, the person a desk manager acts for, and the principal's
# unread notifications (counted up to a cap, for the header).
Resolved = tuple[CurrentTenant | None, Principal | None, Principal | None, int]


class RequestContextMiddleware:
    """Resolve, once per request, the tenant (from the Host header), the signed-in person and
    the language.

    The tenant and the person's session (with their unread count) are kept for
    ``cache_seconds``; see app/accounts/sessions.py for what that means for ending sessions.
    After a person's own write, their cookie says so for a little longer than that, and every
    cache is skipped for them until then, in whichever worker serves them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: Callable[[], sessionmaker[Session]],
        default_tenant: str | None,
        render_unknown_host: Callable[[Request, int], Any],
        cache_seconds: float = 0,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.default_tenant = default_tenant
        self.render_unknown_host = render_unknown_host
        self.cache_seconds = cache_seconds
        # host → (until, tenant): an instance's name, hosts and settings change rarely, and a
        # change shows within cache_seconds in every worker.
        self.tenants: dict[str, tuple[float, CurrentTenant | None]] = {}
        self.logins = RecentLogins(cache_seconds)

    def _kept(self, host: str) -> tuple[float, CurrentTenant | None] | None:
        """What was resolved for this host, while still fresh (None inside: no instance)."""
        known = self.tenants.get(host)
        return known if known is not None and known[0] > time.monotonic() else None

    def _tenant(self, session: Session, host: str) -> CurrentTenant | None:
        known = self._kept(host)
        if known is not None:
            return known[1]
        tenant = resolve_tenant(session, host, self.default_tenant)
        if self.cache_seconds > 0:
            if len(self.tenants) > 1000:  # bound what unknown Host headers can fill
                self.tenants.clear()
            self.tenants[host] = (time.monotonic() + self.cache_seconds, tenant)
        return tenant

    def _remembered(self, host: str, cookie: dict[str, Any], fresh: bool) -> Resolved | None:
        """Without asking the database: anonymous visitors of a known host, and people whose
        session was looked up moments ago (never those acting for someone, or fresh)."""
        known = self._kept(host)
        if known is None:
            return None
        token = cookie.get(SESSION_TOKEN_KEY)
        if token is None:
            return known[1], None, None, 0
        if known[1] is None or not isinstance(token, str) or fresh or ACTING_KEY in cookie:
            return None
        remembered = self.logins.get(known[1].id, token)
        if remembered is None:
            return None
        principal, unread = remembered
        return known[1], principal, None, unread if isinstance(unread, int) else 0

    def _resolve(self, host: str, cookie: dict[str, Any]) -> Resolved:
        generation = self.logins.generation  # before reading: see RecentLogins
        with platform_session(self.sessions()) as session:
            tenant = self._tenant(session, host)
            token = cookie.get(SESSION_TOKEN_KEY)
            if tenant is None or not isinstance(token, str):
                return tenant, None, None, 0
            with scoped_to(session, tenant.id):
                principal = principal_for_token(session, token)
                if principal is None:
                    return tenant, None, None, 0
                unread = unread_count(session, principal.user_id)
                if ACTING_KEY in cookie:
                    acting = acting_principal(session, principal, cookie[ACTING_KEY])
                    return tenant, principal, acting, unread
                self.logins.put(tenant.id, token, principal, unread, generation)
                return tenant, principal, None, unread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request = Request(scope)
        state["tenant"] = tenant = None
        state["principal"] = None
        state["acting_for"] = None
        state["unread_notifications"] = 0
        state["language"] = _language_for(request, None)
        if scope["path"].startswith(TENANTLESS_PREFIXES):
            await self.app(scope, receive, send)
            return
        host = request.headers.get("host", "")
        session_cookie = dict(scope.get("session", {}))
        state["fresh"] = fresh = is_fresh(session_cookie)
        if scope["method"] not in SAFE_METHODS and self.cache_seconds > 0:
            send = self._marking_fresh(scope, send)
        try:
            remembered = self._remembered(host, session_cookie, fresh)
            if remembered is not None:
                tenant, principal, acting, unread = remembered
            else:
                tenant, principal, acting, unread = await anyio.to_thread.run_sync(
                    self._resolve, host, session_cookie
                )
        except OperationalError:
            request_log.exception("database unavailable while resolving the tenant")
            await self.render_unknown_host(request, 503)(scope, receive, send)
            return
        if tenant is None:
            await self.render_unknown_host(request, 404)(scope, receive, send)
            return
        state["tenant"] = tenant
        state["principal"] = principal
        state["acting_for"] = acting
        state["unread_notifications"] = unread
        state["language"] = _language_for(request, tenant)
        await self.app(scope, receive, send)

    def _marking_fresh(self, scope: Scope, send: Send) -> Send:
        async def send_marked(message: Message) -> None:
            # At the response, after the commit: a page another worker renders from now on
            # shows this write once the mark has expired.
            session = scope.get("session")
            if message["type"] == "http.response.start" and session:
                session[FRESH_KEY] = int(time.time() + self.cache_seconds) + 1
            await send(message)

        return send_marked


def _language_for(request: Request, tenant: CurrentTenant | None) -> str:
    """Among the instance's languages (all of them when no instance serves the host)."""
    return choose_language(
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        enabled=tenant.languages if tenant else LANGUAGES,
        default=tenant.default_language if tenant else DEFAULT_LANGUAGE,
    )


class CompressionMiddleware:
    """Starlette's GZip, letting the template debug message (used by tests) reach the client."""

    def __init__(self, app: ASGIApp, *, minimum_size: int = 500) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def app_behind_gzip(scope: Scope, receive: Receive, gzip_send: Send) -> None:
            async def route(message: Message) -> None:
                await (send if message["type"] == "http.response.debug" else gzip_send)(message)

            await self.app(scope, receive, route)

        await GZipMiddleware(app_behind_gzip, minimum_size=self.minimum_size)(scope, receive, send)


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, duration, tenant."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture_status)
        finally:
            tenant = scope.get("state", {}).get("tenant")
            record = {
                "event": "request",
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "tenant": tenant.slug if tenant is not None else None,
            }
            request_log.info(json.dumps(record, ensure_ascii=False))
