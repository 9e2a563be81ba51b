"""Tags for tests (hostile names so every page that lists them is checked for escaping)."""

from __future__ import annotations

from itertools import count

from sqlalchemy.orm import Session

from app.content.models import Tag
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.factories import HOSTILE

_numbers = count(1)


def make_tag(db: Session, tenant: Tenant, name: str | None = None) -> Tag:
    with scoped_to(db, tenant.id):
        tag = Tag(name=name or f"{HOSTILE[:40]} {next(_numbers)}")
        db.add(tag)
        db.flush()
    return tag
