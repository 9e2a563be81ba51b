from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.pages.models import Page


def get_page(session: Session, slug: str) -> Page | None:
    return session.scalars(select(Page).where(Page.slug == slug)).one_or_none()


def footer_pages(session: Session, tenant_id: int) -> list[Page]:
    # Explicit tenant filter: this also runs in the platform session that resolves the host.
    statement = (
        select(Page)
        .where(Page.tenant_id == tenant_id, Page.footer_position.is_not(None))
        .order_by(Page.footer_position)
    )
    return list(session.scalars(statement))
