"""GET routes of comments that take an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate


def _comment_path(db: Session, tenant: Tenant) -> str:
    return f"/comments/{make_comment(db, tenant, make_debate(db, tenant)).id}"


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_comment": lambda db, t: (_comment_path(db, t), None),
    # Administrators sign in for the isolation test: not the author, so 403 on its own instance.
    "edit_comment_form": lambda db, t: (_comment_path(db, t) + "/edit", None),
}
