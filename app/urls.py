"""Absolute links to an instance (in emails, OpenID Connect callbacks).

The Host header comes from the client, so it is used only when it is one of the instance's own
host names; otherwise (a default instance serving an unknown host) links use the instance's
primary host with the scheme and port of ``MINKA_BASE_URL``. A forged Host header can therefore
never put another site into a password-reset link.
"""

from __future__ import annotations

from starlette.requests import Request

from app.config import Settings
from app.tenants.schemas import CurrentTenant, normalize_host


def public_origin(request: Request, tenant: CurrentTenant, settings: Settings) -> str:
    host_header = request.headers.get("host", "")
    if normalize_host(host_header) in tenant.hosts:
        return f"{request.url.scheme}://{host_header}"
    base = settings.base_url
    port = f":{base.port}" if base.port not in (None, 80, 443) else ""
    host = tenant.hosts[0] if tenant.hosts else (base.host or "127.0.0.1")
    return f"{base.scheme}://{host}{port}"


def public_url(request: Request, tenant: CurrentTenant, settings: Settings, path: str) -> str:
    return public_origin(request, tenant, settings) + path
