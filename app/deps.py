"""Typed dependency aliases for routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.authz.core import LoginRequired
from app.authz.principal import Principal
from app.config import Settings
from app.db import session_scope
from app.errors import NotFound
from app.security import SAFE_METHODS
from app.tenants.schemas import CurrentTenant


def get_tenant(request: Request) -> CurrentTenant:
    tenant: CurrentTenant | None = getattr(request.state, "tenant", None)
    if tenant is None:
        raise NotFound()
    return tenant


TenantDep = Annotated[CurrentTenant, Depends(get_tenant)]


def get_session(request: Request, tenant: TenantDep) -> Iterator[Session]:
    """A session bound to the request's tenant; commits after the route, before the response."""
    write = request.method not in SAFE_METHODS
    yield from session_scope(request.app.state.sessionmaker, tenant.id, write=write)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(request: Request, tenant: TenantDep) -> Principal | None:
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def require_principal(request: Request, tenant: TenantDep) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise LoginRequired()
    return principal


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]
UserDep = Annotated[Principal, Depends(require_principal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


ClientAddress = Annotated[str, Depends(client_address)]
