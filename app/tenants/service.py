from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.i18n import N_
from app.pages.models import Page
from app.pages.repository import footer_pages
from app.tenants import repository
from app.tenants.models import Tenant, TenantHost
from app.tenants.schemas import (
    CurrentTenant,
    FooterLink,
    TenantCreate,
    TenantSettings,
    normalize_host,
)


def snapshot(
    tenant: Tenant, footer: list[Page] | None = None, hosts: list[str] | None = None
) -> CurrentTenant:
    return CurrentTenant(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        default_language=tenant.default_language,
        languages=tuple(tenant.languages),
        primary_color=tenant.primary_color,
        accent_color=tenant.accent_color,
        logo_path=tenant.logo_path,
        settings=TenantSettings.model_validate(tenant.settings),
        footer_links=tuple(FooterLink(slug=page.slug, title=page.title) for page in footer or []),
        hosts=tuple(hosts or ()),
    )


def resolve_tenant(session: Session, host: str, default_slug: str | None) -> CurrentTenant | None:
    """The tenant serving a Host header; the default tenant (if configured) for unknown hosts."""
    tenant = repository.get_tenant_by_host(session, normalize_host(host))
    if tenant is None and default_slug:
        tenant = repository.get_tenant_by_slug(session, default_slug)
    if tenant is None:
        return None
    return snapshot(
        tenant, footer_pages(session, tenant.id), repository.hosts_of(session, tenant.id)
    )


def create_tenant(session: Session, data: TenantCreate) -> Tenant:
    if repository.get_tenant_by_slug(session, data.slug) is not None:
        raise Conflict(N_("An instance with the slug %(slug)s already exists."), slug=data.slug)
    taken = repository.taken_hosts(session, data.hosts)
    if taken:
        raise Conflict(
            N_("The host %(host)s already serves another instance."), host=", ".join(taken)
        )
    tenant = Tenant(
        slug=data.slug,
        name=data.name,
        default_language=data.default_language,
        languages=data.languages,
        primary_color=data.primary_color.lower(),
        accent_color=data.accent_color.lower(),
        logo_path=data.logo_path,
        settings=data.settings.model_dump(),
        hosts=[TenantHost(host=host) for host in dict.fromkeys(data.hosts)],
    )
    session.add(tenant)
    session.flush()
    return tenant


def require_tenant(session: Session, slug: str) -> Tenant:
    tenant = repository.get_tenant_by_slug(session, slug)
    if tenant is None:
        raise NotFound(N_("There is no instance with the slug %(slug)s."), slug=slug)
    return tenant
