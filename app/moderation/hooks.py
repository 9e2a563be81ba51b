"""What other modules need to know when moderation hides or restores some of their rows.

Comments keep a ``comments_count`` on the thing they discuss, so hiding a comment must move
that counter in the same transaction. A module's callbacks receive every row whose visibility
changed (already flushed); content types without callbacks need nothing more than the UPDATE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.comments import service as comments
from app.comments.models import Comment

VisibilityHook = Callable[[Session, Sequence[Any]], None]


@dataclass(frozen=True)
class VisibilityHooks:
    hidden: VisibilityHook
    restored: VisibilityHook


def _once_per_target(hook: Callable[[Session, Comment], None]) -> VisibilityHook:
    """The comments hooks recount the whole target, so one call per target is enough (a
    blocked account may have thousands of comments on a few debates)."""

    def call(session: Session, rows: Sequence[Any]) -> None:
        first: dict[tuple[str, int], Comment] = {}
        for comment in rows:
            first.setdefault((comment.target_type, comment.target_id), comment)
        for comment in first.values():
            hook(session, comment)

    return call


HOOKS: dict[str, VisibilityHooks] = {
    "comment": VisibilityHooks(
        hidden=_once_per_target(comments.on_comment_hidden),
        restored=_once_per_target(comments.on_comment_restored),
    ),
}
