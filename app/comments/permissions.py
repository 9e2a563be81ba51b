"""Who may comment, vote on comments, and edit or delete their own.

Any signed-in account comments (organizations too, as in CONSUL and Decidim) on anything it can
see that is open for comments; a target may close itself by a ``comments_open`` attribute.
Any signed-in account votes up or down on a visible comment, its own included (CONSUL does the
same; one vote per account is held by a unique constraint). Authors edit within a short window
after writing, and delete at any time, as long as moderation has not hidden the comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import app.comments.targets  # noqa: F401 - registers the "comment" target kind
from app.authz.core import rule
from app.authz.principal import Principal
from app.comments.models import Comment
from app.db import utcnow

EDIT_WINDOW = timedelta(minutes=15)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every one we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _standing(comment: Any) -> bool:
    return isinstance(comment, Comment) and comment.deleted_at is None and comment.hidden_at is None


def _own(principal: Principal | None, comment: Any) -> bool:
    return (
        principal is not None
        and isinstance(comment, Comment)
        and comment.author_id == principal.user_id
    )


@rule("comments.create")
def may_comment(principal: Principal | None, target: Any, _ctx: Mapping[str, Any]) -> bool:
    if principal is None or target is None:
        return False
    if getattr(target, "hidden_at", None) is not None:
        return False
    return bool(getattr(target, "comments_open", True))


@rule("comments.vote")
def may_vote(principal: Principal | None, comment: Any, _ctx: Mapping[str, Any]) -> bool:
    return principal is not None and _standing(comment)


@rule("comments.edit")
def may_edit(principal: Principal | None, comment: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _own(principal, comment)
        and _standing(comment)
        and utcnow() - aware(comment.created_at) <= EDIT_WINDOW
    )


@rule("comments.delete")
def may_delete(principal: Principal | None, comment: Any, _ctx: Mapping[str, Any]) -> bool:
    return _own(principal, comment) and _standing(comment)
