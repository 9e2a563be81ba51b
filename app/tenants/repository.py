from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.tenants.models import Tenant, TenantHost


def get_tenant_by_host(session: Session, host: str) -> Tenant | None:
    statement = select(Tenant).join(TenantHost).where(TenantHost.host == host)
    return session.scalars(statement).one_or_none()


def get_tenant_by_slug(session: Session, slug: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()


def list_tenants(session: Session) -> list[Tenant]:
    statement = select(Tenant).options(selectinload(Tenant.hosts)).order_by(Tenant.slug)
    return list(session.scalars(statement))


def taken_hosts(session: Session, hosts: list[str]) -> list[str]:
    statement = select(TenantHost.host).where(TenantHost.host.in_(hosts))
    return list(session.scalars(statement))


def hosts_of(session: Session, tenant_id: int) -> list[str]:
    """The instance's host names, the first registered first (its primary host)."""
    statement = select(TenantHost.host).where(TenantHost.tenant_id == tenant_id)
    return list(session.scalars(statement.order_by(TenantHost.id)))
