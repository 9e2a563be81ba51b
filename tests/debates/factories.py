"""Debates for tests, hostile text by default so unescaped output fails."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import Tag
from app.db import scoped_to, utcnow
from app.debates.models import Debate
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import make_user


def make_debate(
    db: Session,
    tenant: Tenant,
    *,
    author: User | None = None,
    title: str = HOSTILE,
    body: str = HOSTILE,
    hidden: bool = False,
    tags: Iterable[Tag] = (),
    geozone_id: int | None = None,
) -> Debate:
    """A debate of ``tenant`` (a new registered author unless one is given), flushed."""
    author = author or make_user(db, tenant)
    with scoped_to(db, tenant.id):
        debate = Debate(
            author_id=author.id,
            title=title[:150],
            body=body,
            geozone_id=geozone_id,
            hidden_at=utcnow() if hidden else None,
            tags=list(tags),
        )
        db.add(debate)
        db.flush()
    return debate
