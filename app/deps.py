"""Typed dependency aliases for routes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Path, Request
from sqlalchemy.orm import Session

from app.authz.core import LoginRequired
from app.authz.principal import Principal
from app.config import Settings
from app.db import MAX_ID, session_scope
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


def get_write_session(request: Request, tenant: TenantDep) -> Iterator[Session]:
    """For the few GET routes that write (sign-in callbacks, confirmation links)."""
    yield from session_scope(request.app.state.sessionmaker, tenant.id, write=True)


WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]

# Database ids in paths and forms: bounded by the INTEGER column, so a larger number is a 422,
# not a database error.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdForm = Annotated[int, Form(ge=1, le=MAX_ID)]


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


@dataclass(frozen=True)
class Actor:
    """Who an action is for: the signed-in person, or the person a desk manager serves."""

    person: Principal
    manager: Principal | None = None

    @property
    def channel(self) -> str:
        return "desk" if self.manager is not None else "web"


def get_actor(request: Request, me: UserDep) -> Actor:
    """For later modules: a desk manager serving someone acts as that person, without any of
    that person's staff roles (the middleware resolved them; see app.desk)."""
    acting: Principal | None = getattr(request.state, "acting_for", None)
    if acting is None:
        return Actor(me)
    return Actor(acting, manager=me)


ActorDep = Annotated[Actor, Depends(get_actor)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


ClientAddress = Annotated[str, Depends(client_address)]
