"""Every query on comments: a page of threads in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Delete,
    Update,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.comments.models import Comment, CommentVote


def _order(sort: str) -> tuple[ColumnElement[Any], ...]:
    if sort == "newest":
        return (Comment.created_at.desc(), Comment.id.desc())
    if sort == "oldest":
        return (Comment.created_at.asc(), Comment.id.asc())
    return ((Comment.votes_up - Comment.votes_down).desc(), Comment.id.desc())


def _shown_roots(target_type: str, target_id: int) -> ColumnElement[bool]:
    """Top-level comments worth a place in the list: visible ones, and hidden or deleted ones
    that still hold replies (they stay as placeholders so the thread keeps its shape)."""
    reply = aliased(Comment)
    return and_(
        Comment.target_type == target_type,
        Comment.target_id == target_id,
        Comment.parent_id.is_(None),
        or_(
            and_(Comment.hidden_at.is_(None), Comment.deleted_at.is_(None)),
            exists().where(reply.parent_id == Comment.id),
        ),
    )


def top_level_page(
    session: Session, target_type: str, target_id: int, sort: str, offset: int, limit: int
) -> list[Comment]:
    statement = (
        select(Comment)
        .where(_shown_roots(target_type, target_id))
        .order_by(*_order(sort))
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(statement))


def replies_under(session: Session, root_ids: Collection[int]) -> list[Comment]:
    """Every reply below these comments, at any depth, in one recursive statement."""
    if not root_ids:
        return []
    thread = select(Comment.id).where(Comment.parent_id.in_(root_ids)).cte("thread", recursive=True)
    reply = aliased(Comment)
    thread = thread.union_all(select(reply.id).join(thread, reply.parent_id == thread.c.id))
    return list(session.scalars(select(Comment).where(Comment.id.in_(select(thread.c.id)))))


def author_names(session: Session, user_ids: Collection[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {int(user_id): str(name) for user_id, name in rows}


def votes_of(session: Session, user_id: int, comment_ids: Collection[int]) -> dict[int, int]:
    if not comment_ids:
        return {}
    rows = session.execute(
        select(CommentVote.comment_id, CommentVote.value).where(
            CommentVote.user_id == user_id, CommentVote.comment_id.in_(comment_ids)
        )
    )
    return {int(comment_id): int(value) for comment_id, value in rows}


def get_comment(session: Session, comment_id: int) -> Comment | None:
    return session.scalars(select(Comment).where(Comment.id == comment_id)).one_or_none()


def get_vote(session: Session, comment_id: int, user_id: int) -> CommentVote | None:
    return session.scalars(
        select(CommentVote).where(
            CommentVote.comment_id == comment_id, CommentVote.user_id == user_id
        )
    ).one_or_none()


def roots_before(session: Session, root: Comment) -> tuple[int, int]:
    """How many shown top-level comments come before ``root`` when newest come first, and how
    many there are in all (to find the page a comment is on)."""
    created = root.created_at
    newer = or_(
        Comment.created_at > created, and_(Comment.created_at == created, Comment.id > root.id)
    )
    shown = _shown_roots(root.target_type, root.target_id)
    before, total = session.execute(
        select(
            func.count().filter(newer),
            func.count(),
        ).where(shown)
    ).one()
    return int(before), int(total)


def execute_update(session: Session, statement: Update | Delete) -> int:
    """Run an UPDATE (or DELETE) in SQL, without touching loaded objects; the rows it changed."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


def add_to_votes(session: Session, comment_id: int, up: int, down: int) -> None:
    execute_update(
        session,
        update(Comment)
        .where(Comment.id == comment_id)
        .values(votes_up=Comment.votes_up + up, votes_down=Comment.votes_down + down),
    )


def count_visible(target_type: str, target_id: int) -> Any:
    return (
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.target_type == target_type,
            Comment.target_id == target_id,
            Comment.hidden_at.is_(None),
            Comment.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
