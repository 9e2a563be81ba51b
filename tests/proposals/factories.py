"""Proposals for tests, with hostile text in every field (other features import these)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.models import Tag
from app.db import scoped_to, utcnow
from app.geozones.models import Geozone
from app.proposals.models import Proposal
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import make_user

_numbers = count(1)


def make_tag(db: Session, tenant: Tenant, name: str | None = None) -> Tag:
    with scoped_to(db, tenant.id):
        tag = Tag(name=name or f"{HOSTILE[:40]} {next(_numbers)}")
        db.add(tag)
        db.flush()
    return tag


def make_proposal(
    db: Session,
    tenant: Tenant,
    *,
    author: User | None = None,
    title: str = HOSTILE,
    state: str = "open",
    supports_needed: int = 10,
    supports_count: int = 0,
    hidden: bool = False,
    tags: Iterable[Tag] = (),
    geozone: Geozone | None = None,
    successful: bool = False,
    **fields: Any,
) -> Proposal:
    """A published proposal; ``author=None`` creates a fresh registered author.

    ``successful=True`` marks it successful (state, ``successful_at`` and a count at the
    threshold) without support rows; any other column can be given in ``fields``.
    """
    if author is None:
        author = make_user(db, tenant)
    now = utcnow()
    if successful:
        state = "successful"
        supports_count = max(supports_count, supports_needed)
    with scoped_to(db, tenant.id):
        proposal = Proposal(
            author_id=author.id,
            title=title[:150],
            summary=f"{HOSTILE} resumen",
            body=f"{HOSTILE}\n\n**Segundo** párrafo.",
            geozone_id=geozone.id if geozone is not None else None,
            state=state,
            created_at=now,
            last_activity_at=now,
            hidden_at=now if hidden else None,
            deadline_at=now + timedelta(days=365),
            supports_needed=supports_needed,
            supports_count=supports_count,
            successful_at=now if state == "successful" else None,
            archived_at=now if state == "archived" else None,
            retired_at=now if state == "retired" else None,
            retired_reason="other" if state == "retired" else None,
            retired_explanation=HOSTILE if state == "retired" else None,
        )
        proposal.tags = list(tags)
        for name, value in fields.items():
            setattr(proposal, name, value)
        db.add(proposal)
        db.flush()
    return proposal
