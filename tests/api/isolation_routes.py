"""API routes with an id, for tests/test_isolation.py: an object of one instance, by URL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.api.factories import make_comment
from tests.debates.factories import make_debate
from tests.proposals.factories import make_proposal

MARKER = "🌽 solo-alfa"


def _comment(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    debate = make_debate(db, tenant)
    return (
        f"/api/v1/comments/{make_comment(db, tenant, 'debate', debate.id, body=MARKER).id}",
        MARKER,
    )


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "api_debate": lambda db, t: (f"/api/v1/debates/{make_debate(db, t, title=MARKER).id}", MARKER),
    "api_proposal": lambda db, t: (
        f"/api/v1/proposals/{make_proposal(db, t, title=MARKER).id}",
        MARKER,
    ),
    "api_comment": _comment,
}
