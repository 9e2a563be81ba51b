"""Test data with hostile defaults: markup, quotes, accents, Quechua and emoji in every text."""

from __future__ import annotations

from itertools import count

from sqlalchemy.orm import Session

from app.db import scoped_to
from app.geozones.models import Geozone
from app.pages.models import Page
from app.tenants.models import Tenant
from app.tenants.schemas import TenantCreate, TenantSettings
from app.tenants.service import create_tenant

HOSTILE = "<script>alert('x')</script> \"Ñawpaq\" & Añay, kusikuy 🌽"
_sequence = count(1)


def make_tenant(
    session: Session, slug: str | None = None, *hosts: str, name: str = HOSTILE
) -> Tenant:
    number = next(_sequence)
    slug = slug or f"inst{number}"
    return create_tenant(
        session,
        TenantCreate(
            slug=slug,
            name=f"{name} {slug}",
            hosts=list(hosts) or [f"{slug}.test"],
            settings=TenantSettings(tagline=HOSTILE, welcome_text=HOSTILE, address=HOSTILE),
        ),
    )


def make_geozone(
    session: Session, tenant: Tenant, code: str = "Z1", kind: str = "rural"
) -> Geozone:
    with scoped_to(session, tenant.id):
        zone = Geozone(code=code, name=f"{HOSTILE} {code}", kind=kind)
        session.add(zone)
        session.flush()
    return zone


def make_page(
    session: Session, tenant: Tenant, slug: str = "acerca", position: int | None = 0
) -> Page:
    with scoped_to(session, tenant.id):
        page = Page(
            slug=slug,
            title=f"{HOSTILE} {slug}",
            body=f"{HOSTILE}\n\nSegundo párrafo.",
            footer_position=position,
        )
        session.add(page)
        session.flush()
    return page
