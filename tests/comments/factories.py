"""Comments for tests (other features import these): hostile text unless told otherwise.

``make_comment`` keeps the target's ``comments_count`` as the service does (visible comments).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import make_user


def make_comment(
    db: Session,
    tenant: Tenant,
    target: Any,
    *,
    target_type: str = "debate",
    author: User | None = None,
    parent: Comment | None = None,
    body: str = HOSTILE,
    hidden: bool = False,
    deleted: bool = False,
    badge: str | None = None,
    votes_up: int = 0,
    votes_down: int = 0,
    created_at: datetime | None = None,
) -> Comment:
    author = author or make_user(db, tenant)
    with scoped_to(db, tenant.id):
        comment = Comment(
            target_type=target_type,
            target_id=target.id,
            parent_id=parent.id if parent is not None else None,
            depth=parent.depth + 1 if parent is not None else 0,
            author_id=author.id,
            author_badge=badge,
            body=body,
            created_at=created_at or utcnow(),
            hidden_at=utcnow() if hidden else None,
            deleted_at=utcnow() if deleted else None,
            votes_up=votes_up,
            votes_down=votes_down,
        )
        db.add(comment)
        if not hidden and not deleted:
            target.comments_count += 1
        db.flush()
    return comment
