"""Typed dependency aliases for routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.db import session_scope
from app.errors import NotFound
from app.tenants.schemas import CurrentTenant


def get_tenant(request: Request) -> CurrentTenant:
    tenant: CurrentTenant | None = getattr(request.state, "tenant", None)
    if tenant is None:
        raise NotFound()
    return tenant


TenantDep = Annotated[CurrentTenant, Depends(get_tenant)]


def get_session(request: Request, tenant: TenantDep) -> Iterator[Session]:
    """A session bound to the request's tenant; commits after the route, before the response."""
    yield from session_scope(request.app.state.sessionmaker, tenant.id)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
